/** tRPC over HTTP (queries, mutations, and later server-sent-event subscriptions). */
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { appRouter } from "@/server/api/root";
import { createContextInner } from "@/server/api/trpc";
import { services } from "@/server/runtime/services";

export const dynamic = "force-dynamic";

function handler(req: Request) {
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: () => createContextInner(services()),
    onError({ error, path }) {
      if (error.code === "INTERNAL_SERVER_ERROR") {
        console.error(JSON.stringify({ level: "error", msg: "trpc internal error", path, error: error.cause?.name ?? error.name }));
      }
    },
  });
}

export { handler as GET, handler as POST };
