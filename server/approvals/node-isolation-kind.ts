/**
 * "Request isolation" of a node: what an analyst who suspects a node (a
 * tampered relay, an agent behaving oddly) asks security officers to do. On
 * approval the node is isolated in the same transaction as the vote, exactly as
 * the officers' own action does: its channels are severed and its neighbours
 * re-wire around it (server/mesh/rewiring). The impact preview shows the links
 * severed, the bypasses planned, the nodes that would lose the hub, and the
 * keys it holds or relayed (isolation does not revoke them: that is its own
 * request, per key).
 */
import { poolOf } from "../db/client";
import { DomainError } from "../domain/errors/domain-error";
import { loadMesh } from "../mesh/mesh-rows";
import { applyRewire } from "../mesh/operations/mesh-operations";
import { planIsolation } from "../mesh/rewiring/rewire";
import { isReachableStatus } from "../domain/mesh/mesh-model";
import { type ApprovalKindSpec } from "./approval-kinds";
import type { Impact } from "../domain/approvals/approval-impact";
import { meshOf } from "../mesh/mesh-batch";

const HOLDING = ["GENERATED", "DISTRIBUTED", "ACTIVE", "ROTATING", "RETIRED"] as const;

export const NODE_ISOLATION_KIND: ApprovalKindSpec = {
  kind: "NODE_ISOLATION",
  label: "Node isolation",
  requestLabel: "Request isolation",
  targetType: "node",
  mesh: true,
  description: "The node is cut off the mesh: every channel ending at it is severed and its neighbours set up bypasses around it where fibre allows. Its keys are not revoked by this.",
  async computeImpact(db, nodeId) {
    const mesh = await loadMesh(poolOf(db));
    const node = mesh.nodes.get(nodeId);
    if (!node) throw new DomainError("MESH_ELEMENT_NOT_FOUND", `Node ${nodeId} does not exist`);
    const plan = planIsolation(mesh, nodeId, "ISOLATED", "preview");
    const [held, relayed] = await Promise.all([
      db.keyParticipant.findMany({
        where: { nodeId, purgeConfirmedAt: null, key: { state: { in: [...HOLDING] } } },
        select: { key: { select: { id: true, label: true, generation: true, state: true } } },
        take: 100,
      }),
      db.keyRoute.findMany({
        where: { nodePath: { has: nodeId }, NOT: { nodeId }, key: { state: { in: [...HOLDING] } } },
        select: { key: { select: { id: true, label: true, generation: true, state: true } } },
        take: 100,
      }),
    ]);
    const name = (id: string) => mesh.nodes.get(id)?.name ?? id;
    const neighbours = new Set(plan.newLinks.flatMap((l) => [l.aNodeId, l.bNodeId]));
    const keys: Impact["keys"] = [
      ...held.map(({ key }) => ({ ...key, effect: "held by the node: stays valid (request its revocation separately if compromised)" })),
      ...relayed.filter(({ key }) => !held.some((h) => h.key.id === key.id)).map(({ key }) => ({ ...key, effect: "relayed through the node (a trusted node sees what it relays)" })),
    ];
    const impact: Impact = {
      summary:
        `Isolate ${node.name} (${node.role.toLowerCase()}, ${node.status.toLowerCase()}): ${plan.linkChanges.length} channel(s) severed, ` +
        `${plan.newLinks.length} bypass(es) set up` +
        (plan.stranded.length > 0 ? `; ${plan.stranded.length} node(s) would lose every path to the hub: ${plan.stranded.map(name).join(", ")}` : "; every other node keeps a path to the hub") +
        `. ${held.length} key(s) held, ${keys.length - held.length} more relayed through it.`,
      keyVersion: 0,
      keys,
      nodes: [
        { id: node.id, name: node.name, role: node.role, status: node.status, effect: "isolated: every channel severed" },
        ...[...neighbours].filter((id) => id !== nodeId).map((id) => ({ id, name: name(id), role: mesh.nodes.get(id)!.role, status: mesh.nodes.get(id)!.status, effect: "sets up a bypass around it" })),
        ...plan.stranded.map((id) => ({ id, name: name(id), role: mesh.nodes.get(id)!.role, status: mesh.nodes.get(id)!.status, effect: "loses every path to the hub" })),
      ],
      links: [
        ...plan.linkChanges.map((c) => ({ id: c.id, aNodeId: mesh.links.get(c.id)!.aNodeId, bNodeId: mesh.links.get(c.id)!.bNodeId, status: "severed" })),
        ...plan.newLinks.map((l) => ({ id: l.id, aNodeId: l.aNodeId, bNodeId: l.bNodeId, status: "new bypass" })),
      ],
      participantsToPurge: [],
    };
    return { label: node.name, impact };
  },
  keyIds: () => [],
  check({ ws }, nodeId) {
    const n = meshOf(ws).readNode(nodeId);
    if (!n) throw new DomainError("MESH_ELEMENT_NOT_FOUND", `Node ${nodeId} does not exist`);
    if (n.role === "HUB") throw new DomainError("TOPOLOGY_CONFLICT", `${n.name} is the sovereign hub: every key is generated there, so it cannot be isolated from the mesh.`);
    if (!isReachableStatus(n.status)) throw new DomainError("TOPOLOGY_CONFLICT", `${n.name} is already ${n.status.toLowerCase()} (${n.statusReason ?? "no reason recorded"}).`);
  },
  execute(x, req) {
    this.check(x, req.targetId, req.justification);
    const reason = `approved request ${req.id}: ${req.justification}`;
    const r = applyRewire(x.ws, planIsolation(meshOf(x.ws).view(), req.targetId, "ISOLATED", reason), "NODE_ISOLATED", x.effects.actor, reason);
    return { status: "EXECUTED", outcome: { nodeStatus: r.status, severedLinks: r.severedLinkIds, bypasses: r.bypasses.map((b) => b.id), stranded: r.stranded } };
  },
};
