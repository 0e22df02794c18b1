/**
 * Starts this process's background work once, from instrumentation.ts: the
 * checkpoint scheduler, the SIEM forwarder when configured, and the metrics'
 * database access. Each registers in server/runtime/workers.ts so /api/ready
 * reports it. Other modules (the mesh simulation) add their start here.
 */
import { startCheckpointScheduler } from "../audit/checkpoint/checkpoint-scheduler";
import { SiemForwarder, parseForwardUrl } from "../audit/forward/siem-forwarder";
import { env } from "../config/env";
import { logger } from "../ops/logger";
import { metrics } from "../ops/metrics";
import { services } from "./services";

const g = globalThis as unknown as { __qecnetBackground?: Array<() => void> };

export function startBackgroundWorkers(): void {
  if (g.__qecnetBackground) return;
  const stops: Array<() => void> = [];
  g.__qecnetBackground = stops;
  const e = env();
  const log = logger();
  const s = services();
  metrics().attach({ db: s.db });
  log.info({ keyId: s.checkpoints.key.keyId, publicKey: s.checkpoints.key.publicKey, source: s.checkpoints.key.source, file: s.checkpoints.file.path }, "audit checkpoint signing key");
  if (e.QECNET_AUDIT_CHECKPOINT_INTERVAL_S > 0) {
    stops.push(startCheckpointScheduler(s.checkpoints, e.QECNET_AUDIT_CHECKPOINT_INTERVAL_S, log.child({ worker: "audit-checkpoints" })));
  } else {
    log.warn("scheduled audit checkpoints are off (QECNET_AUDIT_CHECKPOINT_INTERVAL_S=0); publish them from the console or the API");
  }
  if (e.QECNET_AUDIT_FORWARD) {
    const fwd = new SiemForwarder(s.db, parseForwardUrl(e.QECNET_AUDIT_FORWARD));
    stops.push(fwd.start(1000, log.child({ worker: "audit-forwarder" })));
  }
}

export function stopBackgroundWorkers(): void {
  for (const stop of g.__qecnetBackground ?? []) stop();
  g.__qecnetBackground = undefined;
}
