/**
 * The QKD mesh: the live graph's state, node and link details, and the
 * operator's actions on the topology. Thin: validate, call, return.
 */
import { z } from "zod";
import { safeText } from "../../validation/safe-text";
import { DomainError } from "../../errors/domain-error";
import { linkDetail, nodeDetail } from "../../mesh/mesh-queries";
import { restoreContainedLink } from "../../recovery/link-containment";
import { publicProcedure, router } from "../trpc";

const ZNodeId = safeText().trim().min(1, "must name a node").max(64);
const ZLinkId = safeText().trim().min(1, "must name a link").max(160);
const ZReason = safeText().trim().min(3, "give a reason of at least 3 characters").max(500, "at most 500 characters");

export const ZAddLinkInput = z
  .object({
    aNodeId: ZNodeId,
    bNodeId: ZNodeId,
    lengthKm: z.number({ message: "lengthKm must be a number of kilometres" }).min(0.1, "fibre length must be at least 0.1 km").max(400, "fibre length at most 400 km (no usable key rate beyond)"),
    baselineQber: z.number().min(0, "QBER cannot be negative").max(0.11, "a baseline QBER above 11% cannot produce key (BB84 abort threshold)").default(0.02),
    lossDbPerKm: z.number().min(0.1, "loss at least 0.1 dB/km").max(1, "loss at most 1 dB/km").default(0.2),
    detectorEfficiency: z.number().gt(0, "detector efficiency must be above 0").max(1, "detector efficiency at most 1").default(0.1),
    reason: ZReason.default("fibre commissioned"),
  })
  .refine((v) => v.aNodeId !== v.bNodeId, { message: "a link joins two different nodes", path: ["bNodeId"] });

export const meshRouter = router({
  state: publicProcedure.query(({ ctx }) => ctx.meshState.get()),
  node: publicProcedure.input(z.object({ id: ZNodeId })).query(({ ctx, input }) => nodeDetail(ctx.db, input.id)),
  link: publicProcedure.input(z.object({ id: ZLinkId, minutes: z.number().int().min(1).max(24 * 60).default(30) })).query(({ ctx, input }) => linkDetail(ctx.db, input.id, input.minutes)),

  /** Brings back a link an incident contained, once its incident is closed and no eavesdropper is on it. */
  restoreLink: publicProcedure.input(z.object({ id: ZLinkId, reason: ZReason })).mutation(async ({ ctx, input }) => {
    if (!(await restoreContainedLink(ctx.keys, input.id, ctx, input.reason))) {
      throw new DomainError("TOPOLOGY_CONFLICT", `Link ${input.id} was not contained by an incident: there is nothing to restore.`);
    }
    return { restored: input.id };
  }),
  isolateNode: publicProcedure.input(z.object({ id: ZNodeId, reason: ZReason })).mutation(({ ctx, input }) => ctx.mesh.isolateNode(input.id, input.reason, ctx)),
  restoreNode: publicProcedure.input(z.object({ id: ZNodeId, reason: ZReason.default("restored by operator") })).mutation(({ ctx, input }) => ctx.mesh.restoreNode(input.id, input.reason, ctx)),
  addLink: publicProcedure.input(ZAddLinkInput).mutation(({ ctx, input }) => ctx.mesh.addLink(input, ctx)),
  removeLink: publicProcedure.input(z.object({ id: ZLinkId, reason: ZReason })).mutation(({ ctx, input }) => ctx.mesh.removeLink(input.id, input.reason, ctx)),
  setEavesdropper: publicProcedure
    .input(z.object({ linkId: ZLinkId, active: z.boolean(), reason: ZReason.optional() }))
    .mutation(({ ctx, input }) => ctx.mesh.setEavesdropper(input.linkId, input.active, input.reason ?? (input.active ? "demo: eavesdropper injected" : "demo: eavesdropper removed"), ctx)),
});
