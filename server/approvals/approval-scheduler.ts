/**
 * Background duties of the approval workflow in a server process: at start,
 * carry every EXECUTING request to its end (work interrupted by a crash or a
 * restart) and record expiries; then again every minute. Several instances
 * may run this at once: each end and each expiry is recorded exactly once.
 * Runs as a periodic duty (server/background/periodic-duty.ts): reported by
 * /api/ready as "approval-duties", logged through pino.
 */
import type { Logger } from "pino";
import { startPeriodicDuty } from "../background/periodic-duty";
import type { Clock } from "../time/clock";
import type { ApprovalService } from "./approval-service";

export function startApprovalDuties(approvals: ApprovalService, opts: { log: Pick<Logger, "info" | "error">; clock: Clock; everyMs?: number }): () => void {
  return startPeriodicDuty({
    name: "approval-duties",
    everyMs: opts.everyMs ?? 60_000,
    log: opts.log,
    clock: opts.clock,
    healthy: "resuming interrupted approvals and recording expiries every minute",
    failure: "approval duties failed; will retry",
    logEveryFailure: true,
    round: async () => {
      const resumed = await approvals.resumeExecuting();
      const expired = await approvals.expireOverdue();
      if (resumed || expired) opts.log.info({ resumed, expired }, "approval duties");
    },
  });
}
