/**
 * Property tests of the quantum channel over random meshes and routes
 * (mesh-generator.ts, rates from the decoy-state model): the simulation
 * driver plays hop-by-hop one-time-pad distribution over the simulated device
 * pairs, with random key sizes and times, small or full device buffers, short
 * waits, starved links, and up to three desynchronisation faults (a skipping end or a
 * flipped byte, at most one per link). After each run, checked against the
 * report and independently of the ledgers' own bookkeeping:
 *  - no pad byte is used twice at either end of any link, every hop uses
 *    exactly the key's size at the same offsets at both ends, and the
 *    ledgers' counts match what the hops used;
 *  - a ledger never goes past what its device delivered, and a key that
 *    could not get pad waited or failed without touching any;
 *  - every delivered key is byte for byte the hub's;
 *  - an attempt that crossed a desynchronised stretch of pad was destroyed,
 *    and no attempt failed without one;
 *  - the keys each node's log compromises are exactly the keys whose recorded
 *    route crosses it.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SimulatedQkdNetwork, type DesyncFault } from "../../quantum-channel/qkd-device";
import { hmacReceiptTagger } from "../../quantum-channel/receipt-tag";
import { generateMesh } from "../mesh/mesh-generator";
import { Prng } from "../mesh/prng";
import type { RouteNode } from "./otp-relay";
import type { PadRange } from "./pad-ledger";
import { compromisedBy, decoyStateRateBps, routeBlastRadius, simulateRelay, type AttemptReport, type ChannelLink, type ChannelMesh, type KeyRequest } from "./relay-simulation";

interface FaultSpec {
  linkPick: number;
  end: "A" | "B";
  kind: "skip" | "flip";
  amount: number;
  atMs: number;
}

const scenario = fc.record({
  meshSeed: fc.integer({ min: 1, max: 1_000_000 }),
  nodeCount: fc.integer({ min: 3, max: 24 }),
  routeSeed: fc.integer({ min: 1, max: 1_000_000 }),
  keyCount: fc.integer({ min: 1, max: 25 }),
  capacityBytes: fc.integer({ min: 64, max: 4_096 }),
  fullAtStart: fc.boolean(),
  maxWaitMs: fc.integer({ min: 0, max: 400 }),
  /** 1: the decoy-state rates; below 1: starved links (long, lossy or shared), so keys wait and run short. */
  rateScale: fc.constantFrom(1, 1, 0.01, 0.001),
  faults: fc.array(
    fc.record({
      linkPick: fc.nat(),
      end: fc.constantFrom<"A" | "B">("A", "B"),
      kind: fc.constantFrom<"skip" | "flip">("skip", "flip"),
      amount: fc.integer({ min: 1, max: 200 }),
      atMs: fc.integer({ min: 0, max: 2_000 }),
    }),
    { maxLength: 3 },
  ),
});

/** A random simple path from the hub to `to` whose intermediate nodes can relay (randomised depth-first search). */
function randomRoute(mesh: ChannelMesh, hubId: string, to: string, rng: Prng): string[] | null {
  const adj = new Map<string, string[]>();
  for (const l of mesh.links.values()) {
    adj.set(l.aNodeId, [...(adj.get(l.aNodeId) ?? []), l.bNodeId]);
    adj.set(l.bNodeId, [...(adj.get(l.bNodeId) ?? []), l.aNodeId]);
  }
  const path = [hubId];
  const seen = new Set(path);
  const walk = (at: string): boolean => {
    if (at === to) return true;
    if (at !== hubId && mesh.nodes.get(at)!.role === "ENDPOINT") return false;
    const next = [...(adj.get(at) ?? [])];
    for (let i = next.length - 1; i > 0; i--) {
      const j = rng.int(0, i + 1);
      [next[i], next[j]] = [next[j]!, next[i]!];
    }
    for (const n of next) {
      if (seen.has(n)) continue;
      seen.add(n);
      path.push(n);
      if (walk(n)) return true;
      path.pop();
    }
    return false;
  };
  return walk(hubId) ? path : null;
}

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

function run(s: Scenario) {
  const generated = generateMesh(s.nodeCount, s.meshSeed);
  const links: ChannelLink[] = [...generated.links.values()].map((l) => ({ id: l.id, aNodeId: l.aNodeId, bNodeId: l.bNodeId, secretKeyRateBps: decoyStateRateBps(l) * s.rateScale }));
  const nodes = new Map<string, RouteNode>([...generated.nodes.values()].map((n) => [n.id, { id: n.id, role: n.role }]));
  const mesh: ChannelMesh = { nodes, links: new Map(links.map((l) => [l.id, l])) };
  const devices = new SimulatedQkdNetwork({ seed: `prop-${s.meshSeed}`, links, capacityBytes: s.capacityBytes, initialBytes: s.fullAtStart ? s.capacityBytes : 0 });

  const rng = new Prng(s.routeSeed);
  const targets = [...nodes.keys()].filter((id) => id !== generated.hubId);
  const keys: KeyRequest[] = [];
  let at = 0;
  for (let i = 0; i < s.keyCount; i++) {
    at += rng.int(0, 200);
    const route = randomRoute(mesh, generated.hubId, rng.pick(targets), rng)!;
    keys.push({ keyId: `k${i}`, sizeBytes: rng.int(16, 65), route, atMs: at });
  }
  // At most one fault per link, each with its own bit, so two faults never cancel out.
  const faults: (FaultSpec & { linkId: string; fault: DesyncFault })[] = [];
  for (const [i, f] of s.faults.entries()) {
    const linkId = links[f.linkPick % links.length]!.id;
    if (faults.some((g) => g.linkId === linkId)) continue;
    const fault: DesyncFault = f.kind === "skip" ? { kind: "skip", end: f.end, bytes: f.amount } : { kind: "flip", end: f.end, index: f.amount, mask: 1 << i };
    faults.push({ ...f, linkId, fault });
  }
  const report = simulateRelay(mesh, keys, {
    devices, tagger: hmacReceiptTagger, rng: new Prng(s.routeSeed ^ 0x5bd1e995), maxWaitMs: s.maxWaitMs, waitStepMs: 25,
    faults: faults.map((f) => ({ atMs: f.atMs, inject: () => devices.injectFault(f.linkId, f.fault) })),
  });
  return { report, keys, faults, nodes, hubId: generated.hubId };
}

/** Did a fault already injected change the pad this attempt used on one of its hops? */
function hitByFault(a: AttemptReport, faults: ReturnType<typeof run>["faults"]): boolean {
  return a.hops.some((h) => {
    if (!h.receiver) return false;
    return faults.some((f) => {
      if (f.linkId !== h.linkId || f.atMs > a.atMs) return false;
      if (f.fault.kind === "skip") return true;
      const r = f.end === h.fromEnd ? h.sender : h.receiver!;
      return f.fault.index >= r.start && f.fault.index < r.end;
    });
  });
}

describe("quantum channel properties (random meshes and routes)", () => {
  it("never reuses a pad byte, never overdraws, delivers only the hub's bytes, fails desynchronised keys, and leaks exactly the route blast radius", () => {
    const stats = { runs: 0, delivered: 0, destroyed: 0, padsShort: 0, failed: 0 };
    fc.assert(
      fc.property(scenario, (s) => {
        const { report, keys, faults, nodes, hubId } = run(s);
        const sizeOf = new Map(keys.map((k) => [k.keyId, k.sizeBytes]));
        stats.runs++;

        // Pad bytes: each (link, end) range used once, exactly the key's size, same offsets at both ends.
        const used = new Map<string, PadRange[]>();
        const note = (linkId: string, end: string, r: PadRange) => used.set(`${linkId}/${end}`, [...(used.get(`${linkId}/${end}`) ?? []), r]);
        for (const k of report.keys) {
          for (const a of k.attempts) {
            for (const h of a.hops) {
              expect(h.sender.end - h.sender.start).toBe(sizeOf.get(k.keyId));
              note(h.linkId, h.fromEnd, h.sender);
              if (h.receiver) {
                expect(h.receiver).toEqual(h.sender);
                note(h.linkId, h.toEnd, h.receiver);
              }
            }
          }
        }
        for (const [where, ranges] of used) {
          const sorted = [...ranges].sort((x, y) => x.start - y.start);
          for (let i = 1; i < sorted.length; i++) expect(sorted[i]!.start, `${where}: a pad byte used twice`).toBeGreaterThanOrEqual(sorted[i - 1]!.end);
        }
        for (const l of report.ledgers) {
          const mine = used.get(`${l.linkId}/${l.end}`) ?? [];
          expect(l.used).toBe(mine.reduce((n, r) => n + r.end - r.start, 0));
          expect(l.used).toBeLessThanOrEqual(l.delivered);
          expect(l.delivered).toBeGreaterThanOrEqual(0);
        }

        for (const k of report.keys) {
          expect(k.outcome).not.toBe("BAD_ROUTE");
          if (k.outcome === "PADS_SHORT") expect(k.attempts).toEqual([]);
          if (k.outcome === "DELIVERED") {
            expect(k.deliveredEqualsHub).toBe(true);
            expect(k.key).toEqual(k.attempts[k.attempts.length - 1]!.delivered);
          }
          for (const a of k.attempts) {
            // The simulation is sequential: both ends always have the announced offsets, so only the receipt can fail.
            expect(a.failure?.kind ?? "NONE").not.toBe("PAD_REFUSED");
            if (a.outcome === "DELIVERED") expect(a.delivered).toEqual(a.hubKey);
            expect(a.outcome === "DESTROYED", `${k.keyId} attempt ${a.attempt}`).toBe(hitByFault(a, faults));
          }
          stats.delivered += k.outcome === "DELIVERED" ? 1 : 0;
          stats.failed += k.outcome === "FAILED" ? 1 : 0;
          stats.padsShort += k.outcome === "PADS_SHORT" ? 1 : 0;
          stats.destroyed += k.attempts.filter((a) => a.outcome === "DESTROYED").length;
        }

        // A leaking node's log is exactly the blast radius of the recorded routes.
        const routeOf = new Map(keys.map((k) => [k.keyId, k.route]));
        for (const id of nodes.keys()) {
          if (id === hubId) continue;
          expect(compromisedBy(report, id)).toEqual(routeBlastRadius(report, id));
          // Even destroyed material was only ever seen by nodes on its key's route.
          for (const seen of report.sightings.get(id) ?? []) expect(routeOf.get(seen.keyId)!.slice(1)).toContain(id);
        }
        expect(report.sightings.has(hubId)).toBe(false);
      }),
      { numRuns: 100, seed: 18 },
    );
    // The runs exercised every outcome.
    expect(stats.delivered).toBeGreaterThan(100);
    expect(stats.destroyed).toBeGreaterThan(5);
    expect(stats.failed).toBeGreaterThan(0);
    expect(stats.padsShort).toBeGreaterThan(0);
  }, 30_000);
});
