/**
 * Isolation and re-wiring, pure. Isolating a node severs every channel that
 * ends at it; its neighbours then set up direct channels among themselves over
 * the fibre through its site (optical bypass: the two spans joined at the patch
 * panel, so the length is their sum), where that length still gives a usable key
 * rate. Bypasses are added shortest first, and only those that give back a path
 * to the hub to a node that lost it, so every other node keeps a path to the hub
 * when one exists. Restoring the node brings its channels back and removes the
 * bypasses through it.
 */
import { MeshGraph, usableLink } from "../routing/route-planner";
import { MIN_USABLE_RATE_BPS, QBER_WARNING } from "../../domain/mesh/link-physics";
import { buildLink } from "../../domain/mesh/mesh-builder";
import { cloneMesh, hubOf, isReachableStatus, otherEnd, type Mesh, type MeshLink, type NodeStatus } from "../../domain/mesh/mesh-model";

export interface LinkChange {
  id: string;
  status: MeshLink["status"];
  downReason: string | null;
}

export interface RewirePlan {
  nodeId: string;
  nodeStatus: NodeStatus;
  statusReason: string | null;
  linkChanges: LinkChange[];
  newLinks: MeshLink[];
  removedLinkIds: string[];
  /** Nodes that had a path to the hub before and have none after (no usable bypass existed). */
  stranded: string[];
  reachableBefore: number;
  reachableAfter: number;
}

const severedTag = (nodeId: string) => `isolated:${nodeId}`;

export function planIsolation(mesh: Mesh, nodeId: string, status: "ISOLATED" | "OFFLINE", reason: string): RewirePlan {
  const node = mesh.nodes.get(nodeId);
  if (!node) throw new RangeError(`Unknown node ${nodeId}`);
  const hub = hubOf(mesh);
  const before = hub ? new MeshGraph(mesh).reachableFrom(hub.id) : new Set<string>();

  const next = cloneMesh(mesh);
  next.nodes.get(nodeId)!.status = status;
  const linkChanges: LinkChange[] = [];
  const spans: MeshLink[] = [];
  for (const l of next.links.values()) {
    if (l.aNodeId !== nodeId && l.bNodeId !== nodeId) continue;
    if (l.kind === "FIBRE" && usableLink(l)) spans.push({ ...l });
    if (l.status !== "DOWN") {
      l.status = "DOWN";
      l.downReason = severedTag(nodeId);
      linkChanges.push({ id: l.id, status: "DOWN", downReason: l.downReason });
    }
  }

  // Candidate bypasses between every two neighbours, shortest first.
  const candidates: MeshLink[] = [];
  for (let i = 0; i < spans.length; i++) {
    for (let j = i + 1; j < spans.length; j++) {
      const u = otherEnd(spans[i]!, nodeId);
      const v = otherEnd(spans[j]!, nodeId);
      if (u === v || !isReachableStatus(next.nodes.get(u)!.status) || !isReachableStatus(next.nodes.get(v)!.status)) continue;
      if (hasLinkBetween(next, u, v)) continue;
      const lengthKm = spans[i]!.lengthKm + spans[j]!.lengthKm;
      const lossDbPerKm = (spans[i]!.lossDbPerKm * spans[i]!.lengthKm + spans[j]!.lossDbPerKm * spans[j]!.lengthKm) / lengthKm;
      // The bypass uses the detector of the worse span (lower efficiency, more dark counts and error) and the slower source.
      const [s, t] = [spans[i]!, spans[j]!];
      const bypass = buildLink({
        aNodeId: u, bNodeId: v, lengthKm: Math.round(lengthKm * 10) / 10, lossDbPerKm, kind: "BYPASS", viaNodeId: nodeId, fill: 0,
        detectorEfficiency: Math.min(s.detectorEfficiency, t.detectorEfficiency),
        darkCountYield: Math.max(s.darkCountYield, t.darkCountYield),
        detectorErrorRate: Math.max(s.detectorErrorRate, t.detectorErrorRate),
        errorCorrectionEfficiency: Math.max(s.errorCorrectionEfficiency, t.errorCorrectionEfficiency),
        pulseRateHz: Math.min(s.pulseRateHz, t.pulseRateHz),
      });
      if (bypass.secretKeyRateBps < MIN_USABLE_RATE_BPS) continue;
      candidates.push(bypass);
    }
  }
  candidates.sort((a, b) => a.lengthKm - b.lengthKm);

  const newLinks: MeshLink[] = [];
  let reached = hub ? new MeshGraph(next).reachableFrom(hub.id) : new Set<string>();
  const lost = () => [...before].filter((n) => n !== nodeId && !reached.has(n));
  for (const c of candidates) {
    if (lost().length === 0) break;
    // Useful only if it touches a node that lost the hub.
    if (reached.has(c.aNodeId) === reached.has(c.bNodeId)) continue;
    next.links.set(c.id, c);
    const after = new MeshGraph(next).reachableFrom(hub!.id);
    if (after.size > reached.size) {
      newLinks.push(c);
      reached = after;
    } else {
      next.links.delete(c.id);
    }
  }
  return {
    nodeId, nodeStatus: status, statusReason: reason, linkChanges, newLinks, removedLinkIds: [],
    stranded: lost(), reachableBefore: before.size, reachableAfter: reached.size,
  };
}

export function planRestore(mesh: Mesh, nodeId: string): RewirePlan {
  const node = mesh.nodes.get(nodeId);
  if (!node) throw new RangeError(`Unknown node ${nodeId}`);
  const hub = hubOf(mesh);
  const before = hub ? new MeshGraph(mesh).reachableFrom(hub.id) : new Set<string>();
  const next = cloneMesh(mesh);
  next.nodes.get(nodeId)!.status = "ONLINE";
  const removedLinkIds: string[] = [];
  for (const l of [...next.links.values()]) {
    if (l.kind === "BYPASS" && l.viaNodeId === nodeId) {
      removedLinkIds.push(l.id);
      next.links.delete(l.id);
    }
  }
  const linkChanges: LinkChange[] = [];
  for (const l of next.links.values()) {
    if (l.status !== "DOWN" || l.downReason !== severedTag(nodeId)) continue;
    const other = next.nodes.get(otherEnd(l, nodeId));
    if (other && !isReachableStatus(other.status)) {
      // Still severed, now because of the other end.
      l.downReason = severedTag(other.id);
    } else {
      l.status = l.qber > QBER_WARNING ? "DEGRADED" : "UP";
      l.downReason = null;
    }
    linkChanges.push({ id: l.id, status: l.status, downReason: l.downReason });
  }
  const after = hub ? new MeshGraph(next).reachableFrom(hub.id) : new Set<string>();
  return {
    nodeId, nodeStatus: "ONLINE", statusReason: null, linkChanges, newLinks: [], removedLinkIds,
    stranded: [...before].filter((n) => !after.has(n)), reachableBefore: before.size, reachableAfter: after.size,
  };
}

/** The mesh after a plan (pure). */
export function applyPlan(mesh: Mesh, plan: RewirePlan): Mesh {
  const next = cloneMesh(mesh);
  const n = next.nodes.get(plan.nodeId)!;
  n.status = plan.nodeStatus;
  n.statusReason = plan.statusReason;
  for (const c of plan.linkChanges) {
    const l = next.links.get(c.id);
    if (l) Object.assign(l, { status: c.status, downReason: c.downReason });
  }
  for (const id of plan.removedLinkIds) next.links.delete(id);
  for (const l of plan.newLinks) next.links.set(l.id, { ...l });
  return next;
}

/** Any channel row between u and v, in either direction and whatever its state (the table allows one per pair). */
export function hasLinkBetween(mesh: Mesh, u: string, v: string): boolean {
  for (const l of mesh.links.values()) {
    if ((l.aNodeId === u && l.bNodeId === v) || (l.aNodeId === v && l.bNodeId === u)) return true;
  }
  return false;
}
