import { describe, expect, it } from "vitest";
import { QkdDevicePair, SimulatedQkdNetwork } from "./qkd-device";

const seed = new Uint8Array(32).fill(7);
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

function take(pair: QkdDevicePair, end: "A" | "B", n: number) {
  const r = pair.take(end, n);
  if (r.status !== "OK") throw new Error("insufficient");
  return r;
}

describe("simulated QKD device pair", () => {
  it("gives both ends the same bytes at the same index, whatever the chunking", () => {
    const pair = new QkdDevicePair("a--b", seed, 8_000, 10_000);
    pair.advanceTo(1_000);
    const a = [take(pair, "A", 10), take(pair, "A", 50), take(pair, "A", 40)];
    const b = [take(pair, "B", 33), take(pair, "B", 67)];
    expect(a.map((s) => s.index)).toEqual([0, 10, 60]);
    expect(b.map((s) => s.index)).toEqual([0, 33]);
    const joined = (xs: { bytes: Uint8Array }[]) => hex(Buffer.concat(xs.map((x) => x.bytes)));
    expect(joined(a)).toBe(joined(b));
    expect(new Set(joined(a).match(/../g)).size).toBeGreaterThan(50);
  });

  it("produces key at the link's rate, up to the buffer capacity counted from the slower end", () => {
    const pair = new QkdDevicePair("a--b", seed, 8_000, 1_500);
    expect(pair.available("A")).toBe(0);
    pair.advanceTo(500);
    expect(pair.available("A")).toBe(500);
    pair.advanceTo(10_000);
    expect(pair.available("A")).toBe(1_500);
    take(pair, "A", 1_000);
    pair.advanceTo(20_000);
    // B has taken nothing: the buffer is still full for B, so nothing more is produced.
    expect(pair.available("A")).toBe(500);
    expect(pair.available("B")).toBe(1_500);
    take(pair, "B", 1_000);
    pair.advanceTo(20_125);
    expect(pair.available("B")).toBe(625);
    expect(() => pair.advanceTo(1)).toThrow(/went back/);
  });

  it("answers INSUFFICIENT_KEY without taking anything", () => {
    const pair = new QkdDevicePair("a--b", seed, 800, 1_000);
    pair.advanceTo(100);
    expect(pair.take("A", 11)).toEqual({ status: "INSUFFICIENT_KEY", available: 10 });
    expect(take(pair, "A", 10).index).toBe(0);
  });

  it("injects desynchronisation: a skipping end is shifted from then on, a flipped byte differs at one index", () => {
    const pair = new QkdDevicePair("a--b", seed, 80_000, 100_000, { initialBytes: 1_000 });
    pair.injectFault({ kind: "flip", end: "B", index: 5 });
    const a = take(pair, "A", 10).bytes;
    const b = take(pair, "B", 10).bytes;
    expect([...a].map((x, i) => (x === b[i] ? 0 : x ^ b[i]!))).toEqual([0, 0, 0, 0, 0, 1, 0, 0, 0, 0]);
    pair.injectFault({ kind: "skip", end: "A", bytes: 3 });
    const a2 = take(pair, "A", 20);
    const b2 = take(pair, "B", 23);
    expect(a2.index).toBe(10);
    expect(hex(a2.bytes)).not.toBe(hex(b2.bytes.subarray(0, 20)));
    expect(hex(a2.bytes)).toBe(hex(b2.bytes.subarray(3)));
  });

  it("derives a different stream per link from the network seed, deterministically", () => {
    const make = () => new SimulatedQkdNetwork({ seed: "net", links: [{ id: "x", secretKeyRateBps: 800 }, { id: "y", secretKeyRateBps: 800 }], capacityBytes: 100, initialBytes: 16 });
    const n1 = make();
    const n2 = make();
    const get = (n: SimulatedQkdNetwork, link: string, end: "A" | "B" = "A") => {
      const r = n.open(link, end).getKey(16);
      return r.status === "OK" ? hex(r.bytes) : "";
    };
    expect(get(n1, "x")).toBe(get(n2, "x"));
    expect(get(n1, "y")).not.toBe(get(n1, "x", "B"));
  });

  it("opens one stream per end (ETSI 004 OPEN_CONNECT / CLOSE)", () => {
    const net = new SimulatedQkdNetwork({ seed: "net", links: [{ id: "x", secretKeyRateBps: 800 }], capacityBytes: 100 });
    const s = net.open("x", "B");
    expect(s).toMatchObject({ keyStreamId: "x", linkId: "x", end: "B" });
    expect(() => net.open("x", "B")).toThrow(/already open/);
    net.advanceTo(1_000);
    expect(s.available()).toBe(100);
    s.close();
    expect(() => s.getKey(1)).toThrow(/closed/);
    expect(() => net.open("nope", "A")).toThrow(/No QKD device pair/);
  });
});
