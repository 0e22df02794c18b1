/**
 * tRPC over HTTP: queries, mutations, and server-sent-event subscriptions.
 * Event streams are marked `no-transform` so the server does not gzip them:
 * each event is a small write that would need its own compressor flush, once
 * per open stream, which cost more CPU than anything else with hundreds of
 * viewers (bench/live.ts); answers to queries stay compressed.
 */
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { appRouter } from "@/server/api/root";
import { createContextInner } from "@/server/api/trpc";
import { publicOrigin, parseAuthEnv } from "@/server/auth/auth-config";
import { auth } from "@/server/auth/auth-instance";
import { addressedOrigin, checkRequestOrigin } from "@/server/auth/csrf";
import { sessionUserFrom } from "@/server/auth/session-user";
import { services } from "@/server/runtime/services";

export const dynamic = "force-dynamic";

async function handler(req: Request) {
  const res = await fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: async () => {
      const user = await sessionUserFrom(auth(), req.headers);
      const csrf = checkRequestOrigin(req.headers, publicOrigin(parseAuthEnv()) ?? addressedOrigin(req));
      return createContextInner(services(), user, { csrf });
    },
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

export { handler as GET, handler as POST };
