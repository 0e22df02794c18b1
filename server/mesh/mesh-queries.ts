/**
 * Read side of the mesh for the console: the live graph's state, and the
 * details behind a node's or a link's side panel.
 */
import type { Prisma } from "../../generated/prisma/client";
import { poolOf, type Db } from "../db/client";
import { DomainError } from "../domain/errors/domain-error";
import { loadMesh } from "./mesh-rows";
import type { LinkSampleView, MeshEventView, MeshKeyRef, MeshLinkDetail, MeshLinkView, MeshNodeDetail, MeshNodeView, MeshStateView } from "../domain/mesh/mesh-views";
import { QBER_ABORT, QBER_WARNING, storedHealth } from "../domain/mesh/link-physics";
import { operatingPoint } from "../domain/mesh/link-rate";
import { hubOf, type MeshLink, type MeshNode } from "../domain/mesh/mesh-model";

const HOLDING_STATES = ["GENERATED", "DISTRIBUTED", "ACTIVE", "ROTATING", "RETIRED"];

export function toLinkView(l: MeshLink): MeshLinkView {
  const point = operatingPoint(l);
  return {
    ...l,
    health: storedHealth(l.status, l.qber),
    secretKeyRateBps: l.status === "DOWN" ? 0 : l.secretKeyRateBps,
    nominalRateBps: point.rateBps,
    signalIntensity: point.mu,
    poolLevel: l.poolCapacityBits > 0 ? l.poolBits / l.poolCapacityBits : 0,
  };
}

function toNodeView(n: MeshNode, held: Map<string, number>): MeshNodeView {
  return { ...n, heldKeys: held.get(n.id) ?? 0 };
}

async function heldKeyCounts(db: Db, nodeId?: string): Promise<Map<string, number>> {
  const { rows } = await poolOf(db).query<{ node_id: string; n: string }>(
    `SELECT p.node_id, count(*)::text AS n FROM key_participants p JOIN keys k ON k.id = p.key_id
     WHERE k.state::text = ANY($1) AND p.purge_confirmed_at IS NULL AND ($2::text IS NULL OR p.node_id = $2) GROUP BY p.node_id`,
    [HOLDING_STATES, nodeId ?? null],
  );
  return new Map(rows.map((r) => [r.node_id, Number(r.n)]));
}

/**
 * The whole mesh as the console draws it. `simulation.running` is left false:
 * whether the simulation runs depends on when the state is read, not on when
 * it was computed, so MeshStateCache decides it per request.
 */
export async function loadMeshState(db: Db): Promise<MeshStateView> {
  const [mesh, held, sim] = await Promise.all([loadMesh(poolOf(db)), heldKeyCounts(db), db.simulationState.findUnique({ where: { id: 1 } })]);
  return {
    hubId: hubOf(mesh)?.id ?? null,
    nodes: [...mesh.nodes.values()].map((n) => toNodeView(n, held)),
    links: [...mesh.links.values()].map(toLinkView),
    simulation: {
      running: false,
      speed: sim?.speed ?? 1,
      tick: Number(sim?.tick ?? 0),
      simTime: sim?.simTime ?? null,
      lastTickAt: sim?.lastTickAt ?? null,
    },
    thresholds: { qberWarning: QBER_WARNING, qberAbort: QBER_ABORT },
  };
}

async function recentEvents(db: Db, subjectType: string, subjectId: string, limit = 25): Promise<MeshEventView[]> {
  const rows = await db.auditEntry.findMany({ where: { subjectType, subjectId }, orderBy: { seq: "desc" }, take: limit });
  return rows.map((r) => {
    const d = r.details as Record<string, unknown>;
    const summary = typeof d.reason === "string" ? d.reason : typeof d.summary === "string" ? d.summary : null;
    return { seq: r.seq, at: r.at, actor: r.actor, action: r.action, subjectType: r.subjectType, subjectId: r.subjectId, summary };
  });
}

export async function nodeDetail(db: Db, id: string): Promise<MeshNodeDetail> {
  const mesh = await loadMesh(poolOf(db));
  const n = mesh.nodes.get(id);
  if (!n) throw new DomainError("MESH_ELEMENT_NOT_FOUND", `Node ${id} does not exist`);
  const [held, holds, relayed, events] = await Promise.all([
    heldKeyCounts(db, id),
    db.keyParticipant.findMany({
      where: { nodeId: id, key: { state: { in: ["GENERATED", "DISTRIBUTED", "ACTIVE", "ROTATING", "RETIRED"] } } },
      select: { confirmedAt: true, key: { select: { id: true, label: true, state: true, generation: true, updatedAt: true } } },
      orderBy: { key: { updatedAt: "desc" } },
      take: 50,
    }),
    poolOf(db).query<{ id: string; label: string; state: string; generation: number; routed_at: Date }>(
      `SELECT DISTINCT ON (k.id) k.id, k.label, k.state::text AS state, k.generation, r.routed_at
       FROM key_routes r JOIN keys k ON k.id = r.key_id
       WHERE r.node_path @> ARRAY[$1]::text[] AND r.node_id <> $1 AND r.node_path[1] <> $1
       ORDER BY k.id, r.routed_at DESC LIMIT 200`,
      [id],
    ),
    recentEvents(db, "node", id),
  ]);
  const keys: MeshKeyRef[] = [
    ...holds.map((h) => ({ ...h.key, state: h.key.state as string, involvement: "holds" as const, confirmed: h.confirmedAt !== null, routedAt: null })),
    ...relayed.rows
      .sort((a, b) => b.routed_at.getTime() - a.routed_at.getTime())
      .slice(0, 50)
      .map((r) => ({ id: r.id, label: r.label, state: r.state, generation: r.generation, involvement: "relayed" as const, confirmed: null, routedAt: r.routed_at })),
  ];
  return {
    node: toNodeView(n, held),
    links: [...mesh.links.values()].filter((l) => l.aNodeId === id || l.bNodeId === id).map(toLinkView),
    keys,
    events,
  };
}

export async function linkDetail(db: Db, id: string, sampleMinutes = 30): Promise<MeshLinkDetail> {
  const link = await db.link.findUnique({ where: { id }, select: { id: true } });
  if (!link) throw new DomainError("MESH_ELEMENT_NOT_FOUND", `Link ${id} does not exist (it may have been removed)`);
  const mesh = await loadMesh(poolOf(db));
  const l = mesh.links.get(id)!;
  const [newest, routed, events] = await Promise.all([
    db.linkSample.findMany({ where: { linkId: id }, orderBy: { at: "desc" }, take: 2_000 }),
    poolOf(db).query<{ id: string; label: string; state: string; generation: number; routed_at: Date }>(
      `SELECT DISTINCT ON (k.id) k.id, k.label, k.state::text AS state, k.generation, r.routed_at
       FROM key_routes r JOIN keys k ON k.id = r.key_id WHERE r.link_path @> ARRAY[$1]::text[]
       ORDER BY k.id, r.routed_at DESC LIMIT 200`,
      [id],
    ),
    recentEvents(db, "link", id),
  ]);
  // The window ends at the newest sample (the simulation's clock), not at this server's clock.
  const end = newest[0]?.at.getTime() ?? 0;
  const samples = newest.filter((x) => x.at.getTime() >= end - sampleMinutes * 60_000).reverse();
  return {
    link: toLinkView(l),
    samples: samples.map((s): LinkSampleView => ({ at: s.at, qber: s.qber, poolBits: Number(s.poolBits), secretKeyRateBps: s.secretKeyRateBps })),
    keys: routed.rows
      .sort((a, b) => b.routed_at.getTime() - a.routed_at.getTime())
      .slice(0, 50)
      .map((r) => ({ id: r.id, label: r.label, state: r.state, generation: r.generation, involvement: "relayed" as const, confirmed: null, routedAt: r.routed_at })),
    events,
  };
}

/** Every node as stored (no live figures), for the nodes list: the fields the console shows, nothing more. */
export function listNodes(db: Db) {
  return db.node.findMany({
    orderBy: [{ role: "asc" }, { id: "asc" }],
    select: { id: true, name: true, role: true, status: true, site: true, x: true, y: true } satisfies Prisma.NodeSelect,
  });
}

/** Every link as stored, with its last recorded QBER, key rate and pool, for the links list. */
export function listLinks(db: Db) {
  return db.link.findMany({
    orderBy: { id: "asc" },
    select: { id: true, aNodeId: true, bNodeId: true, status: true, lengthKm: true, qber: true, secretKeyRateBps: true, poolBits: true, poolCapacityBits: true } satisfies Prisma.LinkSelect,
  });
}
