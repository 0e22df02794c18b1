/**
 * The operator's actions on the mesh: isolate and restore a node (the mesh
 * re-wires itself around it), add and remove a fibre link, and the demo fault
 * of an eavesdropper on a link. Each action is one runner job: it reads the
 * mesh under the audit head lock, changes it, and records what it did in the
 * audit chain in the same transaction; live consoles hear of it on commit.
 */
import type { JsonValue } from "../../domain/audit/types";
import { DomainError } from "../../domain/errors/domain-error";
import type { BatchWorkspace } from "../../commit/batch-workspace";
import type { TransitionRunner } from "../../commit/transition-runner";
import { toLinkView } from "../mesh-queries";
import type { MeshLinkView } from "../../domain/mesh/mesh-views";
import type { MeshWorkspace } from "../mesh-workspace";
import { hasLinkBetween, planIsolation, planRestore, type RewirePlan } from "../rewiring/rewire";
import { MeshGraph } from "../routing/route-planner";
import { buildLink } from "../../domain/mesh/mesh-builder";
import { hubOf, isReachableStatus } from "../../domain/mesh/mesh-model";
import type { LinkParameters } from "../../domain/mesh/link-rate";
import { meshOf } from "../mesh-batch";

/** Who acts: the audit entry's actor. */
interface Actor {
  actor: string;
}

export interface RewireResult {
  nodeId: string;
  status: string;
  severedLinkIds: string[];
  restoredLinkIds: string[];
  bypasses: MeshLinkView[];
  removedBypassIds: string[];
  /** Nodes that lost every path to the hub (no usable bypass existed). */
  stranded: string[];
  reachableBefore: number;
  reachableAfter: number;
}

/** A new link: its ends, its stated parameters (the decoy-state model's, link-rate.ts) and why. */
export interface AddLinkInput extends LinkParameters {
  aNodeId: string;
  bNodeId: string;
  reason: string;
}

export interface RemoveLinkResult {
  removed: string;
  stranded: string[];
}

/** Applies a re-wiring plan to the batch's mesh and records it: one entry for the node, one per bypass made or removed. */
export function applyRewire(ws: BatchWorkspace, plan: RewirePlan, action: string, actor: string, reason: string): RewireResult {
  const m = meshOf(ws);
  const before = m.readNode(plan.nodeId)!;
  const node = m.node(plan.nodeId);
  node.status = plan.nodeStatus;
  node.statusReason = plan.statusReason;
  for (const c of plan.linkChanges) Object.assign(m.link(c.id), { status: c.status, downReason: c.downReason });
  for (const id of plan.removedLinkIds) m.removeLink(id);
  for (const l of plan.newLinks) m.addLink(l);
  const severed = plan.linkChanges.filter((c) => c.status === "DOWN").map((c) => c.id);
  const restored = plan.linkChanges.filter((c) => c.status !== "DOWN").map((c) => c.id);
  ws.audit({
    actor, action, subjectType: "node", subjectId: plan.nodeId, fromState: before.status, toState: plan.nodeStatus,
    details: {
      reason, severedLinks: severed, restoredLinks: restored, bypasses: plan.newLinks.map((l) => l.id), removedBypasses: plan.removedLinkIds,
      stranded: plan.stranded, reachableBefore: plan.reachableBefore, reachableAfter: plan.reachableAfter,
    },
  });
  for (const l of plan.newLinks) {
    ws.audit({
      actor, action: "LINK_BYPASS_ESTABLISHED", subjectType: "link", subjectId: l.id, fromState: null, toState: l.status,
      details: { via: plan.nodeId, aNodeId: l.aNodeId, bNodeId: l.bNodeId, lengthKm: l.lengthKm, secretKeyRateBps: Math.round(l.secretKeyRateBps), reason: `bypass around ${plan.nodeId}` },
    });
  }
  for (const id of plan.removedLinkIds) {
    ws.audit({ actor, action: "LINK_BYPASS_REMOVED", subjectType: "link", subjectId: id, fromState: "UP", toState: null, details: { via: plan.nodeId, reason: `${plan.nodeId} restored` } });
  }
  ws.publish({ topic: "mesh", type: action === "NODE_ISOLATED" || action === "NODE_OFFLINE" ? "node-isolated" : "node-restored", data: { nodeId: plan.nodeId, status: plan.nodeStatus } });
  return {
    nodeId: plan.nodeId, status: plan.nodeStatus, severedLinkIds: severed, restoredLinkIds: restored,
    bypasses: plan.newLinks.map((l) => toLinkView(m.readLink(l.id) ?? l)), removedBypassIds: plan.removedLinkIds,
    stranded: plan.stranded, reachableBefore: plan.reachableBefore, reachableAfter: plan.reachableAfter,
  };
}

function requireNode(m: MeshWorkspace, id: string) {
  const n = m.readNode(id);
  if (!n) throw new DomainError("MESH_ELEMENT_NOT_FOUND", `Node ${id} does not exist`);
  return n;
}

function requireLink(m: MeshWorkspace, id: string) {
  const l = m.readLink(id);
  if (!l) throw new DomainError("MESH_ELEMENT_NOT_FOUND", `Link ${id} does not exist (it may have been removed)`);
  return l;
}

function strandedBy(m: MeshWorkspace, change: () => void): string[] {
  const hub = hubOf(m.view());
  if (!hub) return [];
  const before = new MeshGraph(m.view()).reachableFrom(hub.id);
  change();
  const after = new MeshGraph(m.view()).reachableFrom(hub.id);
  return [...before].filter((n) => !after.has(n));
}

export class MeshOperations {
  constructor(private readonly runner: TransitionRunner) {}

  isolateNode(id: string, reason: string, who: Actor): Promise<RewireResult> {
    return this.runner.submit({
      keyIds: [],
      mesh: true,
      run: (ws) => {
        const n = requireNode(meshOf(ws), id);
        if (n.role === "HUB") throw new DomainError("TOPOLOGY_CONFLICT", `${n.name} is the sovereign hub: every key is generated there, so it cannot be isolated from the mesh.`);
        if (n.status === "ISOLATED") throw new DomainError("TOPOLOGY_CONFLICT", `${n.name} is already isolated (${n.statusReason ?? "no reason recorded"}).`);
        return applyRewire(ws, planIsolation(meshOf(ws).view(), id, "ISOLATED", reason), "NODE_ISOLATED", who.actor, reason);
      },
    });
  }

  restoreNode(id: string, reason: string, who: Actor): Promise<RewireResult> {
    return this.runner.submit({
      keyIds: [],
      mesh: true,
      run: (ws) => {
        const n = requireNode(meshOf(ws), id);
        if (isReachableStatus(n.status)) throw new DomainError("TOPOLOGY_CONFLICT", `${n.name} is ${n.status.toLowerCase()}, not isolated or offline: there is nothing to restore.`);
        return applyRewire(ws, planRestore(meshOf(ws).view(), id), "NODE_RESTORED", who.actor, reason);
      },
    });
  }

  addLink(input: AddLinkInput, who: Actor): Promise<MeshLinkView> {
    return this.runner.submit({
      keyIds: [],
      mesh: true,
      run: (ws) => {
        const m = meshOf(ws);
        const a = requireNode(m, input.aNodeId);
        const b = requireNode(m, input.bNodeId);
        if (hasLinkBetween(m.view(), a.id, b.id)) throw new DomainError("TOPOLOGY_CONFLICT", `${a.name} and ${b.name} are already linked; remove that link first to re-survey it.`);
        const l = buildLink({ ...input, fill: 0 });
        const severedBy = [a, b].find((n) => !isReachableStatus(n.status));
        if (severedBy) Object.assign(l, { status: "DOWN", downReason: `isolated:${severedBy.id}` });
        m.addLink(l);
        ws.audit({
          actor: who.actor, action: "LINK_ADDED", subjectType: "link", subjectId: l.id, fromState: null, toState: l.status,
          details: { reason: input.reason, aNodeId: a.id, bNodeId: b.id, lengthKm: l.lengthKm, lossDbPerKm: l.lossDbPerKm, detectorEfficiency: l.detectorEfficiency, darkCountYield: l.darkCountYield, detectorErrorRate: l.detectorErrorRate, errorCorrectionEfficiency: l.errorCorrectionEfficiency, pulseRateHz: l.pulseRateHz, baselineQber: l.baselineQber, secretKeyRateBps: Math.round(l.secretKeyRateBps), poolCapacityBits: l.poolCapacityBits },
        });
        ws.publish({ topic: "mesh", type: "link-added", data: { linkId: l.id } });
        return toLinkView(l);
      },
    });
  }

  removeLink(id: string, reason: string, who: Actor): Promise<RemoveLinkResult> {
    return this.runner.submit({
      keyIds: [],
      mesh: true,
      run: (ws) => {
        const l = requireLink(meshOf(ws), id);
        const stranded = strandedBy(meshOf(ws), () => meshOf(ws).removeLink(id));
        ws.audit({
          actor: who.actor, action: "LINK_REMOVED", subjectType: "link", subjectId: id, fromState: l.status, toState: null,
          details: { reason, aNodeId: l.aNodeId, bNodeId: l.bNodeId, kind: l.kind, lengthKm: l.lengthKm, stranded } as Record<string, JsonValue>,
        });
        ws.publish({ topic: "mesh", type: "link-removed", data: { linkId: id } });
        return { removed: id, stranded };
      },
    });
  }

  setEavesdropper(linkId: string, active: boolean, reason: string, who: Actor): Promise<MeshLinkView> {
    return this.runner.submit({
      keyIds: [],
      mesh: true,
      run: (ws) => {
        const current = requireLink(meshOf(ws), linkId);
        if (current.eavesdropper === active) {
          throw new DomainError("TOPOLOGY_CONFLICT", active ? `An eavesdropper is already on link ${linkId}.` : `There is no eavesdropper on link ${linkId} to clear.`);
        }
        const l = meshOf(ws).link(linkId);
        l.eavesdropper = active;
        ws.audit({
          actor: who.actor, action: active ? "EAVESDROPPER_INJECTED" : "EAVESDROPPER_CLEARED", subjectType: "link", subjectId: linkId,
          fromState: l.status, toState: l.status, details: { reason, simulatedFault: true, qber: l.qber },
        });
        ws.publish({ topic: "mesh", type: active ? "eavesdropper-injected" : "eavesdropper-cleared", data: { linkId } });
        return toLinkView(l);
      },
    });
  }
}
