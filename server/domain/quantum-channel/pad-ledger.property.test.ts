/**
 * Property test of the pad ledger alone: arbitrary sequences of deliveries,
 * takes and claims (valid and not). Checked after each step against a model
 * (a byte map of what was delivered and used): no byte is handed out twice,
 * every handed-out byte is the one delivered at that offset, nothing is handed
 * out past what was delivered, and the counts never go negative.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PadLedger } from "./pad-ledger";

type Op =
  | { kind: "deliver"; n: number; skew: number }
  | { kind: "take"; n: number }
  | { kind: "claim"; start: number; n: number }
  | { kind: "discard"; below: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("deliver" as const), n: fc.integer({ min: 0, max: 300 }), skew: fc.constantFrom(0, 0, 0, -1, 1) }),
  fc.record({ kind: fc.constant("take" as const), n: fc.integer({ min: -1, max: 200 }) }),
  fc.record({ kind: fc.constant("claim" as const), start: fc.integer({ min: 0, max: 3_000 }), n: fc.integer({ min: 0, max: 200 }) }),
  fc.record({ kind: fc.constant("discard" as const), below: fc.integer({ min: 0, max: 3_500 }) }),
);
const byteAt = (i: number) => (i * 37 + (i >> 8)) & 0xff;

describe("pad ledger properties", () => {
  it("hands out each delivered byte at most once, as delivered, never past delivery", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const l = new PadLedger("x--y", "A");
        let delivered = 0;
        let floor = 0;
        const handedOut = new Set<number>();
        for (const o of ops) {
          if (o.kind === "discard") {
            // Bytes below the floor are given up: never handed out after, not counted as used.
            l.discardBelow(o.below);
            floor = Math.max(floor, o.below);
            delivered = Math.max(delivered, floor);
          } else if (o.kind === "deliver") {
            const index = delivered + o.skew;
            const r = l.deliver({ index, bytes: Uint8Array.from({ length: o.n }, (_, i) => byteAt(index + i)) });
            expect(r.ok).toBe(o.skew === 0);
            if (r.ok) delivered += o.n;
          } else {
            const r = o.kind === "take" ? l.take(o.n) : l.claim({ start: o.start, end: o.start + o.n });
            if (r.ok) {
              const { index, bytes } = r.slice;
              expect(index + bytes.length).toBeLessThanOrEqual(delivered);
              bytes.forEach((b, i) => {
                expect(index + i, `byte ${index + i} is below the floor ${floor}`).toBeGreaterThanOrEqual(floor);
                expect(handedOut.has(index + i), `byte ${index + i} handed out twice`).toBe(false);
                handedOut.add(index + i);
                expect(b).toBe(byteAt(index + i));
              });
            } else if (o.kind === "claim" && o.n > 0) {
              const overlaps = o.start < floor || [...Array(o.n).keys()].some((i) => handedOut.has(o.start + i));
              expect(r.reason).toBe(overlaps ? "REUSE" : "SHORT");
            }
          }
          expect(l.delivered).toBe(delivered);
          expect(l.floor).toBeGreaterThanOrEqual(floor);
          expect(l.usedBytes).toBe(handedOut.size);
          expect(l.available).toBeGreaterThanOrEqual(0);
          expect(l.usedBytes).toBeLessThanOrEqual(l.delivered);
        }
      }),
      { numRuns: 300, seed: 18 },
    );
  });
});
