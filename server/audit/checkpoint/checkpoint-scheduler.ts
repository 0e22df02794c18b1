/**
 * Publishes a checkpoint every interval when the chain grew, registered as a
 * background worker ("audit-checkpoints"). A round that cannot run (database
 * down) makes the worker unhealthy (/api/ready answers 503); a round that
 * refuses to sign because the stored log no longer matches its checkpoints
 * (tampering) raises an alarm instead — error log, the
 * qecnet_audit_integrity_alarm gauge, the worker's detail — and keeps the
 * console ready here (the integrity monitor's readiness check is what turns
 * it to 503). The next round tries again either way.
 */
import type { Logger } from "pino";
import { DomainError } from "../../domain/errors/domain-error";
import { metrics } from "../../ops/metrics";
import { startPeriodicDuty } from "../../background/periodic-duty";
import type { CheckpointService } from "./checkpoint-service";

export interface CheckpointSchedulerState {
  lastSuccessAt: Date | null;
  lastError: string | null;
  alarm: string | null;
  lastTreeSize: string | null;
}

/** `after`: the first round waits for it (the integrity monitor's start-up verification). */
export function startCheckpointScheduler(svc: CheckpointService, intervalS: number, log: Logger, after: Promise<unknown> = Promise.resolve()): () => void {
  const state: CheckpointSchedulerState = { lastSuccessAt: null, lastError: null, alarm: null, lastTreeSize: null };
  void svc.syncFile().catch((err: Error) => log.warn({ err: { message: err.message } }, "checkpoint file not synced"));
  return startPeriodicDuty({
    name: "audit-checkpoints",
    everyMs: intervalS * 1000,
    clock: svc.clock,
    startAfter: after,
    log,
    failure: "audit checkpoint not published",
    logEveryFailure: true,
    round: async () => {
      try {
        const r = await svc.publish();
        state.lastSuccessAt = svc.clock();
        state.lastError = null;
        state.alarm = null;
        metrics().setIntegrityAlarm(null);
        state.lastTreeSize = r.checkpoint?.treeSize ?? null;
        if (r.created) log.info({ treeSize: r.checkpoint?.treeSize, rootHash: r.checkpoint?.rootHash, durationMs: Math.round(r.durationMs) }, "audit checkpoint published");
      } catch (err) {
        if (err instanceof DomainError && err.code === "AUDIT_TAMPERED") {
          state.alarm = err.message;
          state.lastError = null;
          metrics().setIntegrityAlarm(err.message);
          log.error({ alarm: "AUDIT_TAMPERED", err: { message: err.message } }, "audit log integrity alarm: checkpoint refused");
          return;
        }
        state.lastError = (err as Error).message;
        throw err;
      }
    },
    status: () => ({
      ok: state.lastError === null,
      detail: state.alarm
        ? `ALARM, no checkpoint signed: ${state.alarm}`
        : state.lastError
        ? `last round failed: ${state.lastError}`
        : state.lastSuccessAt
          ? `checkpoint ${state.lastTreeSize ?? "none yet"}, checked ${state.lastSuccessAt.toISOString()}`
          : `starting (every ${intervalS} s)`,
      lastSuccessAt: state.lastSuccessAt,
    }),
  });
}
