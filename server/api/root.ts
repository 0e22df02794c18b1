/** The console's API: one router per area of the domain. */
import { auditRouter } from "./routers/audit-router";
import { eventsRouter } from "./routers/events-router";
import { checkpointsRouter } from "./routers/checkpoints-router";
import { keysRouter } from "./routers/keys-router";
import { meshRouter } from "./routers/mesh-router";
import { nodesRouter } from "./routers/nodes-router";
import { createCallerFactory, router } from "./trpc";

export const appRouter = router({
  keys: keysRouter,
  audit: auditRouter,
  nodes: nodesRouter,
  events: eventsRouter,
  mesh: meshRouter,
  checkpoints: checkpointsRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
