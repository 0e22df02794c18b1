/** Audit: newest-first pages with filters, the list of actions, chain verification (itself audited), the integrity monitor's verdict. */
import { z } from "zod";
import { safeText } from "../../domain/validation/safe-text";
import { listAudit, listAuditActions } from "../../audit/audit-queries";
import { integrityView } from "../../audit/integrity/integrity-view";
import { procedure, router } from "../trpc";

export const auditRouter = router({
  list: procedure
    .input(z.object({
      // Sequence numbers are PostgreSQL bigints: a larger cursor is a mistake, not a query.
      cursor: z.bigint().positive("must be a positive sequence number").max(2n ** 63n - 1n, "must be a sequence number, at most 9223372036854775807").nullish(),
      limit: z.number().int().min(1).max(200).default(50),
      subjectId: safeText().trim().min(1).max(120).optional(),
      action: safeText().trim().regex(/^[A-Z_]{3,64}$/, "action is an UPPER_SNAKE name such as KEY_ACTIVATED").optional(),
      actor: safeText().trim().min(1).max(120).optional(),
    }))
    .query(({ ctx, input }) => listAudit(ctx.db, input)),
  actions: procedure.query(({ ctx }) => listAuditActions(ctx.db)),
  verify: procedure.mutation(({ ctx }) => ctx.audit.verify(ctx)),
  /** The background integrity monitor's verdict, for the banner every role sees. */
  integrity: procedure.query(({ ctx }) => integrityView(ctx.integrity.status())),
});
