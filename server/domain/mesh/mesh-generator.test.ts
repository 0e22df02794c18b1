import { describe, expect, it } from "vitest";
import { MeshGraph } from "../../mesh/routing/route-planner";
import { generateMesh } from "./mesh-generator";

describe("mesh generator", () => {
  it.each([10, 100, 1_000])("makes a connected mesh of %i nodes with fibre of 5-100 km", (n) => {
    const m = generateMesh(n, 42);
    expect(m.nodes.size).toBe(n);
    expect([...m.nodes.values()].filter((x) => x.role === "HUB")).toHaveLength(1);
    expect(new MeshGraph(m).reachableFrom(m.hubId).size).toBe(n);
    for (const l of m.links.values()) {
      expect(l.lengthKm).toBeGreaterThanOrEqual(5);
      expect(l.lengthKm).toBeLessThanOrEqual(100);
      expect(l.poolBits).toBeLessThanOrEqual(l.poolCapacityBits);
    }
  });

  it("is deterministic for a seed and differs between seeds", () => {
    const a = generateMesh(50, 7);
    expect(generateMesh(50, 7)).toEqual(a);
    expect([...generateMesh(50, 8).links.keys()]).not.toEqual([...a.links.keys()]);
  });

  it("refuses meshes too small to have a hub and a peer", () => {
    expect(() => generateMesh(1)).toThrow(RangeError);
  });
});
