/**
 * Background duties of the approval workflow in a server process: at start,
 * carry every EXECUTING request to its end (work interrupted by a crash or a
 * restart) and record expiries; then again every minute. Several instances
 * may run this at once: each end and each expiry is recorded exactly once.
 */
import type { ApprovalService } from "./approval-service";

export function startApprovalDuties(approvals: ApprovalService, everyMs = 60_000): () => void {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const resumed = await approvals.resumeExecuting();
      const expired = await approvals.expireOverdue();
      if (resumed || expired) console.log(JSON.stringify({ level: "info", msg: "approval duties", resumed, expired }));
    } catch (err) {
      console.error(JSON.stringify({ level: "error", msg: "approval duties failed; will retry", error: (err as Error).message }));
    } finally {
      running = false;
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
