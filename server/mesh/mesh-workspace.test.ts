/**
 * MeshWorkspace.route: the batch's jobs share shortest-path trees, and every answer must be the one a new search
 * (MeshGraph.route over the mesh as the job sees it) gives at that moment, while pools run low, links are avoided,
 * jobs are rolled back and a job changes a link.
 */
import { describe, expect, it } from "vitest";
import { cloneMesh, hubOf, type Mesh } from "../domain/mesh/mesh-model";
import { generateMesh } from "../domain/mesh/mesh-generator";
import { MeshWorkspace } from "./mesh-workspace";
import { MeshGraph } from "./routing/route-planner";

const BITS = 256;

/** A generated mesh whose pools hold `keys` keys of BITS bits per link, so routing runs some of them dry. */
function meshWithPools(nodes: number, keys: number, seed: number): Mesh {
  const m = cloneMesh(generateMesh(nodes, seed));
  for (const [id, l] of m.links) m.links.set(id, { ...l, poolBits: keys * BITS, poolCapacityBits: keys * BITS });
  return m;
}

/** What a search of its own would answer now: the mesh as the job sees it, the job's pools, avoided links at 0. */
function fresh(ws: MeshWorkspace, from: string, to: string, bits: number, avoided: ReadonlySet<string> = new Set()) {
  return new MeshGraph(ws.view()).route(from, to, bits, (id) => (avoided.has(id) ? 0 : ws.available(id)));
}

/** A deterministic stream of numbers in [0, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0) / 4_294_967_296);
}

describe("routes from the batch's shared trees", () => {
  it("answer what a new search would, key after key, while pools run dry and some keys avoid links", () => {
    const m = meshWithPools(120, 20, 7);
    const hub = hubOf(m)!.id;
    const endpoints = [...m.nodes.values()].filter((n) => n.role === "ENDPOINT").map((n) => n.id);
    const someLinks = [...m.links.keys()].filter((_, i) => i % 9 === 0);
    const ws = new MeshWorkspace(m);
    const next = rng(42);
    let routed = 0;
    let refused = 0;
    let pools = 0;
    for (let k = 0; k < 400; k++) {
      ws.beginJob();
      const avoided = k % 5 === 0 ? new Set(someLinks.slice(0, 1 + (k % 3))) : new Set<string>();
      // A key with one or two participants, as distribute() routes it: each route spent before the next is asked for.
      const participants = [endpoints[Math.floor(next() * endpoints.length)]!, ...(k % 4 === 0 ? [endpoints[Math.floor(next() * endpoints.length)]!] : [])];
      let failed = false;
      for (const p of participants) {
        const expected = fresh(ws, hub, p, BITS, avoided);
        const got = ws.route(hub, p, BITS, avoided);
        expect(got).toEqual(expected);
        if ("none" in got) {
          failed = true;
          if (got.none === "insufficient-pool") pools++;
          break;
        }
        ws.spendRoute({ keyId: `k${k}`, nodeId: p, nodePath: got.nodePath, linkPath: got.linkPath, bits: BITS });
      }
      // A key that could not be routed spends nothing: its job is rolled back, as distribute() does.
      if (failed) {
        refused++;
        ws.rollbackJob();
      } else {
        routed++;
        ws.commitJob();
      }
    }
    // The pools did run dry along the way, so trees were dropped and rebuilt, and keys were refused for it.
    expect(routed).toBeGreaterThan(50);
    expect(pools).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });

  it("does not keep a tree built by a job that is then rolled back (its spends are undone)", () => {
    const m = meshWithPools(60, 1, 3);
    const hub = hubOf(m)!.id;
    const [a, b] = [...m.nodes.values()].filter((n) => n.role === "ENDPOINT").map((n) => n.id);
    const ws = new MeshWorkspace(m);
    ws.beginJob();
    const first = ws.route(hub, a!, BITS);
    if ("none" in first) throw new Error("the first key must be routable");
    ws.spendRoute({ keyId: "k1", nodeId: a!, nodePath: first.nodePath, linkPath: first.linkPath, bits: BITS });
    // Built after the spend: the hub's first hop towards a has no bits left for this job.
    const during = ws.route(hub, b!, BITS);
    expect(during).toEqual(fresh(ws, hub, b!, BITS));
    ws.rollbackJob();
    ws.beginJob();
    expect(ws.route(hub, a!, BITS)).toEqual(first);
    expect(ws.route(hub, b!, BITS)).toEqual(fresh(ws, hub, b!, BITS));
  });

  it("searches anew for a job that changed a link: its status, or its pool (a refill the shared tree did not see)", () => {
    const m = meshWithPools(60, 4, 5);
    const hub = hubOf(m)!.id;
    const e = [...m.nodes.values()].find((n) => n.role === "ENDPOINT")!.id;
    const best = new MeshWorkspace(cloneMesh(m)).route(hub, e, BITS);
    if ("none" in best) throw new Error("the endpoint must be routable");
    const first = best.linkPath[0]!;

    // Taken down in this job, after the shared tree was built.
    let ws = new MeshWorkspace(cloneMesh(m));
    ws.beginJob();
    expect(ws.route(hub, e, BITS)).toEqual(best);
    ws.link(first).status = "DOWN";
    const down = ws.route(hub, e, BITS);
    expect(down).toEqual(fresh(ws, hub, e, BITS));
    expect(down).not.toEqual(best);

    // Dry when the batch loaded it, refilled by this job (the simulation's figures): the best route is back.
    const dry = cloneMesh(m);
    dry.links.set(first, { ...dry.links.get(first)!, poolBits: 0 });
    ws = new MeshWorkspace(dry);
    ws.beginJob();
    expect(ws.route(hub, e, BITS)).not.toEqual(best);
    const l = dry.links.get(first)!;
    ws.updateLinkFigures(first, { poolBits: 4 * BITS, qber: l.qber, secretKeyRateBps: l.secretKeyRateBps, status: l.status });
    expect(ws.route(hub, e, BITS)).toEqual(fresh(ws, hub, e, BITS));
    expect(ws.route(hub, e, BITS)).toEqual(best);
  });
});
