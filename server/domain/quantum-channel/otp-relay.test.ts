import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  decryptAtEndpoint, encryptHop, makeReceipt, PadMismatchError, planHops, relayHop, RouteError, verifyReceipt, xor, type ReceiptTagger, type RouteNode,
} from "./otp-relay";

const tagger: ReceiptTagger = (key, ctx) => new Uint8Array(createHmac("sha256", key).update(ctx).digest());
const nodes = new Map<string, RouteNode>([
  ["hub", { id: "hub", role: "HUB" }],
  ["r1", { id: "r1", role: "RELAY" }],
  ["r2", { id: "r2", role: "RELAY" }],
  ["ep", { id: "ep", role: "ENDPOINT" }],
  ["ep2", { id: "ep2", role: "ENDPOINT" }],
]);
const links = [
  { id: "hub--r1", aNodeId: "hub", bNodeId: "r1" },
  { id: "r1--r2", aNodeId: "r1", bNodeId: "r2" },
  { id: "ep--r2", aNodeId: "ep", bNodeId: "r2" },
  { id: "ep2--r1", aNodeId: "ep2", bNodeId: "r1" },
];
const rand = (n: number, s: number) => Uint8Array.from({ length: n }, (_, i) => (i * 131 + s * 17 + 7) & 0xff);

describe("one-time-pad relay", () => {
  it("plans the hops of a route with each node's end of each link", () => {
    expect(planHops(["hub", "r1", "r2", "ep"], nodes, links)).toEqual([
      { linkId: "hub--r1", from: "hub", to: "r1", fromEnd: "A", toEnd: "B" },
      { linkId: "r1--r2", from: "r1", to: "r2", fromEnd: "A", toEnd: "B" },
      { linkId: "ep--r2", from: "r2", to: "ep", fromEnd: "B", toEnd: "A" },
    ]);
  });

  it.each([
    [["hub"], /at least two/],
    [["r1", "r2"], /starts at the hub/],
    [["hub", "r1", "ep2", "r1"], /twice/],
    [["hub", "r1", "ep2", "x"], /Unknown node/],
    [["hub", "r2"], /No link/],
    [["hub", "r1", "ep2"], null],
  ] as const)("refuses a bad route %j", (route, error) => {
    if (error) expect(() => planHops(route, nodes, links)).toThrow(RouteError);
    if (error) expect(() => planHops(route, nodes, links)).toThrow(error);
    else expect(planHops(route, nodes, links)).toHaveLength(2);
  });

  it("refuses an endpoint in the middle of a route", () => {
    const l2 = [...links, { id: "ep2--r2", aNodeId: "ep2", bNodeId: "r2" }];
    expect(() => planHops(["hub", "r1", "ep2", "r2", "ep"], nodes, l2)).toThrow(/cannot relay/);
  });

  it("carries the key hop by hop: relays see it, the endpoint gets it, the receipt confirms it", () => {
    const key = rand(32, 1);
    const p1 = { index: 64, bytes: rand(32, 2) };
    const p2 = { index: 0, bytes: rand(32, 3) };
    const m1 = encryptHop("k1", key, "hub--r1", p1);
    expect(m1.index).toBe(64);
    expect(m1.ciphertext).toEqual(xor(key, p1.bytes));
    const { outgoing, seen } = relayHop(m1, { index: 64, bytes: p1.bytes.slice() }, "r1--r2", p2);
    expect(seen).toEqual(key);
    const got = decryptAtEndpoint(outgoing, { index: 0, bytes: p2.bytes.slice() });
    expect(got).toEqual(key);
    expect(verifyReceipt("k1", 1, key, makeReceipt("k1", 1, got, tagger), tagger)).toBe(true);
    // A receipt binds the key id and the attempt.
    expect(verifyReceipt("k1", 2, key, makeReceipt("k1", 1, got, tagger), tagger)).toBe(false);
    expect(verifyReceipt("k2", 1, key, makeReceipt("k1", 1, got, tagger), tagger)).toBe(false);
  });

  it("a desynchronised pad gives the endpoint other bytes, and the receipt fails", () => {
    const key = rand(32, 1);
    const pad = rand(32, 2);
    const skewed = pad.slice();
    skewed[7]! ^= 0x10;
    const got = decryptAtEndpoint(encryptHop("k1", key, "hub--r1", { index: 0, bytes: pad }), { index: 0, bytes: skewed });
    expect(got).not.toEqual(key);
    expect(verifyReceipt("k1", 1, key, makeReceipt("k1", 1, got, tagger), tagger)).toBe(false);
  });

  it("refuses a pad at another index or of another length", () => {
    const m = encryptHop("k1", rand(16, 1), "hub--r1", { index: 16, bytes: rand(16, 2) });
    expect(() => decryptAtEndpoint(m, { index: 0, bytes: rand(16, 2) })).toThrow(PadMismatchError);
    expect(() => decryptAtEndpoint(m, { index: 16, bytes: rand(15, 2) })).toThrow(PadMismatchError);
  });
});
