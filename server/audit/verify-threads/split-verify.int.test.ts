/**
 * The stored chain verified in two halves at once (the upper one by the worker
 * thread, loaded from source through tsx as the console loads it) against a
 * real PostgreSQL: the answer is the one-thread walk's whenever the chain is
 * sound, the snapshot is shared, and any break sends the whole chain to the
 * one-thread walk, which reports it exactly as before.
 */
import pg from "pg";
import { keepPristineAudit, restorePristineAudit } from "../../testing/pristine-audit";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { poolOf } from "../../db/client";
import { createTestDatabase, type TestDatabase } from "../../testing/test-database";
import { growChainTo } from "../../testing/synthetic-chain";
import { verifyStoredChain } from "../audit-log";
import { rangeThreadProblem, rangeThreadStatus, stopRangeThread, warmRangeThread } from "./range-thread";
import { SPLIT_MIN_ENTRIES, verifySplit } from "./split-verify";
import type { ChainLink } from "../../domain/audit/types";
import { WORKER_APPLICATION_NAME } from "./range-job";

const N = Number(SPLIT_MIN_ENTRIES) + 4_000;
const JOINT = N / 2;

let t: TestDatabase;
let attacker: pg.Client;
const sql = (text: string, params: unknown[] = []) => attacker.query(text, params);
const hashAt = async (seq: number) => (await sql("SELECT entry_hash FROM audit_entries WHERE seq = $1", [seq])).rows[0]!.entry_hash as string;

beforeAll(async () => {
  t = await createTestDatabase(inject("adminUrl"), "split");
  await growChainTo(t.url, N, { batch: 4_000 });
  attacker = new pg.Client({ connectionString: t.url });
  await attacker.connect();
  await sql("VACUUM (ANALYZE) audit_entries");
  await sql("SET session_replication_role = replica"); // the append-only guard is off for this session, as for an attacker
  await keepPristineAudit(attacker);
  expect(await warmRangeThread(), `worker thread: ${rangeThreadProblem() ?? "?"}`).toBe(true);
}, 120_000);

afterAll(async () => {
  await stopRangeThread();
  await attacker?.end();
  await t?.dispose();
});

beforeEach(async () => {
  await restorePristineAudit(attacker);
});

/** Both ways, checked against each other; the two-thread answer. */
async function both(anchors: ChainLink[] = []) {
  const one = await verifyStoredChain(t.db, { anchors, threads: 1 });
  const two = await verifyStoredChain(t.db, { anchors });
  expect(one.threads).toBe(1);
  expect(two.result).toEqual(one.result);
  return { one, two };
}

describe("verifying a long chain on two threads", () => {
  it("gives the one-thread answer for a sound chain, with its anchors, and says it used two threads", async () => {
    const anchors = [{ seq: 5n, hash: await hashAt(5) }, { seq: BigInt(JOINT), hash: await hashAt(JOINT) }, { seq: BigInt(N - 3), hash: await hashAt(N - 3) }];
    const { two } = await both(anchors);
    expect(two.result).toMatchObject({ ok: true, entries: N, headSeq: BigInt(N), headHash: await hashAt(N) });
    expect(two.threads).toBe(2);
    expect(two.threadProblem).toBeNull();
    expect(rangeThreadStatus().detail).toMatch(/loaded/);
  });

  it("stays on one thread for a short chain", async () => {
    const short = await createTestDatabase(inject("adminUrl"), "split_short");
    try {
      await growChainTo(short.url, 500);
      const r = await verifyStoredChain(short.db);
      expect(r.result).toMatchObject({ ok: true, entries: 500 });
      expect(r.threads).toBe(1);
    } finally {
      await short.dispose();
    }
  });

  it.each([
    ["in the lower half", 100],
    ["at the joint", JOINT],
    ["right after the joint", JOINT + 1],
    ["in the upper half", N - 10],
    ["at the head", N],
  ])("reports an edit %s exactly as the one-thread walk does", async (_where, seq) => {
    await sql(`UPDATE audit_entries SET details = jsonb_set(details::jsonb, '{count}', '2') WHERE seq = $1`, [seq]);
    const { two } = await both();
    expect(two.threads).toBe(1);
    expect(two.result.ok).toBe(false);
    if (!two.result.ok) expect(two.result.failure).toMatchObject({ kind: "ENTRY_HASH_MISMATCH", seq: BigInt(seq) });
  });

  it("reports deletions and a cut tail the same way on both sides of the joint", async () => {
    await sql("DELETE FROM audit_entries WHERE seq IN ($1, $2)", [JOINT - 1, JOINT + 2]);
    const gaps = await both();
    expect(gaps.two.result.ok ? [] : gaps.two.result.failures.map((f) => [f.kind, f.seq])).toEqual([
      ["SEQUENCE_GAP", BigInt(JOINT - 1)],
      ["SEQUENCE_GAP", BigInt(JOINT + 2)],
    ]);
    await sql("DELETE FROM audit_entries WHERE seq > $1", [N - 5]);
    const cut = await both();
    expect(cut.two.result.ok ? null : cut.two.result.failures.at(-1)?.kind).toBe("TRUNCATED");
  });

  it("notices a wrong anchor in either half", async () => {
    const wrong = "ab".repeat(32);
    for (const seq of [10, JOINT + 10]) {
      const { two } = await both([{ seq: BigInt(seq), hash: wrong }]);
      expect(two.result.ok ? null : two.result.failure).toMatchObject({ kind: "ANCHOR_MISMATCH", seq: BigInt(seq) });
    }
  });

  it("reads both halves in one snapshot: entries appended after the head was read are not seen by the worker either", async () => {
    const client = await poolOf(t.db).connect();
    try {
      await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      const row = (await client.query<{ seq: string; hash: string }>("SELECT seq::text AS seq, hash FROM audit_head WHERE id = 1")).rows[0]!;
      const head = { seq: BigInt(row.seq), hash: row.hash };
      await growChainTo(t.url, N + 50); // committed by another connection after the snapshot was taken
      const split = await verifySplit(client, { connectionString: t.url }, head, []);
      await client.query("COMMIT");
      // Without the shared snapshot, the worker would see 50 entries past the head and the split would fail (null).
      expect(split?.result).toEqual({ ok: true, entries: N, headSeq: BigInt(N), headHash: head.hash });
      expect(split?.splitAt).toBe(BigInt(JOINT));
    } finally {
      client.release();
    }
  });

  it("falls back to one thread when the worker's job fails (an unusable connection), with the same answer", async () => {
    const client = await poolOf(t.db).connect();
    try {
      await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      const row = (await client.query<{ seq: string; hash: string }>("SELECT seq::text AS seq, hash FROM audit_head WHERE id = 1")).rows[0]!;
      const split = await verifySplit(client, { connectionString: t.url.replace(/\/[^/?]+(\?|$)/, "/qecnet_no_such_database$1") }, { seq: BigInt(row.seq), hash: row.hash }, []);
      await client.query("COMMIT");
      expect(split).toBeNull();
    } finally {
      client.release();
    }
  });

  it("keeps the worker's connection between verifications (one idle backend, the same one), and a job with other settings opens its own", async () => {
    const workerBackends = async () =>
      (await sql("SELECT pid, state, backend_xid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1", [WORKER_APPLICATION_NAME])).rows as Array<{ pid: number; state: string; backend_xid: string | null }>;
    expect((await verifyStoredChain(t.db)).threads).toBe(2);
    const first = await workerBackends();
    expect(first).toHaveLength(1);
    expect(first[0]!.state).toBe("idle"); // not left inside a transaction
    expect((await verifyStoredChain(t.db)).threads).toBe(2);
    expect((await workerBackends()).map((b) => b.pid)).toEqual([first[0]!.pid]);
    // A failed job (a database that does not exist) does not take the kept connection's place.
    const client = await poolOf(t.db).connect();
    try {
      await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      const row = (await client.query<{ seq: string; hash: string }>("SELECT seq::text AS seq, hash FROM audit_head WHERE id = 1")).rows[0]!;
      expect(await verifySplit(client, { connectionString: t.url.replace(/\/[^/?]+(\?|$)/, "/qecnet_no_such_database$1") }, { seq: BigInt(row.seq), hash: row.hash }, [])).toBeNull();
      await client.query("COMMIT");
    } finally {
      client.release();
    }
    expect((await verifyStoredChain(t.db)).threads).toBe(2);
  });

  it("opens a new connection when the kept one was closed by the server while idle, and still verifies on two threads", async () => {
    await verifyStoredChain(t.db);
    const before = (await sql("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1", [WORKER_APPLICATION_NAME])).rows as Array<{ pid: number }>;
    expect(before).toHaveLength(1);
    await sql("SELECT pg_terminate_backend($1)", [before[0]!.pid]);
    const again = await verifyStoredChain(t.db);
    expect(again.threads).toBe(2);
    expect(again.result.ok).toBe(true);
    const after = (await sql("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1", [WORKER_APPLICATION_NAME])).rows as Array<{ pid: number }>;
    expect(after).toHaveLength(1);
    expect(after[0]!.pid).not.toBe(before[0]!.pid);
  });
});
