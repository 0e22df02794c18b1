/**
 * Reconnect backoff shared by the server's LISTEN connection and the browser's
 * live stream: exponential, capped, with jitter, so that many clients that
 * lost their connection at the same moment do not all come back in the same one.
 */

/** A delay drawn uniformly from [cap/2, cap), cap = min(maxMs, minMs * 2^attempt). */
export function reconnectDelay(attempt: number, minMs: number, maxMs: number, random: () => number): number {
  const cap = Math.min(maxMs, minMs * 2 ** Math.max(0, attempt));
  return Math.round(cap / 2 + (cap / 2) * random());
}
