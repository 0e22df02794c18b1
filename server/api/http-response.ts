/**
 * Plain HTTP routes (exports, proofs, operations) answer errors the way tRPC
 * does: the domain code mapped in error-map.ts decides the status, the body is
 * `{ message, code }`, and unknown errors never leak internals.
 */
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { ZodError } from "zod";
import { DomainError } from "../domain/errors/domain-error";
import { logger } from "../ops/logger";
import { toTRPCError } from "./error-map";

export function errorResponse(err: unknown, requestId?: string): Response {
  if (err instanceof ZodError) {
    const message = err.issues.map((i) => `${i.path.join(".") || "input"}: ${i.message}`).join("; ");
    return Response.json({ message, code: "INVALID_INPUT" }, { status: 400 });
  }
  const trpc = toTRPCError(err);
  const status = getHTTPStatusCodeFromError(trpc);
  if (status >= 500) logger().error({ requestId, err: { name: (err as Error)?.name, message: (err as Error)?.message, stack: (err as Error)?.stack } }, "http route failed");
  return Response.json({ message: trpc.message, code: err instanceof DomainError ? err.code : trpc.code }, { status });
}

/** A streamed body pulled from an async generator of text chunks (backpressure: one chunk per pull). */
export function streamText(chunks: AsyncGenerator<string>, onError: (err: unknown) => void): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { value, done } = await chunks.next();
        if (done) controller.close();
        else controller.enqueue(encoder.encode(value));
      } catch (err) {
        onError(err);
        controller.error(err);
      }
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
}

export function searchParams(req: Request): Record<string, string> {
  return Object.fromEntries(new URL(req.url).searchParams);
}
