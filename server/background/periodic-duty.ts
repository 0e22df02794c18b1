/**
 * The one way a background loop runs in this process: a round at start (or
 * once `startAfter` settles), then one every interval, never two at once (a
 * slow round skips the next turn), on an unref'd timer so it never holds the
 * process open. It registers with /api/ready (worker-status.ts): not ready
 * while its last round failed, unless the duty describes its own status; and
 * it logs failures through pino (server/ops/logger.ts), by default only the
 * first of a run of failures so a dead dependency does not flood the log.
 */
import type { Logger } from "pino";
import type { Clock } from "../time/clock";
import { registerWorker, type WorkerStatus } from "./worker-status";

/** What a duty knows about itself; its status callback reads it. */
export interface DutyState {
  lastError: string | null;
  lastSuccessAt: Date | null;
}

export interface PeriodicDuty {
  /** The worker's name in /api/ready ("worker:<name>"). */
  name: string;
  everyMs: number;
  /** One round; a throw marks the round failed (the next round tries again). */
  round(): Promise<void>;
  log: Pick<Logger, "error">;
  clock: Clock;
  /** The first round waits for this (e.g. the integrity monitor's start-up verification); default: at once. */
  startAfter?: Promise<unknown>;
  /** Readiness as this duty sees it; default: ok unless the last round failed. */
  status?(state: DutyState): WorkerStatus;
  /** What a healthy duty says in the default status. */
  healthy?: string;
  /** The log line of a failed round. */
  failure?: string;
  /** Log every failed round, not only the first of a run (default false). */
  logEveryFailure?: boolean;
  /** The first round comes after one interval, not at start (the owner did the start-up work itself). */
  delayFirst?: boolean;
  /** False when the owner reports for several duties in one readiness line (default true). */
  registered?: boolean;
}

/** Starts the duty; returns the function that stops it and unregisters it. */
export function startPeriodicDuty(duty: PeriodicDuty): () => void {
  const state: DutyState = { lastError: null, lastSuccessAt: null };
  let running = false;
  let stopped = false;
  const round = async () => {
    if (running || stopped) return;
    running = true;
    try {
      await duty.round();
      state.lastError = null;
      state.lastSuccessAt = duty.clock();
    } catch (err) {
      if (state.lastError === null || duty.logEveryFailure) {
        duty.log.error({ worker: duty.name, err: { name: (err as Error).name, message: (err as Error).message } }, duty.failure ?? `${duty.name} failed; will retry`);
      }
      state.lastError = (err as Error).message;
    } finally {
      running = false;
    }
  };
  const unregister = duty.registered === false ? () => undefined : registerWorker(duty.name, () =>
    duty.status
      ? duty.status(state)
      : {
          ok: state.lastError === null,
          detail: state.lastError ? `last round failed: ${state.lastError}` : state.lastSuccessAt ? (duty.healthy ?? "running") : `starting (every ${Math.round(duty.everyMs / 1000)} s)`,
          lastSuccessAt: state.lastSuccessAt,
        },
  );
  if (!duty.delayFirst) void (duty.startAfter ?? Promise.resolve()).then(round, round);
  const timer = setInterval(() => void round(), duty.everyMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
    unregister();
  };
}
