/** tRPC over HTTP: queries, mutations, and server-sent-event subscriptions. */
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { appRouter } from "@/server/api/root";
import { createContextInner } from "@/server/api/trpc";
import { publicOrigin, parseAuthEnv } from "@/server/auth/auth-config";
import { auth } from "@/server/auth/auth-instance";
import { addressedOrigin, checkRequestOrigin } from "@/server/auth/csrf";
import { sessionFrom } from "@/server/auth/session-user";
import { env } from "@/server/config/env";
import { services } from "@/server/runtime/services";

export const dynamic = "force-dynamic";

function handler(req: Request) {
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: async () => {
      const session = await sessionFrom(auth(), req.headers);
      const csrf = checkRequestOrigin(req.headers, publicOrigin(parseAuthEnv()) ?? addressedOrigin(req));
      // A console that is not a demo asks officers and admins for a second factor.
      const secondFactor = session ? { required: !env().QECNET_SEED_DEMO, ...session.secondFactor } : undefined;
      return createContextInner(services(), session?.user ?? null, { csrf, secondFactor });
    },
    onError({ error, path }) {
      if (error.code === "INTERNAL_SERVER_ERROR") {
        console.error(JSON.stringify({ level: "error", msg: "trpc internal error", path, error: error.cause?.name ?? error.name }));
      }
    },
  });
}

export { handler as GET, handler as POST };
