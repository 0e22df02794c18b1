/**
 * Live events for the console, as a tRPC subscription over server-sent events.
 * Each event is sent as its JSON text (a ConsoleEvent; decodeEvent reads it),
 * encoded once per process for all subscribers; over HTTP the route handler
 * sends the bus's shared frames itself (eventStreamResponse), after this
 * procedure has checked access and input as for any call.
 */
import { z } from "zod";
import { EVENT_TOPICS } from "../../domain/events/console-events";
import { procedure, router } from "../trpc";

export const eventsRouter = router({
  /** Every event touching one of `topics` from now on, as JSON text; ends when the browser disconnects. */
  stream: procedure
    .input(z.object({ topics: z.array(z.enum(EVENT_TOPICS)).min(1).default([...EVENT_TOPICS]) }).default({ topics: [...EVENT_TOPICS] }))
    // The bus's own source (no generator wrapped around it): tRPC iterates it, and the route handler writes it out
    // as shared server-sent-events frames instead (app/api/trpc/[trpc]/route.ts: one write per event and viewer).
    .subscription(async ({ ctx, input, signal }) => {
      await ctx.events.start();
      return ctx.events.source(input.topics, signal);
    }),
});
