/**
 * Trends for the console's charts: figures over hours, read on a slow poll
 * (the live stream does not invalidate them: a chart in 5-minute steps need
 * not be re-read on every key event by every viewer).
 */
import { z } from "zod";
import { deliveryHistory, MAX_WINDOW_MINUTES, MIN_WINDOW_MINUTES } from "../../distribution/delivery-history";
import { keyStateHistory } from "../../keys/state-history";
import { procedure, router } from "../trpc";

export const trendsRouter = router({
  /** How many keys stood in each state over the last `hours`, in 72 steps, rebuilt from the audit chain. */
  keyStates: procedure
    .input(z.object({ hours: z.number().int("hours must be a whole number").min(1, "at least 1 hour").max(24, "at most 24 hours") }).default({ hours: 6 }))
    .query(({ ctx, input }) => keyStateHistory(ctx.db, ctx.clock, input.hours)),
  /** Key copies delivered to node agents (confirmed receipts) and failed deliveries, per whole minute over the last `minutes`. */
  deliveries: procedure
    .input(
      z.object({
        minutes: z
          .number()
          .int("minutes must be a whole number")
          .min(MIN_WINDOW_MINUTES, `at least ${MIN_WINDOW_MINUTES} minutes`)
          .max(MAX_WINDOW_MINUTES, `at most ${MAX_WINDOW_MINUTES} minutes (a day)`),
      }).default({ minutes: 60 }),
    )
    .query(({ ctx, input }) => deliveryHistory(ctx.db, ctx.clock, input.minutes)),
});
