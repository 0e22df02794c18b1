/**
 * Reads a request body with a hard limit (KEY-DELIVERY.md §4.0: over 64 KiB is
 * 400 body_too_large): past the limit it stops reading and reports the
 * overflow, so a client can never make the KME buffer more than limit + 1
 * bytes. A declared Content-Length over the limit is refused before reading.
 */
import type { IncomingMessage } from "node:http";

export type BodyRead =
  /** The whole body. */
  | { overflow: false; bytes: Buffer }
  /** More than `limit` bytes: `bytes` is limit + 1 long (what was read, zero-filled), enough for the protocol layer's size check. */
  | { overflow: true; bytes: Buffer };

/** Resolves with the body or its overflow; rejects when the client goes away mid-body. */
export function readBoundedBody(req: IncomingMessage, limit: number): Promise<BodyRead> {
  const overflow = (chunks: Buffer[] = []): BodyRead => {
    const bytes = Buffer.alloc(limit + 1);
    let at = 0;
    for (const c of chunks) at += c.copy(bytes, at);
    return { overflow: true, bytes };
  };
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) {
    req.pause();
    return Promise.resolve(overflow());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const done = () => {
      req.off("data", onData).off("end", onEnd).off("error", onGone).off("close", onClose);
    };
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      chunks.push(chunk);
      if (total > limit) {
        // Stop here: the rest of the body stays unread (the connection is closed after the answer).
        done();
        req.pause();
        resolve(overflow(chunks));
      }
    };
    const onEnd = () => {
      done();
      resolve({ overflow: false, bytes: Buffer.concat(chunks, total) });
    };
    const onGone = (err: Error) => {
      done();
      reject(err);
    };
    const onClose = () => {
      if (req.complete) return; // "end" has already resolved or is about to
      done();
      reject(new Error("the client closed the connection before the end of the body"));
    };
    req.on("data", onData).on("end", onEnd).on("error", onGone).on("close", onClose);
  });
}
