/** The fast leaf path (entry text + entryHash) must give leafText's bytes for every entry, including the awkward ones, or fall back to it. */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { leafText } from "../../domain/audit/audit-leaf";
import type { AuditEntryRecord, JsonValue } from "../../domain/audit/types";
import { computeEntryHash, entryTextOf } from "../entry-hash";
import { leafHashOf, leafHashOfText, leafTextFromEntryText } from "./leaf-hash";

function entry(over: Partial<AuditEntryRecord> = {}): AuditEntryRecord {
  const e = {
    seq: 7n, at: new Date("2026-01-02T03:04:05.678Z"), actor: "operator:alice", action: "KEY_ACTIVATED",
    subjectType: "key", subjectId: "key-1", fromState: "DISTRIBUTED", toState: "ACTIVE",
    details: { bits: 256 } as JsonValue, prevHash: "ab".repeat(32), ...over,
  };
  return { ...e, entryHash: over.entryHash ?? computeEntryHash(e) };
}

const fast = (e: AuditEntryRecord) => leafTextFromEntryText(entryTextOf(e), e.entryHash);

describe("leafTextFromEntryText", () => {
  it("equals leafText, also where details or strings look like the keys it splits on", () => {
    const cases = [
      entry(),
      entry({ details: { fromState: "x", '"fromState":': 1, nested: { fromState: null } } }),
      entry({ subjectId: '","fromState":"', actor: '"fromState":', fromState: null, toState: null }),
      entry({ toState: '"fromState":"evil"', details: {} }),
      entry({ details: { "é": "\u2028", list: [1, -0, 1.5e-7] } }),
    ];
    for (const e of cases) expect(fast(e)).toBe(leafText(e));
  });

  it("equals leafText for arbitrary entries (property)", () => {
    const json = fc.jsonValue() as fc.Arbitrary<JsonValue>;
    fc.assert(
      fc.property(
        fc.record({ actor: fc.string(), subjectId: fc.string(), fromState: fc.option(fc.string()), details: fc.dictionary(fc.string(), json) }),
        (r) => {
          let e: AuditEntryRecord;
          try {
            e = entry({ ...r, details: r.details as JsonValue });
          } catch {
            return; // not canonical JSON (e.g. lone surrogates): hashing refuses it either way
          }
          expect(fast(e)).toBe(leafText(e));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("leafHashOf falls back to leafText for an entry the fast path refuses", () => {
    const e = { ...entry(), prevHash: "not a hash" };
    expect(() => entryTextOf(e)).toThrow(/prevHash/);
    expect(leafHashOf(e)).toEqual(leafHashOfText(leafText(e)));
  });
});
