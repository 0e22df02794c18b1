/** Structural sharing: only the elements whose drawn data changed get new objects, so React Flow re-renders only those. */
import { describe, expect, it } from "vitest";
import { linkHealth } from "@/server/domain/mesh/link-physics";
import { operatingPoint } from "@/server/domain/mesh/link-rate";
import { generateMesh } from "@/server/domain/mesh/mesh-generator";
import type { MeshLinkView, MeshNodeView } from "@/components/trpc/router-types";
import { FlowElementCache } from "./flow-elements";

function views(seed = 3) {
  const m = generateMesh(40, seed);
  const nodes: MeshNodeView[] = [...m.nodes.values()].map((n) => ({ ...n, heldKeys: 0 }));
  const links: MeshLinkView[] = [...m.links.values()].map((l) => ({
    ...l, health: linkHealth(l.status, l.qber), nominalRateBps: operatingPoint(l).rateBps, signalIntensity: operatingPoint(l).mu, poolLevel: l.poolBits / l.poolCapacityBits,
  }));
  return { nodes, links, byId: new Map(nodes.map((n) => [n.id, n])) };
}

describe("FlowElementCache", () => {
  it("keeps every object when nothing visible changed, even if the arrays are new", () => {
    const cache = new FlowElementCache();
    const v = views();
    const n1 = cache.toNodes(v.nodes, 2, null);
    const e1 = cache.toEdges(v.links, v.byId, null);
    const again = views();
    const n2 = cache.toNodes(again.nodes, 2, null);
    const e2 = cache.toEdges(again.links, again.byId, null);
    expect(n2.every((n, i) => n === n1[i])).toBe(true);
    expect(e2.every((e, i) => e === e1[i])).toBe(true);
  });

  it("renews only the node and the link that changed", () => {
    const cache = new FlowElementCache();
    const v = views();
    const n1 = cache.toNodes(v.nodes, 2, null);
    const e1 = cache.toEdges(v.links, v.byId, null);
    const next = views();
    next.nodes[5] = { ...next.nodes[5]!, status: "ISOLATED" };
    next.links[7] = { ...next.links[7]!, qber: 0.25, health: "compromised" };
    // Noise below the drawn precision (0.1% QBER, 1% pool) changes nothing.
    next.links[8] = { ...next.links[8]!, qber: next.links[8]!.qber + 0.00001 };
    const n2 = cache.toNodes(next.nodes, 2, null);
    const e2 = cache.toEdges(next.links, new Map(next.nodes.map((n) => [n.id, n])), null);
    expect(n2.filter((n, i) => n !== n1[i]).map((n) => n.id)).toEqual([next.nodes[5]!.id]);
    expect(e2.filter((e, i) => e !== e1[i]).map((e) => e.id)).toEqual([next.links[7]!.id]);
    expect(n2[5]!.data.status).toBe("ISOLATED");
    expect(e2[7]!.data!.health).toBe("compromised");
  });

  it("places nodes at their stored position times the scale, and drops links to unknown nodes", () => {
    const cache = new FlowElementCache();
    const v = views();
    const [first] = cache.toNodes(v.nodes, 3, null);
    expect(first!.position).toEqual({ x: v.nodes[0]!.x * 3, y: v.nodes[0]!.y * 3 });
    const edges = cache.toEdges(v.links, new Map([...v.byId].filter(([id]) => id !== "hub")), null);
    expect(edges.some((e) => e.source === "hub" || e.target === "hub")).toBe(false);
    expect(edges.length).toBeLessThan(v.links.length);
  });
});
