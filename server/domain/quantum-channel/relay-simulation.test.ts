import { describe, expect, it } from "vitest";
import { SimulatedQkdNetwork } from "../../quantum-channel/qkd-device";
import { hmacReceiptTagger } from "../../quantum-channel/receipt-tag";
import { Prng } from "../mesh/prng";
import type { RouteNode } from "./otp-relay";
import { compromisedBy, decoyStateRateBps, routeBlastRadius, simulateRelay, type ChannelLink, type ChannelMesh, type KeyRequest } from "./relay-simulation";

// hub -- r1 -- r2 -- ep1, r1 -- ep2; rates in bit/s.
function line(rates: Partial<Record<string, number>> = {}) {
  const nodes = new Map<string, RouteNode>(
    ([["hub", "HUB"], ["r1", "RELAY"], ["r2", "RELAY"], ["ep1", "ENDPOINT"], ["ep2", "ENDPOINT"]] as const).map(([id, role]) => [id, { id, role }]),
  );
  const link = (a: string, b: string): ChannelLink => ({ id: `${a}--${b}`, aNodeId: a, bNodeId: b, secretKeyRateBps: rates[`${a}--${b}`] ?? 80_000 });
  const links = [link("hub", "r1"), link("r1", "r2"), link("ep1", "r2"), link("ep2", "r1")];
  const mesh: ChannelMesh = { nodes, links: new Map(links.map((l) => [l.id, l])) };
  const devices = new SimulatedQkdNetwork({ seed: "unit", links, capacityBytes: 4_096 });
  return { mesh, devices };
}
const key = (keyId: string, route: string[], atMs: number, sizeBytes = 32): KeyRequest => ({ keyId, route, atMs, sizeBytes });
const TO_EP1 = ["hub", "r1", "r2", "ep1"];
const TO_EP2 = ["hub", "r1", "ep2"];

describe("relay simulation", () => {
  it("delivers each key hop by hop, using exactly the key's size of pad on each hop at the same offsets at both ends", () => {
    const { mesh, devices } = line();
    const r = simulateRelay(mesh, [key("k1", TO_EP1, 100), key("k2", TO_EP2, 100), key("k3", TO_EP1, 200, 64)], { devices, tagger: hmacReceiptTagger, rng: new Prng(1) });
    expect(r.keys.map((k) => [k.keyId, k.outcome, k.deliveredEqualsHub])).toEqual([["k1", "DELIVERED", true], ["k2", "DELIVERED", true], ["k3", "DELIVERED", true]]);
    const k3 = r.keys[2]!.attempts[0]!;
    expect(k3.hops.map((h) => [h.linkId, h.fromEnd, h.sender, h.receiver])).toEqual([
      ["hub--r1", "A", { start: 64, end: 128 }, { start: 64, end: 128 }],
      ["r1--r2", "A", { start: 32, end: 96 }, { start: 32, end: 96 }],
      ["ep1--r2", "B", { start: 32, end: 96 }, { start: 32, end: 96 }],
    ]);
    const used = Object.fromEntries(r.ledgers.map((l) => [`${l.linkId}/${l.end}`, l.used]));
    expect(used).toEqual({ "hub--r1/A": 128, "hub--r1/B": 128, "r1--r2/A": 96, "r1--r2/B": 96, "ep1--r2/A": 96, "ep1--r2/B": 96, "ep2--r1/A": 32, "ep2--r1/B": 32 });
  });

  it("records who saw which key: a leaking relay's log is the blast radius of the recorded routes", () => {
    const { mesh, devices } = line();
    const r = simulateRelay(mesh, [key("k1", TO_EP1, 100), key("k2", TO_EP2, 100)], { devices, tagger: hmacReceiptTagger, rng: new Prng(2) });
    expect([...compromisedBy(r, "r1")].sort()).toEqual(["k1", "k2"]);
    expect([...compromisedBy(r, "r2")]).toEqual(["k1"]);
    expect([...compromisedBy(r, "ep2")]).toEqual(["k2"]);
    for (const n of ["r1", "r2", "ep1", "ep2"]) expect(compromisedBy(r, n)).toEqual(routeBlastRadius(r, n));
    expect(r.sightings.get("r1")![0]!.bytes).toEqual(r.keys[0]!.key);
  });

  it("waits for pad when a link is short, and gives up without touching a pad", () => {
    const { mesh, devices } = line({ "r1--r2": 800 }); // 100 bytes/s
    const r = simulateRelay(mesh, [key("k1", TO_EP1, 0), key("k2", TO_EP1, 0, 500)], { devices, tagger: hmacReceiptTagger, rng: new Prng(3), maxWaitMs: 1_000, waitStepMs: 50 });
    expect(r.keys[0]).toMatchObject({ outcome: "DELIVERED" });
    expect(r.keys[0]!.attempts[0]!.atMs).toBe(350); // 32 bytes at 100 B/s, in 50 ms steps
    expect(r.keys[1]).toMatchObject({ outcome: "PADS_SHORT", attempts: [] });
    expect(r.ledgers.find((l) => l.linkId === "hub--r1" && l.end === "A")!.used).toBe(32);
  });

  it("fails keys over a desynchronised link (every attempt), never delivering other bytes", () => {
    const { mesh, devices } = line();
    const faults = [{ atMs: 150, inject: () => devices.injectFault("r1--r2", { kind: "skip", end: "B", bytes: 1 }) }];
    const r = simulateRelay(mesh, [key("k1", TO_EP1, 100), key("k2", TO_EP1, 200), key("k3", TO_EP2, 200)], { devices, tagger: hmacReceiptTagger, rng: new Prng(4), faults });
    expect(r.keys.map((k) => k.outcome)).toEqual(["DELIVERED", "FAILED", "DELIVERED"]);
    const k2 = r.keys[1]!;
    expect(k2.attempts.map((a) => [a.outcome, a.failure?.kind])).toEqual([["DESTROYED", "RECEIPT_MISMATCH"], ["DESTROYED", "RECEIPT_MISMATCH"], ["DESTROYED", "RECEIPT_MISMATCH"]]);
    for (const a of k2.attempts) expect(a.delivered).not.toEqual(a.hubKey);
    expect(new Set(k2.attempts.map((a) => Buffer.from(a.hubKey).toString("hex"))).size).toBe(3); // new material each time
    expect(compromisedBy(r, "r2")).toEqual(new Set(["k1"]));
  });

  it("retries a key hit by a flipped pad byte with new material and new pad", () => {
    const { mesh, devices } = line();
    const faults = [{ atMs: 0, inject: () => devices.injectFault("hub--r1", { kind: "flip", end: "B", index: 40 }) }];
    const r = simulateRelay(mesh, [key("k1", TO_EP2, 100), key("k2", TO_EP2, 100)], { devices, tagger: hmacReceiptTagger, rng: new Prng(5), faults });
    expect(r.keys.map((k) => [k.outcome, k.attempts.length])).toEqual([["DELIVERED", 1], ["DELIVERED", 2]]);
    expect(r.keys[1]!.attempts.map((a) => a.hops[0]!.sender)).toEqual([{ start: 32, end: 64 }, { start: 64, end: 96 }]);
    expect(r.keys[1]!.deliveredEqualsHub).toBe(true);
  });

  it("refuses bad routes without touching a pad", () => {
    const { mesh, devices } = line();
    const r = simulateRelay(mesh, [key("k1", ["hub", "r2", "ep1"], 0), key("k2", ["hub", "r1", "ep2", "x"], 0), key("k3", TO_EP2, 0, 0)], { devices, tagger: hmacReceiptTagger, rng: new Prng(6) });
    expect(r.keys.map((k) => k.outcome)).toEqual(["BAD_ROUTE", "BAD_ROUTE", "BAD_ROUTE"]);
    expect(r.ledgers.every((l) => l.used === 0)).toBe(true);
  });

  it("plays keys in order of time and reports them in the order given", () => {
    const { mesh, devices } = line();
    const r = simulateRelay(mesh, [key("late", TO_EP2, 500), key("early", TO_EP2, 100)], { devices, tagger: hmacReceiptTagger, rng: new Prng(7) });
    expect(r.keys.map((k) => [k.keyId, k.attempts[0]!.atMs, k.attempts[0]!.hops[0]!.sender.start])).toEqual([["late", 500, 32], ["early", 100, 0]]);
  });

  it("takes link rates from the decoy-state model", () => {
    expect(decoyStateRateBps({ lengthKm: 50 })).toBeGreaterThan(150_000);
    expect(decoyStateRateBps({ lengthKm: 50 })).toBeLessThan(300_000);
    expect(decoyStateRateBps({ lengthKm: 100 })).toBeLessThan(decoyStateRateBps({ lengthKm: 50 }) / 5);
    expect(decoyStateRateBps({ lengthKm: 50, eavesdropper: true })).toBe(0);
  });
});
