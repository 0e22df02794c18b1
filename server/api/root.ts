/** The console's API: one router per area of the domain. */
import { accountRouter } from "./routers/account-router";
import { applicationsRouter } from "./routers/applications-router";
import { approvalsRouter } from "./routers/approvals-router";
import { auditRouter } from "./routers/audit-router";
import { eventsRouter } from "./routers/events-router";
import { incidentsRouter } from "./routers/incidents-router";
import { checkpointsRouter } from "./routers/checkpoints-router";
import { keysRouter } from "./routers/keys-router";
import { meshRouter } from "./routers/mesh-router";
import { nodesRouter } from "./routers/nodes-router";
import { trendsRouter } from "./routers/trends-router";
import { usersRouter } from "./routers/users-router";
import { createCallerFactory, router } from "./trpc";

export const appRouter = router({
  keys: keysRouter,
  audit: auditRouter,
  nodes: nodesRouter,
  account: accountRouter,
  approvals: approvalsRouter,
  users: usersRouter,
  events: eventsRouter,
  mesh: meshRouter,
  checkpoints: checkpointsRouter,
  incidents: incidentsRouter,
  trends: trendsRouter,
  applications: applicationsRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
