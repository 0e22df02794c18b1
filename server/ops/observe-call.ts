/**
 * What the tRPC middleware does around every procedure call: give it a
 * request id, time it into qecnet_trpc_request_duration_seconds, and write
 * one JSON log line (mutations and failures at info/warn, queries at debug so
 * the console's polling does not flood the log). Inputs are never logged.
 */
import { randomUUID } from "node:crypto";
import { logger } from "./logger";
import { metrics } from "./metrics";

export async function observeCall<R extends { ok: boolean }>(path: string, type: string, run: (requestId: string) => Promise<R>): Promise<R> {
  const requestId = randomUUID();
  const started = performance.now();
  const result = await run(requestId);
  const seconds = (performance.now() - started) / 1000;
  const outcome = result.ok ? "ok" : "error";
  metrics().trpcDuration.observe({ path, type, outcome }, seconds);
  const line = { requestId, path, type, outcome, durationMs: Math.round(seconds * 1000) };
  const log = logger();
  if (!result.ok) {
    const error = (result as unknown as { error?: { code?: string; message?: string } }).error;
    log.warn({ ...line, code: error?.code }, "trpc call failed");
  } else if (type === "mutation") log.info(line, "trpc call");
  else log.debug(line, "trpc call");
  return result;
}
