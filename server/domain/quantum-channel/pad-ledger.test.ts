import { describe, expect, it } from "vitest";
import { PadLedger } from "./pad-ledger";

const bytes = (from: number, n: number) => Uint8Array.from({ length: n }, (_, i) => (from + i) & 0xff);

describe("pad ledger", () => {
  it("takes consecutive ranges of what was delivered, and refuses to go past it", () => {
    const l = new PadLedger("a--b", "A");
    expect(l.deliver({ index: 0, bytes: bytes(0, 100) })).toEqual({ ok: true });
    const first = l.take(40);
    const second = l.take(50);
    expect(first).toEqual({ ok: true, slice: { index: 0, bytes: bytes(0, 40) } });
    expect(second).toEqual({ ok: true, slice: { index: 40, bytes: bytes(40, 50) } });
    expect(l.available).toBe(10);
    expect(l.take(11)).toEqual({ ok: false, reason: "SHORT" });
    expect(l.available).toBe(10);
    expect(l.usedBytes).toBe(90);
    expect(l.take(0)).toEqual({ ok: false, reason: "BAD_LENGTH" });
  });

  it("accepts only deliveries that continue the run", () => {
    const l = new PadLedger("a--b", "B");
    l.deliver({ index: 0, bytes: bytes(0, 10) });
    expect(l.deliver({ index: 12, bytes: bytes(12, 4) })).toEqual({ ok: false, reason: "GAP" });
    expect(l.deliver({ index: 5, bytes: bytes(5, 10) })).toEqual({ ok: false, reason: "REUSE" });
    expect(l.delivered).toBe(10);
  });

  it("lets a receiver claim exactly the announced range, once", () => {
    const l = new PadLedger("a--b", "B");
    l.deliver({ index: 0, bytes: bytes(0, 100) });
    expect(l.claim({ start: 20, end: 30 })).toEqual({ ok: true, slice: { index: 20, bytes: bytes(20, 10) } });
    expect(l.claim({ start: 25, end: 35 })).toEqual({ ok: false, reason: "REUSE" });
    expect(l.claim({ start: 20, end: 30 })).toEqual({ ok: false, reason: "REUSE" });
    expect(l.claim({ start: 95, end: 105 })).toEqual({ ok: false, reason: "SHORT" });
    // Bytes below a used range that were never used stay claimable once; the sender side moves past the highest use.
    expect(l.claim({ start: 0, end: 20 }).ok).toBe(true);
    expect(l.take(5)).toEqual({ ok: true, slice: { index: 30, bytes: bytes(30, 5) } });
    expect(l.usedRanges()).toEqual([{ start: 0, end: 35 }]);
  });

  it("wipes used bytes and drops them from the store, still refusing their reuse", () => {
    const l = new PadLedger("a--b", "A");
    for (let i = 0; i < 10; i++) l.deliver({ index: i * 1000, bytes: bytes(i * 1000, 1000) });
    for (let i = 0; i < 9; i++) expect(l.take(1000).ok).toBe(true);
    expect(l.claim({ start: 10, end: 20 })).toEqual({ ok: false, reason: "REUSE" });
    expect(l.take(1000)).toEqual({ ok: true, slice: { index: 9000, bytes: bytes(9000, 1000) } });
    expect(l.usedBytes).toBe(10_000);
    expect(l.available).toBe(0);
  });

  it("discardBelow gives up the bytes below an index: they can never be used, later ones still can", () => {
    const l = new PadLedger("l", "A");
    l.deliver({ index: 0, bytes: new Uint8Array(100).fill(5) });
    expect(l.claim({ start: 10, end: 20 }).ok).toBe(true);
    l.discardBelow(50);
    expect(l.floor).toBe(50);
    expect(l.claim({ start: 40, end: 60 })).toEqual({ ok: false, reason: "REUSE" });
    const r = l.claim({ start: 50, end: 60 });
    expect(r.ok && r.slice.bytes.every((b) => b === 5)).toBe(true);
    expect(l.usedBytes).toBe(20);
    l.discardBelow(200);
    expect(l.delivered).toBe(200);
    expect(l.deliver({ index: 200, bytes: new Uint8Array(4) })).toEqual({ ok: true });
  });

  it("holds memory for the unused bytes it keeps, not for the stream: ranges used in order, out of order, and behind a gap", () => {
    const window = 64 * 1024;
    for (const scenario of ["in order", "reversed in eights", "behind a gap"] as const) {
      const l = new PadLedger("a--b", "B");
      let peak = 0;
      let wrong = 0;
      const first = scenario === "behind a gap" ? 32 : 0; // [0, 32) is not used: the run at the base stays open until the window passes it
      for (let k = 0; k < 20_000; k++) {
        const slot = scenario === "reversed in eights" ? (k & ~7) + (7 - (k & 7)) : k;
        const start = first + slot * 32;
        // What a link end does (PadStreams.use): give up what lies a window behind, pull the device up to the range.
        if (start + 32 - window > l.floor) l.discardBelow(start + 32 - window);
        if (l.delivered < start + 32 && !l.deliver({ index: l.delivered, bytes: bytes(l.delivered, start + 32 - l.delivered) }).ok) wrong++;
        const r = l.claim({ start, end: start + 32 });
        if (!r.ok || r.slice.index !== start || r.slice.bytes.some((b, i) => b !== ((start + i) & 0xff))) wrong++;
        peak = Math.max(peak, l.storeBytes);
      }
      expect(wrong, scenario).toBe(0);
      expect(l.usedBytes, scenario).toBe(20_000 * 32);
      // In order, or nearly, the used run at the base is dropped at once; behind a gap, up to the window is kept...
      expect(peak, scenario).toBeLessThanOrEqual(scenario === "behind a gap" ? 4 * window : 4096);
      // ...and once the window has passed the gap, the store shrinks back to what is kept.
      expect(l.storeBytes, scenario).toBeLessThanOrEqual(4096);
    }
  });
});
