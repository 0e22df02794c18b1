/**
 * Random but realistic meshes of N nodes for tests and benchmarks, deterministic
 * for a seed: one hub at the centre, a backbone of trusted relays (about one per
 * eight nodes) each linked to its nearest relays and the hub linked to the
 * closest ones, and endpoints in metro clusters around the relays, each homed
 * to its nearest relay and, for one in three, dual-homed to the second nearest.
 * Coordinates are in km; fibre runs 5-100 km (1.15 x straight-line distance,
 * the usual route factor).
 */
import { buildLink } from "./mesh-builder";
import { type Mesh, type MeshNode } from "./mesh-model";
import { Prng } from "./prng";

export interface GeneratedMesh extends Mesh {
  hubId: string;
}

const ROUTE_FACTOR = 1.15;
const dist = (a: MeshNode, b: MeshNode) => Math.hypot(a.x - b.x, a.y - b.y);
const fibreKm = (a: MeshNode, b: MeshNode) => Math.min(100, Math.max(5, Math.round(dist(a, b) * ROUTE_FACTOR * 10) / 10));

export function generateMesh(nodeCount: number, seed = 1): GeneratedMesh {
  if (!Number.isInteger(nodeCount) || nodeCount < 2) throw new RangeError("A mesh needs at least 2 nodes");
  const rng = new Prng(seed);
  const relayCount = Math.max(1, Math.min(nodeCount - 1, Math.round(nodeCount / 8)));
  const endpointCount = nodeCount - 1 - relayCount;
  // The backbone spreads over a square whose side grows with the relay count, so relays sit 40-80 km apart.
  const side = Math.max(60, Math.sqrt(relayCount) * 55);
  const nodes = new Map<string, MeshNode>();
  const hub: MeshNode = { id: "hub", name: "Sovereign Hub", role: "HUB", status: "ONLINE", statusReason: null, site: "Central Key Authority", x: side / 2, y: side / 2 };
  nodes.set(hub.id, hub);
  const relays: MeshNode[] = [];
  const cols = Math.ceil(Math.sqrt(relayCount));
  for (let i = 0; i < relayCount; i++) {
    const cx = ((i % cols) + 0.5) * (side / cols);
    const cy = (Math.floor(i / cols) + 0.5) * (side / cols);
    const r: MeshNode = {
      id: `relay-${i + 1}`, name: `Relay ${i + 1}`, role: "RELAY", status: "ONLINE", statusReason: null, site: `Exchange ${i + 1}`,
      x: cx + rng.between(-8, 8), y: cy + rng.between(-8, 8),
    };
    relays.push(r);
    nodes.set(r.id, r);
  }
  const links = new Map<string, ReturnType<typeof buildLink>>();
  const connect = (a: MeshNode, b: MeshNode) => {
    const l = buildLink({ aNodeId: a.id, bNodeId: b.id, lengthKm: fibreKm(a, b), detectorErrorRate: Math.round(rng.between(0.01, 0.035) * 1000) / 1000, fill: rng.between(0.4, 1) });
    if (!links.has(l.id)) links.set(l.id, l);
  };
  const nearest = (from: MeshNode, pool: MeshNode[], k: number) =>
    pool.filter((p) => p.id !== from.id).sort((p, q) => dist(from, p) - dist(from, q)).slice(0, k);

  for (const r of nearest(hub, relays, Math.min(4, relays.length))) connect(hub, r);
  for (const r of relays) for (const n of nearest(r, relays, 3)) connect(r, n);
  // Nearest-neighbour backbones can split into islands: join each island to the closest connected relay.
  for (;;) {
    const reached = reachableFrom(hub.id, links);
    const island = relays.find((r) => !reached.has(r.id));
    if (!island) break;
    const joined = [hub, ...relays.filter((r) => reached.has(r.id))];
    connect(island, nearest(island, joined, 1)[0]!);
  }
  for (let i = 0; i < endpointCount; i++) {
    const home = relays[i % relays.length]!;
    const angle = rng.between(0, 2 * Math.PI);
    const radius = rng.between(5, 25);
    const e: MeshNode = {
      id: `ep-${i + 1}`, name: `Endpoint ${i + 1}`, role: "ENDPOINT", status: "ONLINE", statusReason: null, site: `Metro site ${i + 1}`,
      x: home.x + Math.cos(angle) * radius, y: home.y + Math.sin(angle) * radius,
    };
    nodes.set(e.id, e);
    const near = nearest(e, [...relays, hub], 2);
    connect(e, near[0]!);
    if (near[1] && rng.next() < 1 / 3) connect(e, near[1]);
  }
  return { nodes, links, hubId: hub.id };
}

function reachableFrom(start: string, links: Map<string, { aNodeId: string; bNodeId: string }>): Set<string> {
  const adj = new Map<string, string[]>();
  for (const l of links.values()) {
    adj.set(l.aNodeId, [...(adj.get(l.aNodeId) ?? []), l.bNodeId]);
    adj.set(l.bNodeId, [...(adj.get(l.bNodeId) ?? []), l.aNodeId]);
  }
  const seen = new Set([start]);
  const queue = [start];
  while (queue.length) {
    for (const n of adj.get(queue.shift()!) ?? []) {
      if (seen.has(n)) continue;
      seen.add(n);
      queue.push(n);
    }
  }
  return seen;
}
