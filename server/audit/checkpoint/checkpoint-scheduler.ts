/**
 * Publishes a checkpoint every interval when the chain grew, registered as a
 * background worker ("audit-checkpoints"). A failed round (database down, a
 * tampered chain) is logged and reported through /api/ready; the next round
 * tries again.
 */
import type { Logger } from "pino";
import { registerWorker } from "../../runtime/workers";
import type { CheckpointService } from "./checkpoint-service";

export interface CheckpointSchedulerState {
  lastSuccessAt: Date | null;
  lastError: string | null;
  lastTreeSize: string | null;
}

export function startCheckpointScheduler(svc: CheckpointService, intervalS: number, log: Logger): () => void {
  const state: CheckpointSchedulerState = { lastSuccessAt: null, lastError: null, lastTreeSize: null };
  let running = false;
  const round = async () => {
    if (running) return;
    running = true;
    try {
      const r = await svc.publish();
      state.lastSuccessAt = new Date();
      state.lastError = null;
      state.lastTreeSize = r.checkpoint?.treeSize ?? null;
      if (r.created) log.info({ treeSize: r.checkpoint?.treeSize, rootHash: r.checkpoint?.rootHash, durationMs: Math.round(r.durationMs) }, "audit checkpoint published");
    } catch (err) {
      state.lastError = (err as Error).message;
      log.error({ err: { name: (err as Error).name, message: (err as Error).message } }, "audit checkpoint not published");
    } finally {
      running = false;
    }
  };
  const unregister = registerWorker("audit-checkpoints", () => ({
    ok: state.lastError === null,
    detail: state.lastError
      ? `last round failed: ${state.lastError}`
      : state.lastSuccessAt
        ? `checkpoint ${state.lastTreeSize ?? "none yet"}, checked ${state.lastSuccessAt.toISOString()}`
        : `starting (every ${intervalS} s)`,
    lastSuccessAt: state.lastSuccessAt,
  }));
  void svc.syncFile().catch((err: Error) => log.warn({ err: { message: err.message } }, "checkpoint file not synced"));
  void round();
  const timer = setInterval(() => void round(), intervalS * 1000);
  timer.unref();
  return () => {
    clearInterval(timer);
    unregister();
  };
}
