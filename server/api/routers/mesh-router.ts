/**
 * The QKD mesh: the live graph's state, node and link details, and the
 * operator's actions on the topology. Thin: validate, call, return.
 */
import { z } from "zod";
import { DomainError } from "../../domain/errors/domain-error";
import { ZAddLinkInput, ZLinkId, ZNodeId, ZReason } from "../../domain/mesh/mesh-inputs";
import { linkDetail, nodeDetail } from "../../mesh/mesh-queries";
import { agentStatusOf } from "../../agents/hub/agent-status";
import { agentOverview } from "../../mesh/agent-overview";
import { restoreContainedLink } from "../../recovery/link-containment";
import { padLevelsView } from "../../quantum-channel/pad-level-queries";
import { procedure, router } from "../trpc";

export const meshRouter = router({
  state: procedure.query(({ ctx }) => ctx.meshState.get()),
  /** The node, its links, keys and events, and its agent (process state, version, last heartbeat, held keys). */
  node: procedure.input(z.object({ id: ZNodeId })).query(async ({ ctx, input }) => ({ ...(await nodeDetail(ctx.db, input.id)), agent: agentStatusOf(ctx.agents, input.id) })),
  /** Every node's agent at once (the wall): connected N of M, and the nodes whose agent is silent or disconnected. */
  agents: procedure.query(async ({ ctx }) => agentOverview(ctx.agents, (await ctx.meshState.get()).nodes)),
  link: procedure.input(z.object({ id: ZLinkId, minutes: z.number().int().min(1).max(24 * 60).default(30) })).query(({ ctx, input }) => linkDetail(ctx.db, input.id, input.minutes)),
  /** The one-time pad levels each link end reported (counts only) and the links whose ends disagree; every link, or one. */
  pads: procedure.input(z.object({ linkId: ZLinkId.optional() }).default({})).query(({ ctx, input }) => padLevelsView(ctx.padLevels, input.linkId)),

  /** Brings back a link an incident contained, once its incident is closed and no eavesdropper is on it. */
  restoreLink: procedure.input(z.object({ id: ZLinkId, reason: ZReason })).mutation(async ({ ctx, input }) => {
    if (!(await restoreContainedLink(ctx.keys, input.id, ctx, input.reason))) {
      throw new DomainError("TOPOLOGY_CONFLICT", `Link ${input.id} was not contained by an incident: there is nothing to restore.`);
    }
    return { restored: input.id };
  }),
  /** Realigns both ends of a link whose pads disagree (audited), so routes may use it again. */
  resyncPads: procedure.input(z.object({ linkId: ZLinkId, reason: ZReason })).mutation(({ ctx, input }) => ctx.padResync.resync(input.linkId, input.reason, ctx)),
  isolateNode: procedure.input(z.object({ id: ZNodeId, reason: ZReason })).mutation(({ ctx, input }) => ctx.mesh.isolateNode(input.id, input.reason, ctx)),
  restoreNode: procedure.input(z.object({ id: ZNodeId, reason: ZReason.default("restored by operator") })).mutation(({ ctx, input }) => ctx.mesh.restoreNode(input.id, input.reason, ctx)),
  addLink: procedure.input(ZAddLinkInput).mutation(({ ctx, input }) => ctx.mesh.addLink(input, ctx)),
  removeLink: procedure.input(z.object({ id: ZLinkId, reason: ZReason })).mutation(({ ctx, input }) => ctx.mesh.removeLink(input.id, input.reason, ctx)),
  setEavesdropper: procedure
    .input(z.object({ linkId: ZLinkId, active: z.boolean(), reason: ZReason.optional() }))
    .mutation(({ ctx, input }) => ctx.mesh.setEavesdropper(input.linkId, input.active, input.reason ?? (input.active ? "demo: eavesdropper injected" : "demo: eavesdropper removed"), ctx)),
});
