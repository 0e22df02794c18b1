/**
 * Unit tests for the entry hash: the golden vector that pins the canonical
 * form, domain separation, sensitivity to every hashed field, and the
 * linking done by chainEntries.
 */

import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CanonicalJsonError } from "../domain/audit/canonical-json";
import {
  AUDIT_HASH_DOMAIN,
  AuditEntryFormatError,
  GENESIS_HASH,
  canonicalEntryBytes,
  chainEntries,
  chainEntryTexts,
  computeEntryHash,
  entryTextOf,
  entryTextWith,
  hashEntryText,
} from "./entry-hash";
import { canonicalJson } from "../domain/audit/canonical-json";
import type { AuditEntryDraft, UnhashedAuditEntry } from "../domain/audit/types";

function sampleEntry(): UnhashedAuditEntry {
  return {
    seq: 42n,
    at: new Date("2025-03-14T09:26:53.589Z"),
    actor: "operator:alice",
    action: "KEY_ACTIVATED",
    subjectType: "key",
    subjectId: "key-7f3a",
    fromState: "DISTRIBUTED",
    toState: "ACTIVE",
    details: {
      reason: "scheduled rotation\nper policy",
      nodes: ["node-b", "node-a"],
      "ünïcødé": "Zürich → Genève",
      bits: 256,
      ratio: 0.125,
      nested: { z: null, a: true },
    },
    prevHash: "0123456789abcdef".repeat(4),
  };
}

describe("constants", () => {
  it("has a 64-zero genesis hash and the V1 domain", () => {
    expect(GENESIS_HASH).toMatch(/^0{64}$/);
    expect(AUDIT_HASH_DOMAIN).toBe("QECNET-AUDIT-ENTRY-V1");
  });
});

describe("golden vector", () => {
  // These literals were computed once (and cross-checked with an independent
  // Python json.dumps(sort_keys=True) + hashlib run) and are hard-coded on
  // purpose. If this test fails, the canonical form or the hash construction
  // changed, which would make every stored audit hash unverifiable. Do not
  // update the literals; introduce a V2 format instead.
  const GOLDEN_CANONICAL =
    '{"action":"KEY_ACTIVATED","actor":"operator:alice","at":"2025-03-14T09:26:53.589Z",' +
    '"details":{"bits":256,"nested":{"a":true,"z":null},"nodes":["node-b","node-a"],"ratio":0.125,' +
    '"reason":"scheduled rotation\\nper policy","ünïcødé":"Zürich → Genève"},"fromState":"DISTRIBUTED",' +
    '"prevHash":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","seq":"42",' +
    '"subjectId":"key-7f3a","subjectType":"key","toState":"ACTIVE","v":1}';
  const GOLDEN_HASH = "125792f71ef5dc6c5bfe44b439d111acec213a1cd7ac093544f5967ed9bdaa2c";

  it("canonical bytes are exactly the pinned UTF-8 text", () => {
    expect(canonicalEntryBytes(sampleEntry()).equals(Buffer.from(GOLDEN_CANONICAL, "utf8"))).toBe(true);
  });

  it("entry hash is exactly the pinned hex", () => {
    expect(computeEntryHash(sampleEntry())).toBe(GOLDEN_HASH);
  });
});

describe("computeEntryHash", () => {
  it("formats the time of the Date it is given now, also when the same Date object was hashed before with another time", () => {
    const shared = new Date(Date.UTC(2027, 0, 15, 8, 0, 0, 120));
    const first = computeEntryHash({ ...sampleEntry(), at: shared });
    expect(computeEntryHash({ ...sampleEntry(), at: shared })).toBe(first);
    shared.setTime(shared.getTime() + 1);
    const moved = computeEntryHash({ ...sampleEntry(), at: shared });
    expect(moved).not.toBe(first);
    expect(moved).toBe(computeEntryHash({ ...sampleEntry(), at: new Date(Date.UTC(2027, 0, 15, 8, 0, 0, 121)) }));
    expect(canonicalEntryBytes({ ...sampleEntry(), at: shared }).toString("utf8")).toContain('"at":"2027-01-15T08:00:00.121Z"');
  });

  it("is 64 lowercase hex and deterministic", () => {
    const hash = computeEntryHash(sampleEntry());
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(computeEntryHash(sampleEntry())).toBe(hash);
  });

  it("is domain-separated: not the plain SHA-256 of the canonical bytes", () => {
    const bytes = canonicalEntryBytes(sampleEntry());
    const plain = createHash("sha256").update(bytes).digest("hex");
    const withDomain = createHash("sha256")
      .update(Buffer.concat([Buffer.from(AUDIT_HASH_DOMAIN, "utf8"), Buffer.of(0), bytes]))
      .digest("hex");
    expect(computeEntryHash(sampleEntry())).not.toBe(plain);
    expect(computeEntryHash(sampleEntry())).toBe(withDomain);
  });

  it("does not depend on the key order of details", () => {
    const reordered = {
      ...sampleEntry(),
      details: {
        nested: { a: true, z: null },
        ratio: 0.125,
        bits: 256,
        "ünïcødé": "Zürich → Genève",
        nodes: ["node-b", "node-a"],
        reason: "scheduled rotation\nper policy",
      },
    };
    expect(computeEntryHash(reordered)).toBe(computeEntryHash(sampleEntry()));
  });

  const changes: Array<[string, (e: UnhashedAuditEntry) => UnhashedAuditEntry]> = [
    ["seq", (e) => ({ ...e, seq: e.seq + 1n })],
    ["at (one millisecond)", (e) => ({ ...e, at: new Date(e.at.getTime() + 1) })],
    ["actor", (e) => ({ ...e, actor: "operator:mallory" })],
    ["action", (e) => ({ ...e, action: "KEY_REVOKED" })],
    ["subjectType", (e) => ({ ...e, subjectType: "node" })],
    ["subjectId", (e) => ({ ...e, subjectId: "key-7f3b" })],
    ["fromState", (e) => ({ ...e, fromState: "GENERATED" })],
    ["fromState to null", (e) => ({ ...e, fromState: null })],
    ["toState", (e) => ({ ...e, toState: "REVOKED" })],
    ["toState null vs the string \"null\"", (e) => ({ ...e, toState: "null" })],
    ["details (a nested value)", (e) => ({ ...e, details: { ...(e.details as object), nested: { z: null, a: false } } })],
    ["details (an added key)", (e) => ({ ...e, details: { ...(e.details as object), extra: 1 } })],
    ["details (array order)", (e) => ({ ...e, details: { ...(e.details as object), nodes: ["node-a", "node-b"] } })],
    ["details (number vs string)", (e) => ({ ...e, details: { ...(e.details as object), bits: "256" } })],
    ["prevHash", (e) => ({ ...e, prevHash: GENESIS_HASH })],
    ["a boundary shift between subjectType and subjectId", (e) => ({ ...e, subjectType: "keyk", subjectId: "ey-7f3a" })],
  ];

  it.each(changes)("changes when %s changes", (_field, change) => {
    const base = sampleEntry();
    const changed = change(sampleEntry());
    expect(computeEntryHash(changed)).not.toBe(computeEntryHash(base));
  });

  it("covers every field of the entry (the table above must grow with the type)", () => {
    const fields = new Set(changes.map(([label]) => label.split(" ")[0]));
    expect([...Object.keys(sampleEntry())].filter((f) => !fields.has(f))).toEqual([]);
  });

  it("refuses malformed entries instead of hashing something ambiguous", () => {
    expect(() => computeEntryHash({ ...sampleEntry(), seq: 42 as unknown as bigint })).toThrow(AuditEntryFormatError);
    expect(() => computeEntryHash({ ...sampleEntry(), at: new Date(Number.NaN) })).toThrow(/"at" must be a valid Date/);
    expect(() => computeEntryHash({ ...sampleEntry(), prevHash: "AB".repeat(32) })).toThrow(/"prevHash"/);
    expect(() => computeEntryHash({ ...sampleEntry(), details: [1, 2] })).toThrow(/"details" must be a JSON object/);
    expect(() => computeEntryHash({ ...sampleEntry(), actor: undefined as unknown as string })).toThrow(/"actor"/);
    expect(() => computeEntryHash({ ...sampleEntry(), details: { n: Number.NaN } })).toThrow(CanonicalJsonError);
  });
});

describe("chainEntries", () => {
  function draft(i: number): AuditEntryDraft {
    return {
      at: new Date(Date.UTC(2025, 0, 1, 0, 0, i)),
      actor: "system",
      action: "KEY_GENERATED",
      subjectType: "key",
      subjectId: `key-${i}`,
      fromState: null,
      toState: "GENERATED",
      details: { i },
    };
  }

  it("assigns consecutive seqs and links each prevHash to the previous entryHash", () => {
    const start = "ab".repeat(32);
    const records = chainEntries(start, 7n, [draft(0), draft(1), draft(2)]);
    expect(records.map((r) => r.seq)).toEqual([7n, 8n, 9n]);
    expect(records[0]?.prevHash).toBe(start);
    expect(records[1]?.prevHash).toBe(records[0]?.entryHash);
    expect(records[2]?.prevHash).toBe(records[1]?.entryHash);
    for (const r of records) expect(r.entryHash).toBe(computeEntryHash(r));
    expect(new Set(records.map((r) => r.entryHash)).size).toBe(3);
  });

  it("starts a new chain from the genesis hash", () => {
    const [first] = chainEntries(GENESIS_HASH, 1n, [draft(0)]);
    expect(first?.seq).toBe(1n);
    expect(first?.prevHash).toBe(GENESIS_HASH);
  });

  it("gives the same hashes whether entries are chained in one batch or one by one", () => {
    const batch = chainEntries(GENESIS_HASH, 1n, [draft(0), draft(1)]);
    const [one] = chainEntries(GENESIS_HASH, 1n, [draft(0)]);
    const [two] = chainEntries(one!.entryHash, 2n, [draft(1)]);
    expect(batch.map((r) => r.entryHash)).toEqual([one!.entryHash, two!.entryHash]);
  });

  it("returns an empty batch for no drafts", () => {
    expect(chainEntries(GENESIS_HASH, 1n, [])).toEqual([]);
  });

  it("keeps only the hashed fields and is not affected by later mutation of the draft", () => {
    const d = { ...draft(0), stray: "not hashed" } as AuditEntryDraft;
    const [record] = chainEntries(GENESIS_HASH, 1n, [d]);
    (d.details as { i: number }).i = 99;
    d.at.setTime(0);
    expect(record).not.toHaveProperty("stray");
    expect(record?.details).toEqual({ i: 0 });
    expect(record?.at.toISOString()).toBe("2025-01-01T00:00:00.000Z");
    expect(record?.entryHash).toBe(computeEntryHash(record!));
  });

  it("hashes exactly the canonical bytes of the generic path (the chain's spliced text equals canonicalEntryBytes)", () => {
    const base = sampleEntry();
    const variants: UnhashedAuditEntry[] = [
      base,
      { ...base, fromState: null, toState: null },
      { ...base, actor: 'operator:"zoë" \\ ops\n', action: "ÉVÉNEMENT", subjectId: "😀-key", seq: 9_007_199_254_740_993n },
      { ...base, details: {} },
      { ...base, details: { routes: [{ nodePath: ["hub", "r-1"], linkPath: [] }], "": "", "\u00e9": 1.5e-7, "-": -0 } },
    ];
    for (const e of variants) {
      expect(entryTextWith(e, canonicalJson(e.details))).toBe(canonicalEntryBytes(e).toString("utf8"));
      expect(entryTextOf(e)).toBe(canonicalEntryBytes(e).toString("utf8"));
      const [r] = chainEntries(e.prevHash, e.seq, [e]);
      expect(r!.entryHash).toBe(computeEntryHash(e));
    }
  });

  it("chainEntryTexts gives each entry's details as its canonical text, with the same hashes as chainEntries", () => {
    const drafts = [draft(0), { ...draft(1), details: { z: [1, "é"], a: { y: null, b: true } } }];
    const texts = chainEntryTexts(GENESIS_HASH, 1n, drafts);
    expect(texts.map((r) => r.detailsText)).toEqual(['{"i":0}', '{"a":{"b":true,"y":null},"z":[1,"é"]}']);
    expect(texts.map((r) => r.entryHash)).toEqual(chainEntries(GENESIS_HASH, 1n, drafts).map((r) => r.entryHash));
    expect(texts[1]!.prevHash).toBe(texts[0]!.entryHash);
  });

  it("refuses a bad start or a malformed draft", () => {
    expect(() => chainEntries("xyz", 1n, [draft(0)])).toThrow(/"prevHash"/);
    expect(() => chainEntries(GENESIS_HASH, 0n, [draft(0)])).toThrow(/"seq"/);
    expect(() => chainEntries(GENESIS_HASH, 1n, [{ ...draft(0), fromState: undefined as unknown as null }])).toThrow(/"fromState"/);
    expect(() => chainEntries(GENESIS_HASH, 1n, [{ ...draft(0), details: { big: 2n } as never }])).toThrow(CanonicalJsonError);
  });
});

describe("entryTextOf (the verifiers' fast path)", () => {
  it("refuses what canonicalEntryBytes refuses, with the same message naming the field inside details", () => {
    const bad = { ...sampleEntry(), details: { nested: { n: Number.NaN } } } as unknown as UnhashedAuditEntry;
    expect(() => canonicalEntryBytes(bad)).toThrow(CanonicalJsonError);
    expect(() => entryTextOf(bad)).toThrow(/\$\.details\.nested\.n/);
    expect(() => entryTextOf({ ...sampleEntry(), seq: 1 as unknown as bigint })).toThrow(AuditEntryFormatError);
  });

  it("is canonicalEntryBytes for every entry of a sequence whose neighbours share some fields and not others", () => {
    // The text before details and after subjectId is kept for the next entry: it must follow every field it covers.
    const base = sampleEntry();
    const at2 = new Date(base.at.getTime() + 1);
    const variants: Array<Partial<UnhashedAuditEntry>> = [
      {}, {}, { actor: "operator:bob" }, { actor: "operator:bob", action: "KEY_REVOKED" }, { action: "KEY_REVOKED" }, { at: at2 }, {},
      { subjectType: "link" }, { subjectType: "link", toState: null }, { toState: null }, { fromState: null }, { actor: "a\"quoted\u0001" }, {},
    ];
    for (const [i, v] of variants.entries()) {
      const e = { ...base, ...v, seq: BigInt(i + 1) };
      expect(entryTextOf(e), `entry ${i}`).toBe(canonicalEntryBytes(e).toString("utf8"));
    }
  });
});

describe("hashEntryText", () => {
  const streamed = (text: string) =>
    createHash("sha256").update(AUDIT_HASH_DOMAIN, "utf8").update(Uint8Array.of(0)).update(text, "utf8").digest("hex");

  it("hashes a text exactly as the streaming digest over domain, 0x00 and the UTF-8 text does, and a Buffer alike", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 300 }), (text) => {
        const expected = streamed(text);
        return hashEntryText(text) === expected && hashEntryText(Buffer.from(text, "utf8")) === expected;
      }),
      { numRuns: 2000 },
    );
  });
});
