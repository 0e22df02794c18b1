/**
 * Approvals: requests for actions that need officers' approval, their impact,
 * votes, the live count for the badge, and the policy rules.
 */
import { z } from "zod";
import { safeText } from "../../domain/validation/safe-text";
import { approvalKinds } from "../../approvals/approval-kinds";
import { procedure, router } from "../trpc";

const ZRequestId = z.uuid({ message: "must be a request id (UUID)" });
const ZKind = safeText().trim().regex(/^[A-Z_]{3,40}$/, "kind is an UPPER_SNAKE name such as EMERGENCY_ROTATION");
const ZTargetId = safeText().trim().min(1, "must name the key (UUID) or node the request is about").max(64, "at most 64 characters");
const ZComment = safeText().trim().min(3, "comment: at least 3 characters").max(500, "comment: at most 500 characters");

export const approvalsRouter = router({
  kinds: procedure.query(() =>
    approvalKinds().map((k) => ({ kind: k.kind, label: k.label, requestLabel: k.requestLabel, targetType: k.targetType, description: k.description }))),
  list: procedure
    .input(z.object({
      scope: z.enum(["open", "decided", "all"]).default("open"),
      limit: z.number().int().min(1).max(100).default(50),
      cursor: ZRequestId.nullish(),
    }))
    .query(({ ctx, input }) => ctx.approvals.list(input)),
  get: procedure.input(z.object({ id: ZRequestId })).query(({ ctx, input }) => ctx.approvals.get(input.id, ctx.user)),
  pendingCount: procedure.query(({ ctx }) => ctx.approvals.pendingCount(ctx.user)),
  /**
   * The badge, live: the counts now, then again whenever an approvals event
   * (from any server instance, through the event bus) changes them. The open
   * requests are read once per event for every badge of this process; each
   * subscriber only counts its own share of them.
   */
  onPendingCount: procedure.subscription(async function* ({ ctx, signal }) {
    await ctx.events.start();
    const events = ctx.events.stream(["approvals"], signal);
    const open = ctx.events.shared("approvals.openRequests", ["approvals"], () => ctx.approvals.openRequests());
    let last = "";
    for (;;) {
      const counts = ctx.approvals.countPending(await open.get(), ctx.user);
      const key = `${counts.pending}/${counts.awaitingYou}`;
      if (key !== last) {
        last = key;
        yield counts;
      }
      if ((await events.next()).done) return;
    }
  }),
  preview: procedure
    .input(z.object({ kind: ZKind, targetId: ZTargetId }))
    .query(({ ctx, input }) => ctx.approvals.preview(input.kind, input.targetId)),
  request: procedure
    .input(z.object({
      kind: ZKind,
      targetId: ZTargetId,
      justification: safeText().trim().min(10, "justification: at least 10 characters, saying why").max(1000, "justification: at most 1000 characters"),
    }))
    .mutation(({ ctx, input }) => ctx.approvals.request(input, ctx.user)),
  approve: procedure.input(z.object({ id: ZRequestId, comment: ZComment })).mutation(({ ctx, input }) => ctx.approvals.approve(input.id, input.comment, ctx.user)),
  reject: procedure.input(z.object({ id: ZRequestId, comment: ZComment })).mutation(({ ctx, input }) => ctx.approvals.reject(input.id, input.comment, ctx.user)),
  withdraw: procedure.input(z.object({ id: ZRequestId })).mutation(({ ctx, input }) => ctx.approvals.withdraw(input.id, ctx.user)),
  rules: procedure.query(({ ctx }) => ctx.approvals.rules()),
  updateRule: procedure
    .input(z.object({
      kind: ZKind,
      minApprovals: z.number().int("minApprovals must be a whole number").min(1, "minApprovals must be at least 1 (a rule never lets a request through unapproved)").max(10, "minApprovals: at most 10"),
      ttlMinutes: z.number().int("ttlMinutes must be a whole number").min(5, "ttlMinutes: at least 5").max(10080, "ttlMinutes: at most 10080 (7 days)"),
    }))
    .mutation(({ ctx, input }) => ctx.approvals.updateRule(input.kind, input, ctx)),
});
