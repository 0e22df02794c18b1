/**
 * entryPassesQuickly is the verifier's shortcut: it may only say "passes"
 * where the full per-entry checks (verifyEntryAll) find nothing. Each case
 * damages one field of a good entry in a way a tamperer or a broken writer
 * could, and holds the shortcut to the full checks' verdict; the pristine
 * entries must take the shortcut (else it saves nothing).
 */
import { describe, expect, it } from "vitest";
import { GENESIS_HASH, chainEntries, entryPassesQuickly, hashEntryText } from "./entry-hash";
import { canonicalJson } from "../domain/audit/canonical-json";
import { unhashedEntryJson } from "../domain/audit/entry-json";
import { CHAIN_START, verifyEntryAll } from "./verify-chain";
import type { AuditEntryRecord, ChainLink } from "../domain/audit/types";

const CHAIN = chainEntries(GENESIS_HASH, 1n, Array.from({ length: 12 }, (_, i) => ({
  at: new Date(Date.UTC(2026, 11, 6, 14, 0, 0, i * 7)),
  actor: i % 2 ? "operator:alice" : "system",
  action: "KEY_STATE_CHANGED",
  subjectType: "key",
  subjectId: `key-${i}`,
  fromState: i === 0 ? null : "DISTRIBUTED",
  toState: i === 11 ? null : "ACTIVE",
  details: { attempt: i, nodes: ["node-a", "node-b"], note: 'quote " backslash \\ tab \t é ✓' },
})));

const prevOf = (i: number): ChainLink => (i === 0 ? CHAIN_START : { seq: CHAIN[i - 1]!.seq, hash: CHAIN[i - 1]!.entryHash });
const copy = (e: AuditEntryRecord): AuditEntryRecord => ({ ...e, at: new Date(e.at), details: structuredClone(e.details) });

/**
 * What a tamperer who recomputes the hash would store: the hash of the entry's
 * fields as they are now, by the entry format's own recipe but without its
 * field checks (null where even that cannot be built).
 */
function forgedHash(e: Record<string, unknown>): string | null {
  try {
    return hashEntryText(canonicalJson({ v: 1, ...unhashedEntryJson(e as unknown as AuditEntryRecord) }));
  } catch {
    return null;
  }
}

type Damage = [name: string, (e: Record<string, unknown>) => void];
const DAMAGES: Damage[] = [
  ["seq one ahead", (e) => { e.seq = (e.seq as bigint) + 1n; }],
  ["seq as a number", (e) => { e.seq = Number(e.seq); }],
  ["seq as a string", (e) => { e.seq = String(e.seq); }],
  ["prevHash of another entry", (e) => { e.prevHash = "f".repeat(64); }],
  ["prevHash in upper case", (e) => { e.prevHash = (e.prevHash as string).toUpperCase(); }],
  ["entryHash in upper case", (e) => { e.entryHash = (e.entryHash as string).toUpperCase(); }],
  ["entryHash cut short", (e) => { e.entryHash = (e.entryHash as string).slice(1); }],
  ["entryHash of another entry", (e) => { e.entryHash = "0".repeat(64); }],
  ["actor changed", (e) => { e.actor = "operator:mallory"; }],
  ["actor a number", (e) => { e.actor = 7; }],
  ["action null", (e) => { e.action = null; }],
  ["subjectType missing", (e) => { delete e.subjectType; }],
  ["subjectId changed", (e) => { e.subjectId = "key-999"; }],
  ["fromState undefined", (e) => { e.fromState = undefined; }],
  ["fromState a number", (e) => { e.fromState = 3; }],
  ["toState changed", (e) => { e.toState = "REVOKED"; }],
  ["at moved by 1 ms", (e) => { e.at = new Date((e.at as Date).getTime() + 1); }],
  ["at an invalid Date", (e) => { e.at = new Date(Number.NaN); }],
  ["at a string", (e) => { e.at = (e.at as Date).toISOString(); }],
  ["details value changed", (e) => { (e.details as { attempt: number }).attempt += 1; }],
  ["details key added", (e) => { (e.details as Record<string, unknown>).extra = true; }],
  ["details an array", (e) => { e.details = []; }],
  ["details null", (e) => { e.details = null; }],
  ["details with a function", (e) => { (e.details as Record<string, unknown>).f = () => 1; }],
  ["details with a lone surrogate", (e) => { (e.details as Record<string, unknown>).s = "\ud800"; }],
  ["details with a class instance", (e) => { e.details = new Map(); }],
  ["details with NaN", (e) => { (e.details as Record<string, unknown>).n = Number.NaN; }],
  ["an extra field (not hashed)", (e) => { e.extra = "x"; }],
  // A value of the wrong type whose text is that of a right one, stored with that one's hash.
  ["subjectId a number (hash of its string form)", (e) => { e.entryHash = forgedHash({ ...e, subjectId: "42" }); e.subjectId = 42; }],
  ["actor a String object (hash of the string)", (e) => { e.entryHash = forgedHash(e); e.actor = new String(e.actor); }],
];

describe("entryPassesQuickly", () => {
  it("takes the shortcut for every entry of a good chain", () => {
    CHAIN.forEach((e, i) => {
      expect(entryPassesQuickly(prevOf(i), e)).toBe(true);
      expect(verifyEntryAll(prevOf(i), e)).toEqual([]);
    });
  });

  it("is false against the wrong predecessor", () => {
    expect(entryPassesQuickly(prevOf(3), CHAIN[4]!)).toBe(false);
    expect(entryPassesQuickly(CHAIN_START, CHAIN[1]!)).toBe(false);
  });

  it("is false for what is not an entry", () => {
    for (const v of [null, undefined, 1, "entry", []]) expect(entryPassesQuickly(CHAIN_START, v as never)).toBe(false);
  });

  for (const [name, damage] of DAMAGES) for (const rehash of [false, true]) {
    it(`agrees with the full checks: ${name}${rehash ? ", hash recomputed" : ""}`, () => {
      CHAIN.forEach((good, i) => {
        const e = copy(good) as unknown as Record<string, unknown>;
        damage(e);
        if (rehash && !/^entryHash|\(hash of/.test(name)) e.entryHash = forgedHash(e) ?? e.entryHash;
        const full = verifyEntryAll(prevOf(i), e as unknown as AuditEntryRecord);
        const quick = entryPassesQuickly(prevOf(i), e as unknown as AuditEntryRecord);
        // The shortcut never passes what the full checks refuse.
        if (full.length > 0) expect(quick, `entry #${i + 1}: ${full[0]?.kind}`).toBe(false);
        else expect(quick).toBe(true);
      });
    });
  }

  it("refuses at least one entry for every damage but the unhashed extra field", () => {
    for (const [name, damage] of DAMAGES.filter(([n]) => n !== "an extra field (not hashed)")) {
      const e = copy(CHAIN[5]!) as unknown as Record<string, unknown>;
      damage(e);
      expect(verifyEntryAll(prevOf(5), e as unknown as AuditEntryRecord).length, name).toBeGreaterThan(0);
    }
  });
});
