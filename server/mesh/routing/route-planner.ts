/**
 * Routes a key from the hub to a participant: the path with the fewest hops
 * (then the shortest fibre) over links that are up, below the QBER abort
 * threshold and with enough pool for the key on every hop, through trusted
 * nodes (hub or relays, never another endpoint) that are online or degraded.
 * Dijkstra over an adjacency built once per mesh snapshot.
 */
import { QBER_ABORT } from "../../domain/mesh/link-physics";
import { canRelay, isReachableStatus, otherEnd, type Mesh, type MeshLink } from "../../domain/mesh/mesh-model";

export interface Route {
  nodePath: string[];
  linkPath: string[];
  lengthKm: number;
}

export type NoRouteReason = "unknown-node" | "node-unreachable" | "no-path" | "insufficient-pool";

/** Every node's last link on its best path from `from` (treeFrom), and whether a pool too low for the bits cut a link off. */
export interface RouteTree {
  from: string;
  via: ReadonlyMap<string, MeshLink>;
  poolBlocked: boolean;
}

export class MeshGraph {
  private readonly adjacency = new Map<string, MeshLink[]>();

  constructor(readonly mesh: Mesh) {
    for (const l of mesh.links.values()) {
      if (!usableLink(l)) continue;
      for (const end of [l.aNodeId, l.bNodeId]) {
        const list = this.adjacency.get(end);
        if (list) list.push(l);
        else this.adjacency.set(end, [l]);
      }
    }
  }

  linksOf(nodeId: string): readonly MeshLink[] {
    return this.adjacency.get(nodeId) ?? [];
  }

  /**
   * The best path from `from` to `to` whose links all have `bits` available
   * (per `available`), or why there is none.
   */
  route(from: string, to: string, bits: number, available: (linkId: string) => number): Route | { none: NoRouteReason } {
    const { nodes } = this.mesh;
    const src = nodes.get(from);
    const dst = nodes.get(to);
    if (!src || !dst) return { none: "unknown-node" };
    if (!isReachableStatus(src.status) || !isReachableStatus(dst.status)) return { none: "node-unreachable" };
    if (from === to) return { nodePath: [from], linkPath: [], lengthKm: 0 };
    const { via, poolBlocked } = this.shortestPaths(from, bits, available, to);
    if (!via.has(to)) return { none: poolBlocked ? "insufficient-pool" : "no-path" };
    return this.pathTo(from, to, via);
  }

  /**
   * The shortest-path tree from `from` with the links that have `bits` (per
   * `available`): routeIn then answers, for any node, what route() would with
   * the same arguments (the search route() stops at its node has by then
   * settled that node exactly as the whole tree's search does).
   */
  treeFrom(from: string, bits: number, available: (linkId: string) => number): RouteTree {
    const src = this.mesh.nodes.get(from);
    if (!src || !isReachableStatus(src.status)) return { from, via: new Map(), poolBlocked: false };
    return { from, ...this.shortestPaths(from, bits, available) };
  }

  /** route(tree.from, to, …) with the arguments the tree was built with (treeFrom). */
  routeIn(tree: RouteTree, to: string): Route | { none: NoRouteReason } {
    const { nodes } = this.mesh;
    const src = nodes.get(tree.from);
    const dst = nodes.get(to);
    if (!src || !dst) return { none: "unknown-node" };
    if (!isReachableStatus(src.status) || !isReachableStatus(dst.status)) return { none: "node-unreachable" };
    if (tree.from === to) return { nodePath: [to], linkPath: [], lengthKm: 0 };
    if (!tree.via.has(to)) return { none: tree.poolBlocked ? "insufficient-pool" : "no-path" };
    return this.pathTo(tree.from, to, tree.via);
  }

  /**
   * The best route from `from` to every node it can reach (one shortest-path
   * tree: what re-routing after a topology change costs).
   */
  routesFrom(from: string, bits: number, available: (linkId: string) => number): Map<string, Route> {
    const out = new Map<string, Route>();
    const src = this.mesh.nodes.get(from);
    if (!src || !isReachableStatus(src.status)) return out;
    const { via } = this.shortestPaths(from, bits, available);
    out.set(from, { nodePath: [from], linkPath: [], lengthKm: 0 });
    for (const n of via.keys()) out.set(n, this.pathTo(from, n, via));
    return out;
  }

  private pathTo(from: string, to: string, via: ReadonlyMap<string, MeshLink>): Route {
    const nodePath = [to];
    const linkPath: string[] = [];
    let lengthKm = 0;
    for (let n = to; n !== from; ) {
      const l = via.get(n)!;
      linkPath.push(l.id);
      lengthKm += l.lengthKm;
      n = otherEnd(l, n);
      nodePath.push(n);
    }
    return { nodePath: nodePath.reverse(), linkPath: linkPath.reverse(), lengthKm };
  }

  /** Dijkstra with cost = hops * 10^4 + km: fewest hops first, fibre length breaks ties. */
  private shortestPaths(from: string, bits: number, available: (linkId: string) => number, stopAt?: string): { via: Map<string, MeshLink>; poolBlocked: boolean } {
    const { nodes } = this.mesh;
    let poolBlocked = false;
    const cost = new Map<string, number>([[from, 0]]);
    const via = new Map<string, MeshLink>();
    const heap = new MinHeap();
    heap.push(0, from);
    const done = new Set<string>();
    while (heap.size > 0) {
      const [c, n] = heap.pop()!;
      if (done.has(n)) continue;
      done.add(n);
      if (n === stopAt) break;
      const node = nodes.get(n)!;
      if (n !== from && !canRelay(node)) continue; // endpoints receive, they do not forward
      for (const l of this.linksOf(n)) {
        const m = otherEnd(l, n);
        if (done.has(m)) continue;
        const mn = nodes.get(m);
        if (!mn || !isReachableStatus(mn.status)) continue;
        if (available(l.id) < bits) {
          poolBlocked = true;
          continue;
        }
        const next = c + 10_000 + l.lengthKm;
        if (next < (cost.get(m) ?? Infinity)) {
          cost.set(m, next);
          via.set(m, l);
          heap.push(next, m);
        }
      }
    }
    return { via, poolBlocked };
  }

  /** Nodes reachable from `from` over usable links through trusted nodes (ignores pools). */
  reachableFrom(from: string): Set<string> {
    const seen = new Set<string>();
    const start = this.mesh.nodes.get(from);
    if (!start || !isReachableStatus(start.status)) return seen;
    seen.add(from);
    const queue = [from];
    while (queue.length > 0) {
      const n = queue.pop()!;
      if (n !== from && !canRelay(this.mesh.nodes.get(n)!)) continue;
      for (const l of this.linksOf(n)) {
        const m = otherEnd(l, n);
        const mn = this.mesh.nodes.get(m);
        if (!seen.has(m) && mn && isReachableStatus(mn.status)) {
          seen.add(m);
          queue.push(m);
        }
      }
    }
    return seen;
  }
}

/** A link that can carry key: not severed, and not over the abort threshold. */
export function usableLink(l: MeshLink): boolean {
  return l.status !== "DOWN" && l.qber <= QBER_ABORT;
}

export function describeNoRoute(reason: NoRouteReason, from: string, to: string, bits: number): string {
  switch (reason) {
    case "unknown-node":
      return `node ${to} is not in the mesh`;
    case "node-unreachable":
      return `node ${to === from ? from : to} is isolated or offline`;
    case "insufficient-pool":
      return `no path from ${from} to ${to} has ${bits} pool bits on every hop (pools refill at each link's key rate)`;
    case "no-path":
      return `no path of usable links from ${from} to ${to}`;
  }
}

/** A binary min-heap of (cost, node) pairs. */
class MinHeap {
  private readonly items: Array<[number, string]> = [];
  get size() {
    return this.items.length;
  }
  push(cost: number, id: string): void {
    const a = this.items;
    a.push([cost, id]);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]![0] <= a[i]![0]) break;
      [a[p], a[i]] = [a[i]!, a[p]!];
      i = p;
    }
  }
  pop(): [number, string] | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l]![0] < a[m]![0]) m = l;
        if (r < a.length && a[r]![0] < a[m]![0]) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top;
  }
}
