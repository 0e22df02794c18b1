/**
 * The one clock of the server. Everything that decides by time (expiry,
 * overlap, retention, "the last five minutes", checkpoint timestamps, the
 * simulator's ticks, metrics' "time since") asks a Clock handed to it by the
 * wiring (server/runtime/services.ts), never Date.now() or new Date() itself:
 * a test runs the whole server on a clock of its own and passes on any date,
 * and a process never mixes two notions of "now".
 *
 * Wall time is what production means by "now": systemClock is the only place
 * in server/ that reads it (lint refuses it elsewhere, see eslint.config.mjs).
 * Durations (how long a query took, when to schedule the next loop) are
 * measured with performance.now(), which is monotonic and decides nothing.
 */

/** Returns the current instant. */
export type Clock = () => Date;

/** The machine's wall clock: the default of every service outside tests. */
// eslint-disable-next-line no-restricted-syntax -- the one place that reads wall time
export const systemClock: Clock = () => new Date();

/** A clock that stands still at `start` until moved: tests and benches drive time with it. */
export interface ManualClock extends Clock {
  /** Moves the clock forward (or back, with a negative value) by `ms`. */
  advance(ms: number): Date;
  /** Sets the clock to `to`. */
  set(to: Date): void;
}

export function manualClock(start: Date | string | number): ManualClock {
  let t = new Date(start).getTime();
  const clock = (() => new Date(t)) as ManualClock;
  clock.advance = (ms: number) => new Date((t += ms));
  clock.set = (to: Date) => {
    t = to.getTime();
  };
  return clock;
}

/** Milliseconds since `then` on `clock` (never negative). */
export function msSince(clock: Clock, then: Date): number {
  return Math.max(0, clock().getTime() - then.getTime());
}
