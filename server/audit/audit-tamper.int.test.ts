/**
 * Tampering with the stored audit chain, and what verifyStoredChain reports.
 *
 * One database holds a chain of ~40 entries written by real key-service
 * actions; a pristine copy of audit_entries and audit_head is kept in a
 * separate schema and restored before every case, so each case tampers with
 * the untouched chain. Tampering is done the way an attacker with database
 * access would: raw SQL over its own pg connection, bypassing the appender.
 */
import pg from "pg";
import { keepPristineAudit, restorePristineAudit } from "../testing/pristine-audit";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { ACTOR, createNodes, testKeyService } from "../testing/fixtures";
import { createTestDatabase, type TestDatabase } from "../testing/test-database";
import { AuditService } from "./audit-service";
import { readHead, toRecord, verifyStoredChain } from "./audit-log";
import { computeEntryHash } from "./entry-hash";
import type { AuditEntryRecord, ChainFailureKind, ChainLink, ChainVerification, JsonValue } from "../domain/audit/types";

let t: TestDatabase;
let attacker: pg.Client;
/** The chain as written, before any tampering. */
let pristine: AuditEntryRecord[];
let pristineHead: ChainLink;
/** Number of entries (= head seq) of the pristine chain. */
let n: number;

const sql = (text: string, params: unknown[] = []) => attacker.query(text, params);
const entry = (seq: number) => pristine[seq - 1]!;
const anchorAt = (seq: number): ChainLink => ({ seq: BigInt(seq), hash: entry(seq).entryHash });

/**
 * ~40 entries from real key-service actions. Independent actions are submitted
 * together, so the runner's group commit writes several jobs per transaction
 * (fewer round trips, and batches in the chain as in production).
 */
async function buildChain(db: TestDatabase["db"]): Promise<void> {
  await createNodes(db);
  let now = new Date("2026-03-01T08:00:00.000Z");
  const svc = testKeyService(db, {
    clock: () => {
      now = new Date(now.getTime() + 1_250); // every batch a little later, with milliseconds
      return now;
    },
  });
  const ops = { actor: "ops-2" };
  const all = ["node-a", "node-b", "node-c"];
  const keys = await Promise.all(
    [0, 1, 2, 3].map((i) => svc.create({ label: `link-${i}`, purpose: "tamper test", policy: i === 3 ? "high-assurance" : "standard", participants: all }, i % 2 ? ops : ACTOR)),
  );
  const ids = keys.map((k) => k.id);
  await Promise.all(ids.map((id, i) => svc.apply(id, { type: "DISTRIBUTE" }, i % 2 ? ops : ACTOR)));
  await Promise.all(ids.map((id) => svc.collectReceipts(id, ACTOR))); // 3 receipts + activation each
  await Promise.all(ids.map((id, i) => svc.apply(id, { type: "RECORD_USAGE", count: i + 1 }, ops)));
  await Promise.all([
    svc.apply(ids[0]!, { type: "REVOKE", reason: "suspected compromise" }, ops), // + emergency replacement
    svc.apply(ids[1]!, { type: "BEGIN_ROTATION", reason: "scheduled" }, ACTOR), // + successor
  ]);
  const successor = await db.key.findFirstOrThrow({ where: { predecessorId: ids[1]! } });
  await svc.apply(successor.id, { type: "DISTRIBUTE" }, ACTOR);
  await svc.collectReceipts(successor.id, ACTOR);
  now = new Date(now.getTime() + 301_000);
  await svc.apply(ids[1]!, { type: "COMPLETE_ROTATION" }, ACTOR);
  const doomed = await svc.create({ label: "link-x", purpose: "tamper test", policy: "standard", participants: ["node-c"] }, ops);
  await svc.apply(doomed.id, { type: "FAIL_DISTRIBUTION", reason: "no path" }, ops); // + retry key
}

beforeAll(async () => {
  t = await createTestDatabase(inject("adminUrl"), "tamper");
  await buildChain(t.db);
  pristine = (await t.db.auditEntry.findMany({ orderBy: { seq: "asc" } })).map(toRecord);
  pristineHead = await readHead(t.db);
  n = pristine.length;
  attacker = new pg.Client({ connectionString: t.url });
  await attacker.connect();
  // The attacker has superuser rights: triggers (the append-only guard) are off for this session.
  await attacker.query("SET session_replication_role = replica");
  await keepPristineAudit(attacker);
});

afterAll(async () => {
  await attacker?.end();
  await t?.dispose();
});

beforeEach(async () => {
  await restorePristineAudit(attacker);
});

/** verifyStoredChain with the default page size and with small pages (tampering across page edges): same answer. */
async function verify(anchors: ChainLink[] = []): Promise<ChainVerification> {
  const whole = await verifyStoredChain(t.db, { anchors });
  const paged = await verifyStoredChain(t.db, { anchors, pageSize: 7 });
  expect(paged.result).toEqual(whole.result);
  return whole.result;
}

/** The failure of the expected kind at the expected seq, with a one-sentence message naming that seq. */
function expectFailure(r: ChainVerification, kind: ChainFailureKind, seq: number, passed: number) {
  if (r.ok) throw new Error(`expected ${kind} at #${seq}, but the chain verified (${r.entries} entries)`);
  const f = r.failure;
  expect({ kind: f.kind, seq: f.seq, entries: r.entries }).toEqual({ kind, seq: BigInt(seq), entries: passed });
  expect(f.message).toMatch(new RegExp(`#${seq}(?!\\d)`));
  expect(f.message).toMatch(/^[A-Z][^\n]*[a-z)]$/);
  expect(f.message).not.toMatch(/undefined|NaN|null|\[object/);
  expect(f.message.split(/[.!?] /)).toHaveLength(1);
  return f;
}

/** Rewrites entry #seq via `edit`, recomputing its hash and every later prev/entry hash with the project's own hashing. */
async function forge(seq: number, edit: (e: AuditEntryRecord) => AuditEntryRecord): Promise<AuditEntryRecord[]> {
  const chain = pristine.map((e) => ({ ...e }));
  for (let i = seq - 1; i < chain.length; i++) {
    const base = i === seq - 1 ? edit(chain[i]!) : chain[i]!;
    const prevHash = chain[i - 1]!.entryHash;
    const { entryHash: _old, ...unhashed } = { ...base, prevHash };
    chain[i] = { ...unhashed, entryHash: computeEntryHash(unhashed) };
  }
  for (const e of chain.slice(seq - 1)) {
    await sql(`UPDATE audit_entries SET actor = $2, details = $3::jsonb, to_state = $4, prev_hash = $5, entry_hash = $6 WHERE seq = $1`, [
      e.seq.toString(), e.actor, JSON.stringify(e.details), e.toState, e.prevHash, e.entryHash,
    ]);
  }
  return chain;
}

describe("audit chain tampering, verified against the stored chain", () => {
  it("(f) the untampered chain verifies, entries == head.seq, with and without anchors", async () => {
    expect(n).toBeGreaterThanOrEqual(35);
    expect(n).toBeLessThanOrEqual(50);
    expect(pristineHead).toEqual({ seq: BigInt(n), hash: entry(n).entryHash });
    expect(new Set(pristine.map((e) => e.action)).size).toBeGreaterThanOrEqual(8); // real, varied actions
    const r = await verify();
    expect(r).toEqual({ ok: true, entries: n, headSeq: pristineHead.seq, headHash: pristineHead.hash });
    const anchors = [1, 10, 20, 30, n].map(anchorAt);
    expect(await verify(anchors)).toEqual(r);
  });

  describe("(a) a changed field is an ENTRY_HASH_MISMATCH at that entry", () => {
    it.each<{ field: string; seq: number | "last"; set: string }>([
      { field: "details", seq: 7, set: `details = details::jsonb || '{"usageCount": "999999"}'::jsonb` },
      { field: "actor", seq: 13, set: `actor = 'mallory'` },
      { field: "to_state", seq: 21, set: `to_state = CASE WHEN to_state = 'REVOKED' THEN 'ACTIVE' ELSE 'REVOKED' END` },
      { field: "at", seq: 2, set: `at = at - interval '1 millisecond'` },
      { field: "details", seq: "last", set: `details = '{}'::jsonb` },
    ])("$field of entry $seq", async ({ seq: which, set }) => {
      const seq = which === "last" ? n : which;
      const { rowCount } = await sql(`UPDATE audit_entries SET ${set} WHERE seq = $1`, [seq]);
      expect(rowCount).toBe(1);
      const f = expectFailure(await verify(), "ENTRY_HASH_MISMATCH", seq, seq - 1);
      const stored = toRecord(await t.db.auditEntry.findUniqueOrThrow({ where: { seq: BigInt(seq) } }));
      expect(f.actual).toBe(entry(seq).entryHash); // the stored hash was left alone...
      expect(f.expected).toBe(computeEntryHash(stored)); // ...and no longer matches the contents
      expect(f.expected).not.toBe(f.actual);
      expect(f.message).toMatch(/changed after it was written/);
    });
  });

  describe("(b) a deleted row is a SEQUENCE_GAP at its seq", () => {
    it("entry #17 deleted", async () => {
      await sql(`DELETE FROM audit_entries WHERE seq = 17`);
      const f = expectFailure(await verify(), "SEQUENCE_GAP", 17, 16);
      expect({ expected: f.expected, actual: f.actual }).toEqual({ expected: "17", actual: "18" });
      expect(f.message).toBe("Entry #17 is missing: entry #18 follows #16 (a row was deleted, or rows were reordered)");
    });

    it("entry #1 deleted", async () => {
      await sql(`DELETE FROM audit_entries WHERE seq = 1`);
      const f = expectFailure(await verify(), "SEQUENCE_GAP", 1, 0);
      expect(f.message).toMatch(/^The chain starts at entry #2 instead of #1/);
    });

    it("entries #25–#27 deleted", async () => {
      await sql(`DELETE FROM audit_entries WHERE seq BETWEEN 25 AND 27`);
      const f = expectFailure(await verify(), "SEQUENCE_GAP", 25, 24);
      expect(f.message).toMatch(/^Entry #25–#27 are missing: entry #28 follows #24/);
    });
  });

  describe("(c) two swapped rows (seq kept): the first of them is flagged", () => {
    const swap = (i: number, j: number, columns: string[]) =>
      sql(
        `UPDATE audit_entries t SET ${columns.map((c) => `${c} = s.${c}`).join(", ")}
           FROM audit_entries s WHERE (t.seq, s.seq) IN (($1::bigint, $2::bigint), ($2::bigint, $1::bigint))`,
        [i, j],
      );
    const PAYLOAD = ["at", "actor", "action", "subject_type", "subject_id", "from_state", "to_state", "details"];

    it.each([
      [9, 23],
      [30, 31],
    ])("whole rows #%i and #%i swapped: PREV_HASH_MISMATCH at the first", async (i, j) => {
      expect((await swap(i, j, [...PAYLOAD, "prev_hash", "entry_hash"])).rowCount).toBe(2);
      const f = expectFailure(await verify(), "PREV_HASH_MISMATCH", i, i - 1);
      expect(f).toMatchObject({ expected: entry(i - 1).entryHash, actual: entry(j).prevHash });
    });

    it("only the contents of #9 and #23 swapped (hashes left in place): ENTRY_HASH_MISMATCH at #9", async () => {
      expect((await swap(9, 23, PAYLOAD)).rowCount).toBe(2);
      const f = expectFailure(await verify(), "ENTRY_HASH_MISMATCH", 9, 8);
      expect(f.actual).toBe(entry(9).entryHash);
    });
  });

  describe("(d) a forged entry with every later hash recomputed", () => {
    const K = 12;
    const edit = (e: AuditEntryRecord): AuditEntryRecord => ({
      ...e,
      actor: "mallory",
      details: { ...(e.details as Record<string, JsonValue>), forged: true },
    });

    it("is self-consistent, so only the untouched head row exposes it (HEAD_MISMATCH at the head's seq)", async () => {
      const forged = await forge(K, edit);
      expect(forged[K - 1]!.entryHash).not.toBe(entry(K).entryHash);
      const f = expectFailure(await verify(), "HEAD_MISMATCH", n, n - 1);
      expect(f).toMatchObject({ expected: pristineHead.hash, actual: forged[n - 1]!.entryHash });
    });

    it("with the head row rewritten too it passes the internal chain; an earlier anchor at or after the forged seq catches it", async () => {
      const forged = await forge(K, edit);
      await sql(`UPDATE audit_head SET hash = $1 WHERE id = 1`, [forged[n - 1]!.entryHash]);
      expect(await verify()).toEqual({ ok: true, entries: n, headSeq: BigInt(n), headHash: forged[n - 1]!.entryHash });
      // An anchor before the forgery vouches only for the prefix: still ok.
      expect((await verify([anchorAt(K - 1)])).ok).toBe(true);

      const atForged = expectFailure(await verify([anchorAt(K)]), "ANCHOR_MISMATCH", K, K - 1);
      expect(atForged).toMatchObject({ expected: entry(K).entryHash, actual: forged[K - 1]!.entryHash });
      expect(atForged.message).toMatch(/trusted checkpoint/);

      const later = K + 9;
      const f = expectFailure(await verify([anchorAt(5), anchorAt(later), anchorAt(n)]), "ANCHOR_MISMATCH", later, later - 1);
      expect(f).toMatchObject({ expected: entry(later).entryHash, actual: forged[later - 1]!.entryHash });
      expectFailure(await verify([anchorAt(n)]), "ANCHOR_MISMATCH", n, n - 1);
    });
  });

  describe("(e) a truncated tail", () => {
    it("is TRUNCATED against the head", async () => {
      expect((await sql(`DELETE FROM audit_entries WHERE seq > $1`, [n - 5])).rowCount).toBe(5);
      const f = expectFailure(await verify(), "TRUNCATED", n - 4, n - 5);
      expect({ expected: f.expected, actual: f.actual }).toEqual({ expected: String(n), actual: String(n - 5) });
      expect(f.message).toBe(
        `The chain ends at entry #${n - 5} but the head records #${n}: entries #${n - 4}–#${n} are missing (the tail of the chain was deleted)`,
      );
    });

    it("with the head rewound to the new last entry passes internally; an anchor taken before catches it", async () => {
      await sql(`DELETE FROM audit_entries WHERE seq > $1`, [n - 5]);
      await sql(`UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1`, [n - 5, entry(n - 5).entryHash]);
      expect(await verify()).toEqual({ ok: true, entries: n - 5, headSeq: BigInt(n - 5), headHash: entry(n - 5).entryHash });
      expect((await verify([anchorAt(n - 5)])).ok).toBe(true);

      const f = expectFailure(await verify([anchorAt(10), anchorAt(n)]), "TRUNCATED", n - 4, n - 5);
      expect({ expected: f.expected, actual: f.actual }).toEqual({ expected: String(n), actual: String(n - 5) });
      expect(f.message).toMatch(new RegExp(`a trusted checkpoint records #${n}: entries #${n - 4}–#${n} are missing`));
      const mid = expectFailure(await verify([anchorAt(n - 2)]), "TRUNCATED", n - 4, n - 5);
      expect(mid.expected).toBe(String(n - 2));
    });
  });
});

describe("verification through the console's audit service", () => {
  it("records who verified and what was found, also when the chain is broken", async () => {
    const audit = new AuditService(t.db, testKeyService(t.db).runner);
    const ok = await audit.verify({ actor: "auditor-1" });
    expect(ok.ok).toBe(true);
    await sql(`UPDATE audit_entries SET actor = 'mallory' WHERE seq = 5`);
    const broken = await audit.verify({ actor: "auditor-2" });
    expect(broken.ok).toBe(false);
    const recorded = await t.db.auditEntry.findMany({ where: { subjectType: "audit-chain" }, orderBy: { seq: "asc" } });
    expect(recorded.map((e) => [e.actor, e.action])).toEqual([
      ["auditor-1", "AUDIT_CHAIN_VERIFIED"],
      ["auditor-2", "AUDIT_CHAIN_BROKEN"],
    ]);
    expect(recorded[1]!.details).toMatchObject({ kind: "ENTRY_HASH_MISMATCH", seq: "5" });
  });
});
