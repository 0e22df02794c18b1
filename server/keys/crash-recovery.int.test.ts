/**
 * A server process killed in the middle of a key transition must leave no
 * trace: its transaction's writes (key rows, participants, audit entries, the
 * moved audit head) were done but not committed, so PostgreSQL rolls them all
 * back together, and the next process carries on with a gapless chain.
 *
 * A child process (server/testing/hold-transition.ts) runs the action through
 * a real KeyService whose beforeCommit hook prints HOLDING and waits; the test
 * checks from outside that the transaction really holds uncommitted writes,
 * SIGKILLs the child, then "restarts" with a fresh client and service.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, describe, expect, inject, it } from "vitest";
import { verifyStoredChain } from "../audit/audit-log";
import type { Db } from "../db/client";
import { ACTOR, createNodes, testKeyService } from "../testing/fixtures";
import { crashTestSession, HoldingProcesses } from "../testing/hold-process";
import { createTestDatabase, type TestDatabase } from "../testing/test-database";

const { Client } = pg;

const holders = new HoldingProcesses("server/testing/hold-transition.ts");
const PARTICIPANTS = ["node-a", "node-b", "node-c"];

/** Everything the transition could have touched, read over a plain connection. */
async function snapshot(c: pg.Client) {
  const rows = async (sql: string) => (await c.query(sql)).rows;
  return {
    keys: await rows(`SELECT * FROM keys ORDER BY id`),
    participants: await rows(`SELECT * FROM key_participants ORDER BY key_id, node_id`),
    head: await rows(`SELECT * FROM audit_head`),
    entries: await rows(`SELECT seq::text, entry_hash FROM audit_entries ORDER BY seq`),
  };
}

async function sessionOf(c: pg.Client, appName: string) {
  const { rows } = await c.query<{ pid: number; state: string; xid: string | null }>(
    `SELECT pid, state, backend_xid::text AS xid FROM pg_stat_activity WHERE application_name = $1`,
    [appName],
  );
  return rows;
}

async function expectGaplessVerifiedChain(db: Db) {
  const seqs = (await db.auditEntry.findMany({ orderBy: { seq: "asc" }, select: { seq: true } })).map((e) => e.seq);
  expect(seqs).toEqual(seqs.map((_, i) => BigInt(i + 1)));
  const v = await verifyStoredChain(db);
  expect(v.result).toMatchObject({ ok: true, entries: seqs.length });
  expect(v.head.seq).toBe(BigInt(seqs.length));
}

/**
 * The seqs from `from` on that an uncommitted transaction has already inserted:
 * inserting the same seq waits on that transaction's row (a unique-key
 * conflict with an in-doubt insert). A probe client tries each insert; the
 * observer watches the probe's session and cancels it once PostgreSQL says it
 * waits on a lock. (No lock_timeout: under libfaketime, PostgreSQL's timers do
 * not fire, and CI runs this suite with the clock a year ahead.) The probe's
 * own inserts are rolled back.
 */
async function pendingEntrySeqs(observer: pg.Client, url: string, from: number, count: number): Promise<number[]> {
  const probe = new Client({ connectionString: url });
  await probe.connect();
  try {
    const { rows } = await probe.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
    const pid = rows[0]!.pid;
    const pending: number[] = [];
    for (let seq = from; seq < from + count; seq++) {
      await probe.query("BEGIN");
      try {
        const insert = probe.query(
          `INSERT INTO audit_entries (seq, at, actor, action, subject_type, subject_id, details, prev_hash, entry_hash)
           VALUES ($1, now(), 'probe', 'PROBE', 'probe', 'probe', '{}', repeat('0', 64), repeat('0', 64))`,
          [seq],
        ).then(() => "inserted" as const, (err: { code?: string }) => {
          if (err.code === "57014") return "cancelled" as const;
          throw err;
        });
        let settled: "inserted" | "cancelled" | null = null;
        void insert.then((r) => (settled = r), () => (settled = "inserted"));
        for (let i = 0; i < 500 && settled === null; i++) {
          const w = await observer.query<{ wait_event_type: string | null }>("SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1", [pid]);
          if (w.rows[0]?.wait_event_type === "Lock") {
            await observer.query("SELECT pg_cancel_backend($1)", [pid]);
            break;
          }
          await new Promise((r) => setTimeout(r, 10));
        }
        if ((await insert) === "cancelled") pending.push(seq);
      } finally {
        await probe.query("ROLLBACK");
      }
    }
    return pending;
  } finally {
    await probe.end();
  }
}

/** 55P03 if another transaction holds (has updated or locked) the rows `sql` selects FOR UPDATE NOWAIT. */
const rowsLocked = (c: pg.Client, sql: string, params: unknown[] = []) =>
  c.query(sql, params).then(
    () => false,
    (err: { code?: string }) => {
      if (err.code === "55P03") return true;
      throw err;
    },
  );

/**
 * Runs `args` in a child until it holds its transaction, checks from outside
 * that its writes are done and not committed (`entries` new audit entries
 * pending, `updatedKey`'s row and its participants updated), SIGKILLs it and
 * waits until PostgreSQL has dropped the session.
 */
async function killMidTransition(
  t: TestDatabase,
  observer: pg.Client,
  masterKey: Buffer,
  args: string[],
  expected: { entries: number; updatedKey?: string },
) {
  const before = await snapshot(observer);
  const holder = await holders.runUntilHolding(t.url, masterKey, args);

  // The child is inside its transaction, which has written (a transaction id
  // is only assigned at the first write)...
  const open = (await sessionOf(observer, holder.appName)).filter((s) => s.state === "idle in transaction");
  expect(open).toHaveLength(1);
  expect(open[0]!.xid).not.toBeNull();
  // ...holds the audit head...
  expect(await rowsLocked(observer, `SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE NOWAIT`)).toBe(true);
  // ...has inserted exactly the expected entries after the head, uncommitted...
  const next = before.entries.length + 1;
  expect(await pendingEntrySeqs(observer, t.url, next, expected.entries + 1)).toEqual(
    Array.from({ length: expected.entries }, (_, i) => next + i),
  );
  // ...has updated the key and its participants, if the action changes a key...
  if (expected.updatedKey) {
    expect(await rowsLocked(observer, `SELECT 1 FROM keys WHERE id = $1 FOR UPDATE NOWAIT`, [expected.updatedKey])).toBe(true);
    expect(await rowsLocked(observer, `SELECT 1 FROM key_participants WHERE key_id = $1 FOR UPDATE NOWAIT`, [expected.updatedKey])).toBe(true);
  }
  // ...and none of it is visible.
  expect(await snapshot(observer)).toEqual(before);

  expect(holder.stdout()).toBe("HOLDING\n");
  // SIGKILL; the server notices the dead client, aborts its transaction and ends the session.
  await holder.kill(observer);
  expect(await sessionOf(observer, holder.appName)).toEqual([]);
  return before;
}

interface Context {
  t: TestDatabase;
  observer: pg.Client;
  masterKey: Buffer;
  /** A "restarted" server: a new client and key service, same master key. */
  restart(): { db: Db; svc: ReturnType<typeof testKeyService> };
}

/** A fresh migrated database with nodes, torn down (children killed first) when the test ends. */
async function setup(onTestFinished: (fn: () => Promise<void>) => void): Promise<Context> {
  const t = await createTestDatabase(inject("adminUrl"), "crash");
  await createNodes(t.db);
  const { observer, client } = await crashTestSession(holders, t, onTestFinished);
  const masterKey = randomBytes(32);
  return {
    t,
    observer,
    masterKey,
    restart() {
      const db = client();
      return { db, svc: testKeyService(db, { masterKey }) };
    },
  };
}

// The two cases use separate databases and children: run them side by side.
describe.concurrent("crash recovery: a process SIGKILLed in the middle of a transition", () => {
  afterAll(() => holders.killAll());

  it("killed during a REVOKE of an ACTIVE key: key, participants and audit head unchanged; a new action succeeds", async ({ onTestFinished }) => {
    const { t, observer, masterKey, restart } = await setup(onTestFinished);
    const svc = testKeyService(t.db, { masterKey });
    const k = await svc.create({ label: "link-crash", purpose: "test", policy: "standard", participants: PARTICIPANTS }, ACTOR);
    await svc.apply(k.id, { type: "DISTRIBUTE" }, ACTOR);
    expect((await svc.collectReceipts(k.id, ACTOR)).state).toBe("ACTIVE");
    await svc.apply(k.id, { type: "RECORD_USAGE", count: 2 }, ACTOR);
    await t.db.$disconnect(); // the first "server" is gone too

    // REVOKE updates the key and its participants, inserts the emergency replacement
    // and its participants, appends two entries and moves the head.
    const before = await killMidTransition(t, observer, masterKey, ["apply", k.id, JSON.stringify({ type: "REVOKE", reason: "crash test" })], {
      entries: 2,
      updatedKey: k.id,
    });
    expect(before.keys).toHaveLength(1);
    expect(before.keys[0]).toMatchObject({ id: k.id, state: "ACTIVE" });
    expect(before.head[0]).toMatchObject({ seq: String(before.entries.length) });

    const { db, svc: fresh } = restart();
    expect(await snapshot(observer)).toEqual(before);
    expect(await db.auditEntry.count({ where: { actor: "crash-test" } })).toBe(0);
    const v = await verifyStoredChain(db);
    expect(v.result).toEqual({ ok: true, entries: before.entries.length, headSeq: v.head.seq, headHash: v.head.hash });

    const revoked = await fresh.apply(k.id, { type: "REVOKE", reason: "after restart" }, ACTOR);
    expect(revoked).toMatchObject({ state: "REVOKED", version: (before.keys[0] as { version: number }).version + 1 });
    expect(await db.key.count()).toBe(2); // the emergency replacement, once
    const added = await db.auditEntry.findMany({ where: { seq: { gt: BigInt(before.entries.length) } }, orderBy: { seq: "asc" } });
    // The revocation first, then the generation of the emergency replacement it names.
    expect(added.map((e) => [e.seq, e.action])).toEqual([
      [BigInt(before.entries.length + 1), "KEY_REVOKED"],
      [BigInt(before.entries.length + 2), "KEY_GENERATED"],
    ]);
    expect((added[0]!.details as { successorId?: string }).successorId).toBe(added[1]!.subjectId);
    expect(added[0]!.prevHash).toBe(before.head[0].hash); // continues from the head that survived
    await expectGaplessVerifiedChain(db);
  });

  it("killed during a key creation: no key row, no participants, no entry; creating again succeeds", async ({ onTestFinished }) => {
    const { t, observer, masterKey, restart } = await setup(onTestFinished);
    const svc = testKeyService(t.db, { masterKey });
    const k = await svc.create({ label: "link-pre", purpose: "test", policy: "standard", participants: ["node-a", "node-b"] }, ACTOR);
    await svc.apply(k.id, { type: "DISTRIBUTE" }, ACTOR);
    await t.db.$disconnect();

    // Creation inserts the key, its participants and one entry, and moves the head.
    const before = await killMidTransition(t, observer, masterKey, ["create", "link-crash", PARTICIPANTS.join(",")], { entries: 1 });
    expect(before.keys).toHaveLength(1);
    expect(before.entries).toHaveLength(2);

    const { db, svc: fresh } = restart();
    expect(await snapshot(observer)).toEqual(before);
    expect(await db.key.count({ where: { label: "link-crash" } })).toBe(0);
    expect((await verifyStoredChain(db)).result).toMatchObject({ ok: true, entries: 2 });

    const created = await fresh.create({ label: "link-crash", purpose: "test", policy: "standard", participants: PARTICIPANTS }, ACTOR);
    expect(created.state).toBe("GENERATED");
    expect(await db.keyParticipant.count({ where: { keyId: created.id } })).toBe(3);
    const entry = await db.auditEntry.findUniqueOrThrow({ where: { seq: 3n } });
    expect(entry).toMatchObject({ action: "KEY_GENERATED", subjectId: created.id, prevHash: before.head[0].hash });
    // The restarted service's key is usable end to end (same master key).
    await fresh.apply(created.id, { type: "DISTRIBUTE" }, ACTOR);
    expect((await fresh.collectReceipts(created.id, ACTOR)).state).toBe("ACTIVE");
    await expectGaplessVerifiedChain(db);
  });
});
