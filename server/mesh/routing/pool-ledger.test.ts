import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { MeshLink } from "../../domain/mesh/mesh-model";
import { PoolExhaustedError, PoolLedger } from "./pool-ledger";

const link = (id: string, poolBits: number) => ({ id, poolBits }) as MeshLink;

describe("pool ledger", () => {
  it("spends the key's size on every hop, all or nothing", () => {
    const pools = new Map([["a", link("a", 1000)], ["b", link("b", 300)]]);
    const ledger = new PoolLedger((id) => pools.get(id));
    ledger.spend(["a", "b"], 256);
    expect(ledger.available("a")).toBe(744);
    expect(ledger.available("b")).toBe(44);
    expect(() => ledger.spend(["a", "b"], 256)).toThrow(PoolExhaustedError);
    // The refused spend took nothing from a.
    expect(ledger.available("a")).toBe(744);
    expect([...ledger.debits()]).toEqual([["a", 256], ["b", 256]]);
  });

  it("charges a link twice when a route uses it twice", () => {
    const ledger = new PoolLedger(() => link("a", 500));
    expect(() => ledger.spend(["a", "a"], 256)).toThrow(/500 pool bits; 512 are needed/);
  });

  it("refuses non-positive or fractional spends and unknown links", () => {
    const ledger = new PoolLedger(() => undefined);
    expect(() => ledger.spend(["x"], 0)).toThrow(RangeError);
    expect(() => ledger.spend(["x"], 1.5)).toThrow(RangeError);
    expect(() => ledger.spend(["x"], 1)).toThrow(PoolExhaustedError);
  });

  it("never lets a pool go negative nor spends a bit twice, whatever the sequence of spends", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 5_000 }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.tuple(fc.array(fc.nat(5), { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 2_000 })), { maxLength: 40 }),
        (sizes, spends) => {
          const pools = new Map(sizes.map((s, i) => [`l${i}`, link(`l${i}`, s)]));
          const ledger = new PoolLedger((id) => pools.get(id));
          const accepted = new Map<string, number>();
          for (const [path, bits] of spends) {
            const ids = path.map((i) => `l${i % sizes.length}`);
            try {
              ledger.spend(ids, bits);
              for (const id of ids) accepted.set(id, (accepted.get(id) ?? 0) + bits);
            } catch (e) {
              expect(e).toBeInstanceOf(PoolExhaustedError);
            }
          }
          for (const [id, l] of pools) {
            expect(ledger.available(id)).toBeGreaterThanOrEqual(0);
            expect(ledger.debits().get(id) ?? 0).toBe(accepted.get(id) ?? 0);
            expect(ledger.available(id)).toBe(l.poolBits - (accepted.get(id) ?? 0));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
