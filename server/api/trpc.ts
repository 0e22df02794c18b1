/**
 * tRPC setup, in three parts:
 * 1. context: the services and who is acting (sign-in arrives with the
 *    approvals issue; until then every request acts as QECNET_ACTOR);
 * 2. init: superjson for Dates and bigints, zod errors flattened for forms,
 *    domain errors mapped to codes in one place (error-map.ts);
 * 3. procedures: publicProcedure, the only one until roles exist.
 */
import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { ZodError } from "zod";
import { env } from "../config/env";
import { DomainError } from "../errors/domain-error";
import type { Services } from "../runtime/services";
import { toTRPCError } from "./error-map";
import { observeCall } from "../ops/observe-call";

// 1. context
export interface Context extends Services {
  actor: string;
}

export function createContextInner(s: Services, actor?: string): Context {
  return { ...s, actor: actor ?? env().QECNET_ACTOR };
}

// 2. init
function zodMessage(err: ZodError): string {
  return err.issues.map((i) => `${i.path.join(".") || "input"}: ${i.message}`).join("; ");
}

const t = initTRPC.context<Context>().create({
  transformer: superjson,
  // Subscriptions (server-sent events): a ping keeps proxies from closing idle
  // streams, and the browser reconnects when pings stop arriving.
  sse: { ping: { enabled: true, intervalMs: 10_000 }, client: { reconnectAfterInactivityMs: 25_000 } },
  errorFormatter({ shape, error }) {
    const zod = error.cause instanceof ZodError ? error.cause : null;
    const { stack: _stack, ...data } = shape.data; // never send server stacks to the browser
    return {
      ...shape,
      message: zod ? zodMessage(zod) : shape.message,
      data: {
        ...data,
        zodError: zod ? zod.flatten() : null,
        domainCode: (error.cause as { code?: string } | undefined)?.code ?? null,
      },
    };
  },
});

/** Maps anything a service throws to a TRPCError with a code and an actionable message. */
const mapErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (result.ok) return result;
  const cause = result.error.cause;
  if (cause instanceof ZodError) {
    // One readable sentence per problem, the same through HTTP and createCaller.
    throw new TRPCError({ code: "BAD_REQUEST", message: zodMessage(cause), cause });
  }
  if (cause instanceof DomainError || result.error.code === "INTERNAL_SERVER_ERROR") throw toTRPCError(cause ?? result.error);
  return result;
});

// 3. procedures
export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
/** Request id, duration metric and one structured log line per call. */
const observe = t.middleware(({ path, type, next }) => observeCall(path, type, (requestId) => next({ ctx: { requestId } })));
export const publicProcedure = t.procedure.use(observe).use(mapErrors);
