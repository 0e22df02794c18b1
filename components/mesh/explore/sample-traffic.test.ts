/** Sample routes on a generated mesh go from the hub to the endpoint through trusted nodes only. */
import { describe, expect, it } from "vitest";
import { generatedMeshViews } from "./generated-mesh-views";
import { samplePath } from "./sample-traffic";

describe("samplePath", () => {
  const mesh = generatedMeshViews({ nodes: 120, seed: 5 });
  const byId = new Map(mesh.nodes.map((n) => [n.id, n]));
  const links = new Map(mesh.links.map((l) => [l.id, l]));

  it("reaches every endpoint from the hub over consecutive links, relaying only through hub and relays", () => {
    for (const target of mesh.nodes.filter((n) => n.role === "ENDPOINT")) {
      const path = samplePath(byId, mesh.links, "hub", target.id);
      expect(path, target.id).not.toBeNull();
      const [nodeIds, linkIds] = path!;
      expect(nodeIds[0]).toBe("hub");
      expect(nodeIds.at(-1)).toBe(target.id);
      expect(linkIds).toHaveLength(nodeIds.length - 1);
      linkIds.forEach((id, i) => {
        const l = links.get(id)!;
        expect([l.aNodeId, l.bNodeId].sort()).toEqual([nodeIds[i], nodeIds[i + 1]].sort());
      });
      expect(nodeIds.slice(1, -1).every((id) => byId.get(id)!.role !== "ENDPOINT")).toBe(true);
    }
  });

  it("finds nothing across links that are down", () => {
    const down = mesh.links.map((l) => ({ ...l, status: "DOWN" as const }));
    expect(samplePath(byId, down, "hub", mesh.nodes.find((n) => n.role === "ENDPOINT")!.id)).toBeNull();
  });
});
