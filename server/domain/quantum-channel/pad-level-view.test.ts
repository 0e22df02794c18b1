/** The console's view of a link's pads: available = delivered - used per end and direction, in bytes and 256-bit keys. */
import { describe, expect, it } from "vitest";
import { KEY_BYTES, linkPadsView, reportedPoolBits } from "./pad-level-view";

const at = "2026-12-07T10:00:00.000Z";
const later = "2026-12-07T10:00:05.000Z";

describe("linkPadsView", () => {
  it("computes what is left per end and direction, A first, A>B first, and the link's bottleneck", () => {
    const v = linkPadsView({
      linkId: "a--b",
      desync: null,
      ends: [
        { end: "B", direction: "B>A", nodeId: "b", deliveredBytes: 4096, usedBytes: 1024, reportedAt: at },
        { end: "B", direction: "A>B", nodeId: "b", deliveredBytes: 4096, usedBytes: 2048, reportedAt: later },
        { end: "A", direction: "A>B", nodeId: "a", deliveredBytes: 4096 + 31, usedBytes: 2048, reportedAt: at },
      ],
    });
    expect(v.ends.map((e) => [e.end, e.nodeId, e.reportedAt, e.streams.map((s) => [s.direction, s.availableBytes, s.availableKeys])])).toEqual([
      ["A", "a", at, [["A>B", 2048 + 31, 64]]],
      ["B", "b", later, [["A>B", 2048, 64], ["B>A", 3072, 96]]],
    ]);
    expect(v.availableKeys).toBe(64);
    expect(KEY_BYTES).toBe(32);
  });

  it("never shows a negative level, and says when nothing was reported", () => {
    const v = linkPadsView({ linkId: "x", desync: null, ends: [{ end: "A", direction: "B>A", nodeId: "a", deliveredBytes: 10, usedBytes: 50, reportedAt: at }] });
    expect(v.ends[0]!.streams[0]).toMatchObject({ availableBytes: 0, availableKeys: 0 });
    expect(linkPadsView({ linkId: "y", desync: null, ends: [] })).toEqual({ linkId: "y", ends: [], desync: null, availableKeys: null });
  });

  it("carries a desync with its key id and time", () => {
    const d = { direction: "A>B" as const, keyId: "5b0c0c8e-0000-4000-8000-000000000001", detectedAt: at };
    expect(linkPadsView({ linkId: "z", ends: [], desync: { ...d } }).desync).toEqual(d);
  });
});

describe("reportedPoolBits (the hub's pool figure from its ends' reports)", () => {
  const end = (e: "A" | "B", direction: "A>B" | "B>A", deliveredBytes: number, usedBytes: number) => ({ end: e, direction, deliveredBytes, usedBytes });

  it("is null until both ends reported one direction", () => {
    expect(reportedPoolBits([], {}, 1e9)).toBeNull();
    expect(reportedPoolBits([end("A", "A>B", 4096, 0), end("B", "B>A", 4096, 0)], {}, 1e9)).toBeNull();
  });

  it("counts the bytes both devices delivered beyond the furthest used or reserved, on the scarcer direction, in bits", () => {
    const ends = [end("A", "A>B", 10_000, 1_000), end("B", "A>B", 9_000, 2_000), end("A", "B>A", 10_000, 0), end("B", "B>A", 10_000, 0)];
    expect(reportedPoolBits(ends, {}, 1e9)).toBe((9_000 - 2_000) * 8); // A>B: the smaller delivery, the larger use
    expect(reportedPoolBits(ends, { "A>B": 3_000 }, 1e9)).toBe((9_000 - 3_000) * 8); // reserved by the hub since
    expect(reportedPoolBits(ends, { "B>A": 9_500 }, 1e9)).toBe(500 * 8); // B>A is now the scarcer
  });

  it("never goes below zero nor above the capacity", () => {
    expect(reportedPoolBits([end("A", "A>B", 100, 0), end("B", "A>B", 100, 0)], { "A>B": 400 }, 1e9)).toBe(0);
    expect(reportedPoolBits([end("A", "A>B", 1_000, 0), end("B", "A>B", 1_000, 0)], {}, 4_000)).toBe(4_000);
  });
});
