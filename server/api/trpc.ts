/**
 * tRPC setup, in three parts:
 * 1. context: the services, the signed-in user (or null) and whether the
 *    request passed the cross-site check; ctx.actor names the user in audit entries;
 * 2. init: superjson for Dates and bigints, zod errors flattened for forms,
 *    domain errors mapped to codes in one place (error-map.ts);
 * 3. procedures: `procedure` (there is no unchecked one) enforces, on every call,
 *    sign-in, the cross-site check for mutations, the role its path needs
 *    in server/domain/access/permissions.ts (a path missing there is refused), and
 *    for officers and admins on a console that is not a demo the second factor
 *    (enrolled and proven; fresh for the step-up procedures listed there).
 */
import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { ZodError } from "zod";
import { checkProcedure, needsStepUp, SECOND_FACTOR_EXEMPT, type ProcedurePath } from "../domain/access/permissions";
import { actorOf } from "../auth/auth-audit";
import type { CsrfVerdict } from "../domain/access/csrf";
import { checkSecondFactor, type SecondFactorState } from "../auth/second-factor";
import type { SessionUser } from "../domain/access/session-user";
import { env } from "../config/env";
import { DomainError } from "../domain/errors/domain-error";
import type { HubAgents, Services } from "../runtime/services";
import { toTRPCError } from "./error-map";
import { observeCall } from "../ops/observe-call";

// 1. context
export interface Context extends Services<HubAgents> {
  /** Who the audit chain records: "user:<email>", or "anonymous" (then every procedure refuses). */
  actor: string;
  user: SessionUser | null;
  /** Whether the request may change things (server/domain/access/csrf.ts); createCaller contexts have no browser and pass. */
  csrf: CsrfVerdict;
  /** A demonstration console (QECNET_SEED_DEMO=true): only then are demo-only procedures callable. */
  demo: boolean;
  /** The session's second factor; createCaller contexts default to "not required" (a demo console). */
  secondFactor: SecondFactorState;
  /** The one clock of the services (the key service's runner): the step-up window is measured on it. */
  clock: () => Date;
}

/** `demo` defaults to the environment (QECNET_SEED_DEMO, false unless set). */
export function createContextInner(
  s: Services<HubAgents>, user: SessionUser | null, opts: { csrf?: CsrfVerdict; demo?: boolean; secondFactor?: SecondFactorState } = {},
): Context {
  return {
    ...s,
    actor: user ? actorOf(user.email) : "anonymous",
    user,
    csrf: opts.csrf ?? { ok: true },
    demo: opts.demo ?? env().QECNET_SEED_DEMO,
    secondFactor: opts.secondFactor ?? { required: false, enrolled: false, provenAt: null },
    clock: s.keys.clock,
  };
}

// 2. init
function zodMessage(err: ZodError): string {
  return err.issues.map((i) => `${i.path.join(".") || "input"}: ${i.message}`).join("; ");
}

const UNREADABLE_INPUT =
  "The request could not be read: send the input as a JSON object encoded with superjson (as the console's tRPC client does).";

/**
 * A 400 whose message is a JavaScript runtime error raised while tRPC read the
 * body (a `null` body, malformed JSON, a superjson meta that recurses): its text
 * names JavaScript internals, so the caller gets one readable sentence instead.
 */
function unreadableInput(error: TRPCError): boolean {
  const cause = error.cause;
  if (error.code !== "BAD_REQUEST" && error.code !== "PARSE_ERROR") return false;
  if (!(cause instanceof Error) || cause instanceof ZodError || cause instanceof DomainError) return false;
  return cause.message === error.message || ["TypeError", "RangeError", "SyntaxError", "ReferenceError"].includes(cause.name);
}

/**
 * Subscriptions (server-sent events): a ping keeps proxies from closing idle
 * streams, and the browser reconnects when pings stop arriving. Exported for
 * the event stream the route handler writes itself (server/events/event-stream.ts).
 */
export const SSE_OPTIONS = { ping: { enabled: true, intervalMs: 10_000 }, client: { reconnectAfterInactivityMs: 25_000 } } as const;

const t = initTRPC.context<Context>().create({
  transformer: superjson,
  sse: SSE_OPTIONS,
  errorFormatter({ shape, error }) {
    const zod = error.cause instanceof ZodError ? error.cause : null;
    const { stack: _stack, ...data } = shape.data; // never send server stacks to the browser
    return {
      ...shape,
      message: zod ? zodMessage(zod) : unreadableInput(error) ? UNREADABLE_INPUT : shape.message,
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

/**
 * Sign-in, then (for mutations) the cross-site check, then the role the path
 * needs (and, for demo-only paths, a demonstration console), then the second factor. Runs before input parsing, so a refused
 * call learns nothing about its input and changes nothing (the step-up predicate peeks at the raw input only to tell a role
 * grant from a demotion).
 */
const enforceAccess = t.middleware(async ({ ctx, path, type, next, getRawInput }) => {
  if (!ctx.user) throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in to use the console (no valid session)." });
  if (type === "mutation" && !ctx.csrf.ok) {
    throw new TRPCError({ code: "FORBIDDEN", message: `Cross-site request refused: ${ctx.csrf.reason}.` });
  }
  const decision = checkProcedure(path, ctx.user.role, { demo: ctx.demo });
  if (!decision.ok) throw new TRPCError({ code: "FORBIDDEN", message: decision.message });
  if (!SECOND_FACTOR_EXEMPT.has(path as ProcedurePath)) {
    const stepUp = needsStepUp(path, await getRawInput().catch(() => undefined));
    const sf = checkSecondFactor(ctx.user.role, ctx.secondFactor, stepUp, ctx.clock());
    if (!sf.ok) throw toTRPCError(new DomainError(sf.code, sf.message));
  }
  return next({ ctx: { ...ctx, user: ctx.user } });
});

/** Every procedure is built from this one: access is enforced from its path, fail closed. */
export const procedure = t.procedure.use(observe).use(mapErrors).use(enforceAccess);
