/**
 * The bytes of tRPC's server-sent-events protocol (what httpSubscriptionLink
 * reads in the browser), built once and shared: a `connected` frame first, a
 * `data` frame per value (the value as the superjson transformer sends it: a
 * plain string becomes {"json": "..."}), and `ping` frames that keep idle
 * streams and their proxies alive. EventStreamSource writes these to every
 * browser instead of running tRPC's per-subscriber encoding pipeline.
 */
const encoder = new TextEncoder();

/** The `connected` frame, with the client options tRPC sends (server/api/trpc.ts: reconnect after 25 s without a ping). */
export function sseConnectedFrame(client: { reconnectAfterInactivityMs?: number }): Uint8Array {
  return encoder.encode(`event: connected\ndata: ${JSON.stringify(client)}\n\n`);
}

/** A message carrying `text` (a string through superjson is {"json": text}, no meta). */
export function sseDataFrame(text: string): Uint8Array {
  return encoder.encode(`data: ${JSON.stringify({ json: text })}\n\n`);
}

export const SSE_PING_FRAME = encoder.encode("event: ping\ndata: \n\n");

/** The response headers tRPC sends with a subscription stream (no-transform: never gzipped). */
export const SSE_HEADERS: Readonly<Record<string, string>> = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache, no-transform",
  "x-accel-buffering": "no",
  connection: "keep-alive",
};
