/**
 * tRPC over HTTP: queries, mutations, and server-sent-event subscriptions.
 * Each call is checked against PROCEDURE_ACCESS by the tRPC middleware; a
 * subscription without a session is refused here with a plain 401 before any
 * stream opens (tRPC would otherwise answer 200 and send the error as an event).
 *
 * Event streams are marked `no-transform` so the server does not gzip them:
 * each event is a small write that would need its own compressor flush, once
 * per open stream, which cost more CPU than anything else with hundreds of
 * viewers (bench/live.ts); answers to queries stay compressed. The console's
 * own stream (`events.stream`) is called like any procedure (access, input),
 * then written out as the event bus's shared frames (server/events/event-stream.ts)
 * rather than through tRPC's per-subscriber encoding; tRPC answers its refusals.
 */
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import superjson from "superjson";
import { appRouter, createCaller } from "@/server/api/root";
import { createContextInner, SSE_OPTIONS } from "@/server/api/trpc";
import { publicOrigin, parseAuthEnv } from "@/server/auth/auth-config";
import { auth } from "@/server/runtime/auth-instance";
import { addressedOrigin, checkRequestOrigin } from "@/server/domain/access/csrf";
import { sessionFrom } from "@/server/auth/session-user";
import { guarded } from "@/server/api/route-guard";
import { env } from "@/server/config/env";
import { isEventStreamSource } from "@/server/events/event-stream";
import { services } from "@/server/runtime/services";

export const dynamic = "force-dynamic";

const SUBSCRIPTIONS: ReadonlySet<string> = new Set(
  Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>)
    .filter(([, p]) => p._def.type === "subscription")
    .map(([path]) => path),
);

function targetsSubscription(req: Request): boolean {
  const paths = decodeURIComponent(new URL(req.url).pathname.replace(/^\/api\/trpc\/?/, "")).split(",");
  return paths.some((p) => SUBSCRIPTIONS.has(p));
}

type TEventStreamInput = Parameters<ReturnType<typeof createCaller>["events"]["stream"]>[0];

/** `events.stream` as the bus's shared frames, or null to let tRPC answer (a refusal, an unreadable input). */
async function eventStream(req: Request, ctx: ReturnType<typeof createContextInner>): Promise<Response | null> {
  const url = new URL(req.url);
  if (req.method !== "GET" || decodeURIComponent(url.pathname) !== "/api/trpc/events.stream") return null;
  try {
    const raw = url.searchParams.get("input");
    const input = raw === null ? undefined : superjson.deserialize<TEventStreamInput>(JSON.parse(raw));
    const source = await createCaller(ctx, { signal: req.signal }).events.stream(input);
    return isEventStreamSource(source) ? source.response({ pingMs: SSE_OPTIONS.ping.intervalMs, client: SSE_OPTIONS.client }) : null;
  } catch {
    return null;
  }
}

async function handler(req: Request) {
  const session = req.headers.get("cookie") ? await sessionFrom(auth(), req.headers) : null;
  if (!session && targetsSubscription(req)) {
    return Response.json({ message: "Sign in to use the console (no valid session).", code: "UNAUTHORIZED" }, { status: 401, headers: { "cache-control": "no-store" } });
  }
  const createContext = () => {
    const csrf = checkRequestOrigin(req.headers, publicOrigin(parseAuthEnv()) ?? addressedOrigin(req));
    // A console that is not a demo asks officers and admins for a second factor.
    const secondFactor = session ? { required: !env().QECNET_SEED_DEMO, ...session.secondFactor } : undefined;
    return createContextInner(services(), session?.user ?? null, { csrf, secondFactor });
  };
  const live = session ? await eventStream(req, createContext()) : null;
  if (live) return live;
  const res = await fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: async () => createContext(),
    onError({ error, path }) {
      if (error.code === "INTERNAL_SERVER_ERROR") {
        console.error(JSON.stringify({ level: "error", msg: "trpc internal error", path, error: error.cause?.name ?? error.name }));
      }
    },
  });
  if (!res.headers.get("content-type")?.startsWith("text/event-stream")) return res;
  const headers = new Headers(res.headers);
  headers.set("cache-control", "no-cache, no-transform");
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}

// Each call is checked against PROCEDURE_ACCESS by the tRPC middleware (server/api/trpc.ts).
const guardedHandler = guarded("/api/trpc/[trpc]", handler);
export { guardedHandler as GET, guardedHandler as POST };
