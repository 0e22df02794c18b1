/**
 * Incidents: compromise recoveries with their timeline and blast radius, the
 * parts of the mesh to highlight, operators' compromise reports, and the
 * scripted demo scenario (a simulated eavesdropper on a backbone link).
 * Thin: the recovery engine (server/recovery) does the work.
 */
import { z } from "zod";
import { INCIDENT_STATUSES } from "../../domain/incidents/incident-status";
import { safeText } from "../../domain/validation/safe-text";
import { procedure, router } from "../trpc";

export const incidentsRouter = router({
  list: procedure
    .input(z.object({
      status: z.array(z.enum(INCIDENT_STATUSES, { message: `status must be one of ${INCIDENT_STATUSES.join(", ")}` })).max(INCIDENT_STATUSES.length).optional(),
      limit: z.number().int().min(1, "limit: at least 1").max(200, "limit: at most 200").default(50),
    }).default({ limit: 50 }))
    .query(({ ctx, input }) => ctx.incidents.list(input)),
  get: procedure
    .input(z.object({ id: z.uuid({ message: "must be an incident id (UUID)" }) }))
    .query(({ ctx, input }) => ctx.incidents.get(input.id)),
  highlight: procedure.query(({ ctx }) => ctx.incidents.highlight()),
  report: procedure
    .input(z.object({
      targetType: z.enum(["node", "link"], { message: "targetType must be node or link" }),
      targetId: safeText().trim().min(1, "name the node or link").max(64, "at most 64 characters"),
      reason: safeText().trim().min(10, "at least 10 characters, saying what was observed").max(1000, "at most 1000 characters"),
    }))
    .mutation(({ ctx, input }) => ctx.recovery.report(input, ctx)),
  demoStatus: procedure.query(({ ctx }) => ctx.demoScenario.state()),
  // Demo-only in the access table: refused to every role on a console that is not a demo.
  startDemo: procedure.mutation(({ ctx }) => ctx.demoScenario.start(ctx)),
  endDemo: procedure.mutation(({ ctx }) => ctx.demoScenario.end(ctx)),
});
