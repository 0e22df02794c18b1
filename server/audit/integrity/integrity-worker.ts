/**
 * Runs the integrity monitor in this process as a periodic duty
 * (server/background/periodic-duty.ts, started by server/runtime/background.ts):
 * a complete verification at start, then a round every
 * QECNET_AUDIT_VERIFY_INTERVAL_S (default 30 s); while it finds
 * damage the checkpoint publisher refuses to sign, the
 * qecnet_audit_integrity_alarm gauge is 1, /api/ready answers 503 naming the
 * breaks (worker "audit-integrity"), and the console shows a banner to every
 * role (tRPC audit.integrity). Each new alarm is logged once.
 */
import type { Logger } from "pino";
import { metrics } from "../../ops/metrics";
import { startPeriodicDuty } from "../../background/periodic-duty";
import type { CheckpointService } from "../checkpoint/checkpoint-service";
import type { IntegrityMonitor, IntegrityStatus } from "./integrity-monitor";

export const INTEGRITY_ROUND_MS = 30_000;

/** The readiness check of the monitor: not ready while starting up or while the log is broken. */
export function integrityWorkerStatus(s: IntegrityStatus) {
  if (s.state === "starting") return { ok: false, detail: "verifying the audit log against its signed checkpoints (start-up)" };
  if (s.alarm) return { ok: false, detail: `ALARM: ${s.alarm}; no checkpoint is signed until it is resolved` };
  return { ok: true, detail: `audit log verified through #${s.checkedThrough} against its signed checkpoints`, lastSuccessAt: s.lastCompleteAt };
}

export function startIntegrityMonitor(monitor: IntegrityMonitor, checkpoints: CheckpointService, log: Logger, roundMs = INTEGRITY_ROUND_MS): () => void {
  checkpoints.integrityGate = monitor;
  let lastAlarm: string | null = null;
  const unsubscribe = monitor.subscribe((s) => {
    metrics().setIntegrityAlarm(s.alarm, "integrity");
    if (s.alarm && s.alarm !== lastAlarm) {
      log.error({ alarm: "AUDIT_TAMPERED", failures: s.failures.map((f) => ({ kind: f.kind, seq: f.seq?.toString() ?? null, message: f.message })) }, "audit log integrity alarm");
    } else if (!s.alarm && lastAlarm) {
      log.warn({ checkedThrough: s.checkedThrough.toString() }, "audit log integrity alarm cleared: the log verifies again");
    }
    lastAlarm = s.alarm;
  });
  const stop = startPeriodicDuty({
    name: "audit-integrity",
    everyMs: roundMs,
    clock: checkpoints.clock,
    log,
    failure: "audit integrity round failed",
    logEveryFailure: true,
    round: async () => void (await monitor.runRound()),
    status: () => integrityWorkerStatus(monitor.status()),
  });
  return () => {
    stop();
    unsubscribe();
    if (checkpoints.integrityGate === monitor) checkpoints.integrityGate = null;
  };
}
