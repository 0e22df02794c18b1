import { describe, expect, it } from "vitest";
import { buildLink } from "../../domain/mesh/mesh-builder";
import type { Mesh, MeshNode } from "../../domain/mesh/mesh-model";
import { describeNoRoute, MeshGraph } from "./route-planner";

const node = (id: string, role: MeshNode["role"], status: MeshNode["status"] = "ONLINE"): MeshNode => ({ id, name: id, role, status, statusReason: null, site: id, x: 0, y: 0 });

/** hub - r1 - r2 - e1, plus a long direct hub - r2, and an endpoint e0 on r1 linked to r2 too. */
function mesh(): Mesh {
  const nodes = [node("hub", "HUB"), node("r1", "RELAY"), node("r2", "RELAY"), node("e1", "ENDPOINT"), node("e0", "ENDPOINT")];
  const links = [
    buildLink({ aNodeId: "hub", bNodeId: "r1", lengthKm: 20, detectorErrorRate: 0.02 }),
    buildLink({ aNodeId: "r1", bNodeId: "r2", lengthKm: 20, detectorErrorRate: 0.02 }),
    buildLink({ aNodeId: "hub", bNodeId: "r2", lengthKm: 90, detectorErrorRate: 0.02 }),
    buildLink({ aNodeId: "r2", bNodeId: "e1", lengthKm: 10, detectorErrorRate: 0.02 }),
    buildLink({ aNodeId: "r1", bNodeId: "e0", lengthKm: 10, detectorErrorRate: 0.02 }),
    buildLink({ aNodeId: "e0", bNodeId: "e1", lengthKm: 5, detectorErrorRate: 0.02 }),
  ];
  return { nodes: new Map(nodes.map((n) => [n.id, n])), links: new Map(links.map((l) => [l.id, l])) };
}

const full = (m: Mesh) => (id: string) => m.links.get(id)?.poolBits ?? 0;

describe("route planner", () => {
  it("takes the fewest hops, even over a longer fibre", () => {
    const m = mesh();
    const r = new MeshGraph(m).route("hub", "e1", 256, full(m));
    expect(r).toEqual({ nodePath: ["hub", "r2", "e1"], linkPath: ["hub--r2", "e1--r2"], lengthKm: 100 });
  });

  it("breaks ties between equal hop counts by fibre length", () => {
    const m = mesh();
    m.links.set("hub--r2", { ...m.links.get("hub--r2")!, status: "DOWN" });
    const r = new MeshGraph(m).route("hub", "e1", 256, full(m));
    expect(r).toMatchObject({ nodePath: ["hub", "r1", "r2", "e1"], lengthKm: 50 });
  });

  it("never relays through an endpoint", () => {
    const m = mesh();
    m.nodes.set("r2", { ...m.nodes.get("r2")!, status: "ISOLATED" });
    // e1 is reachable only as hub-r1-e0-e1, and e0 is an endpoint: no route.
    expect(new MeshGraph(m).route("hub", "e1", 256, full(m))).toEqual({ none: "no-path" });
  });

  it("skips links without enough pool and says so when that is why", () => {
    const m = mesh();
    const avail = (id: string) => (id === "hub--r2" ? 100 : full(m)(id));
    expect(new MeshGraph(m).route("hub", "e1", 256, avail)).toMatchObject({ nodePath: ["hub", "r1", "r2", "e1"] });
    const none = (id: string) => (id === "e1--r2" ? 255 : full(m)(id));
    expect(new MeshGraph(m).route("hub", "e1", 256, none)).toEqual({ none: "insufficient-pool" });
  });

  it("does not route over a link above the QBER abort threshold", () => {
    const m = mesh();
    m.links.set("e1--r2", { ...m.links.get("e1--r2")!, qber: 0.2 });
    expect(new MeshGraph(m).route("hub", "e1", 256, full(m))).toEqual({ none: "no-path" });
  });

  it("refuses unknown, isolated or offline endpoints of the route", () => {
    const m = mesh();
    expect(new MeshGraph(m).route("hub", "nope", 1, full(m))).toEqual({ none: "unknown-node" });
    m.nodes.set("e1", { ...m.nodes.get("e1")!, status: "OFFLINE" });
    expect(new MeshGraph(m).route("hub", "e1", 1, full(m))).toEqual({ none: "node-unreachable" });
  });

  it("routes the hub to itself with no hops", () => {
    const m = mesh();
    expect(new MeshGraph(m).route("hub", "hub", 256, full(m))).toEqual({ nodePath: ["hub"], linkPath: [], lengthKm: 0 });
  });

  it("explains each reason in words an operator can act on", () => {
    expect(describeNoRoute("insufficient-pool", "hub", "e1", 256)).toMatch(/256 pool bits.*refill/);
    expect(describeNoRoute("no-path", "hub", "e1", 256)).toMatch(/no path of usable links/);
    expect(describeNoRoute("node-unreachable", "hub", "e1", 256)).toMatch(/e1 is isolated or offline/);
  });

  it("reachability follows the same rules as routing", () => {
    const m = mesh();
    m.links.set("hub--r2", { ...m.links.get("hub--r2")!, status: "DOWN" });
    m.links.set("r1--r2", { ...m.links.get("r1--r2")!, status: "DOWN" });
    // r2 and e1 hang off e0, an endpoint: not reachable.
    expect([...new MeshGraph(m).reachableFrom("hub")].sort()).toEqual(["e0", "hub", "r1"]);
  });
});

describe("route tree", () => {
  it("gives every destination the same route as routing to it alone", () => {
    const m = mesh();
    const g = new MeshGraph(m);
    const tree = g.routesFrom("hub", 256, full(m));
    expect([...tree.keys()].sort()).toEqual(["e0", "e1", "hub", "r1", "r2"]);
    for (const [to, r] of tree) expect(r).toEqual(g.route("hub", to, 256, full(m)));
  });
});
