/**
 * Live events for the console, as a tRPC subscription over server-sent events.
 * Each event is sent as its JSON text (a ConsoleEvent; decodeEvent reads it),
 * encoded once per process for all subscribers.
 */
import { z } from "zod";
import { EVENT_TOPICS } from "../../events/console-events";
import { procedure, router } from "../trpc";

export const eventsRouter = router({
  /** Every event touching one of `topics` from now on, as JSON text; ends when the browser disconnects. */
  stream: procedure
    .input(z.object({ topics: z.array(z.enum(EVENT_TOPICS)).min(1).default([...EVENT_TOPICS]) }).default({ topics: [...EVENT_TOPICS] }))
    // Returns the bus's iterable itself (no generator wrapped around it): one layer less per event and subscriber.
    .subscription(async ({ ctx, input, signal }) => {
      await ctx.events.start();
      return ctx.events.streamText(input.topics, signal);
    }),
});
