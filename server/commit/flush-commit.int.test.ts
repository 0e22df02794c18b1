/**
 * A batch that writes nothing after its flush sends COMMIT together with the
 * flush (the client pipelines the two), on a real PostgreSQL: COMMIT is on
 * the wire before the flush is answered; a flush that fails makes PostgreSQL
 * answer that COMMIT with ROLLBACK, so nothing is written and the flush's own
 * error is what the caller learns; and the pooled connection leaves the
 * pipeline as it entered it, so every later use of it is ordinary. A job
 * group that writes by one statement (JobGroup.statement: ETSI 014's delivery rows)
 * goes between the flush and COMMIT, in the same round trip, on the same terms.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { readHead } from "../audit/audit-log";
import { poolOf } from "../db/client";
import type { KeyWorkspace } from "../keys/key-workspace";
import { ACTOR, createNodes, testKeyService } from "../testing/fixtures";
import type { JobGroup } from "./batch-part";
import { createTestDatabase, type TestDatabase } from "../testing/test-database";

/** Every statement any pg client sends while `fn` runs, and when each was answered, in order. */
async function recordWire<T>(fn: () => Promise<T>): Promise<{ result: T; events: string[] }> {
  const events: string[] = [];
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: Parameters<typeof query>) {
    const q = args[0] as unknown;
    const name = typeof q === "string" ? q.split(";")[0]! : String((q as { name?: string }).name ?? "unnamed");
    events.push(`sent ${name}`);
    const r = (query as (...a: unknown[]) => unknown).apply(this, args);
    if (r instanceof Promise) void r.then(() => events.push(`answered ${name}`), () => events.push(`failed ${name}`));
    return r;
  } as typeof query;
  try {
    return { result: await fn(), events };
  } finally {
    pg.Client.prototype.query = query;
  }
}

describe("the flush and COMMIT in one round trip", () => {
  let t: TestDatabase;
  let attacker: pg.Client;
  beforeAll(async () => {
    t = await createTestDatabase(inject("adminUrl"), "flush_commit");
    await createNodes(t.db);
    attacker = new pg.Client({ connectionString: t.url });
    await attacker.connect();
    await attacker.query("SET session_replication_role = replica"); // the append-only guard off, for the cleanup
  });
  afterAll(async () => {
    await attacker?.end();
    await t?.dispose();
  });

  it("writes COMMIT before the flush is answered, and the batch lands", async () => {
    const svc = testKeyService(t.db);
    const { result: key, events } = await recordWire(() => svc.create({ label: "pipelined", purpose: "test", policy: "standard", participants: ["node-a", "node-b"] }, ACTOR));
    const flush = events.find((e) => e.startsWith("sent qecnet-flush-"))!.slice("sent ".length);
    const order = events.filter((e) => e.endsWith(flush) || e.endsWith("COMMIT"));
    expect(order).toEqual([`sent ${flush}`, "sent COMMIT", `answered ${flush}`, "answered COMMIT"]);
    expect(await t.db.key.findUnique({ where: { id: key.id } })).toMatchObject({ state: "GENERATED" });
    // The connection went back to the pool out of pipelining.
    const c = await poolOf(t.db).connect();
    try {
      expect((c as unknown as { pipeline: boolean }).pipeline).toBe(false);
    } finally {
      c.release();
    }
  });

  it("a flush PostgreSQL refuses writes nothing: COMMIT is answered ROLLBACK, the caller gets an error, the connections stay usable", async () => {
    const svc = testKeyService(t.db);
    const head = await readHead(t.db);
    const keysBefore = await t.db.key.count();
    // Someone writes the next chain entry behind the runner's back: the flush's INSERT of that seq fails.
    await attacker.query(
      `INSERT INTO audit_entries (seq, at, actor, action, subject_type, subject_id, from_state, to_state, details, prev_hash, entry_hash)
       VALUES ($1, now(), 'intruder', 'FORGED', 'key', 'x', NULL, NULL, '{}', $2, $3)`,
      [(head.seq + 1n).toString(), head.hash, "f".repeat(64)],
    );
    try {
      const { events } = await recordWire(async () => {
        await expect(svc.create({ label: "refused", purpose: "test", policy: "standard", participants: ["node-a", "node-b"] }, ACTOR)).rejects.toThrow();
      });
      expect(events.some((e) => e.startsWith("failed qecnet-flush-"))).toBe(true);
      expect(events).toContain("answered COMMIT"); // answered, with ROLLBACK: not an error of its own
      expect(await t.db.key.count()).toBe(keysBefore);
      expect(await readHead(t.db)).toEqual(head);
    } finally {
      await attacker.query("DELETE FROM audit_entries WHERE seq = $1", [(head.seq + 1n).toString()]);
    }
    // Every pooled connection, the one that failed among them, serves the next batches as before.
    const made = await Promise.all(Array.from({ length: 24 }, (_, i) => svc.create({ label: `after-${i}`, purpose: "test", policy: "standard", participants: ["node-a", "node-b"] }, ACTOR)));
    expect(await t.db.key.count()).toBe(keysBefore + made.length);
    expect((await readHead(t.db)).seq).toBeGreaterThanOrEqual(head.seq + BigInt(made.length));
  });

  describe("a group that writes by one statement (JobGroup.statement)", () => {
    const group: JobGroup<KeyWorkspace> = {
      statement: (accepted) => ({ name: "test-pipelined-group", text: "INSERT INTO pipelined_rows (v) SELECT unnest($1::int[])", values: [accepted.map((a) => a.value as number)] }),
    };
    const job = (v: number) => ({
      keyIds: [],
      group,
      run: (ws: KeyWorkspace) => {
        ws.audit({ actor: ACTOR.actor, action: "TEST_PIPELINED_GROUP", subjectType: "test", subjectId: String(v), fromState: null, toState: null, details: { v } });
        return v;
      },
    });
    beforeAll(async () => {
      await attacker.query("CREATE TABLE pipelined_rows (v int NOT NULL CHECK (v > 0))");
    });
    const rows = async () => (await attacker.query<{ v: number }>("SELECT v FROM pipelined_rows ORDER BY v")).rows.map((r) => r.v);

    it("sends its statement after the flush and before COMMIT, without waiting for either; all of it lands", async () => {
      const svc = testKeyService(t.db);
      const { events } = await recordWire(() => Promise.all([svc.runner.submit(job(3)), svc.runner.submit(job(4))]));
      const flush = events.find((e) => e.startsWith("sent qecnet-flush-"))!.slice("sent ".length);
      const order = events.filter((e) => e.endsWith(flush) || e.endsWith("COMMIT") || e.endsWith("test-pipelined-group"));
      expect(order.slice(0, 3)).toEqual([`sent ${flush}`, "sent test-pipelined-group", "sent COMMIT"]);
      expect(await rows()).toEqual([3, 4]);
    });

    it("a write whose own count check fails (qecnet_expect_rows, as dec_keys's) takes the whole batch with it", async () => {
      const svc = testKeyService(t.db);
      const head = await readHead(t.db);
      const checking: JobGroup<KeyWorkspace> = {
        statement: (accepted) => ({
          name: "test-pipelined-check",
          text: `WITH added AS (INSERT INTO pipelined_rows (v) SELECT unnest($1::int[]) RETURNING 1)
                 SELECT qecnet_expect_rows((SELECT count(*) FROM added), $2::bigint, 'rows changed during the test')`,
          values: [accepted.map((a) => a.value as number), accepted.length + 1],
        }),
      };
      const failed = await svc.runner.submit({ ...job(9), group: checking }).then(() => null, (e: unknown) => e as Error);
      expect(failed).toBeInstanceOf(Error);
      const why = (failed as Error & { cause?: Error }).cause ?? failed;
      expect(String((why as Error).message)).toMatch(/rows changed during the test: 1 row\(s\) where 2 were expected/);
      expect(await rows()).toEqual([3, 4]);
      expect(await readHead(t.db)).toEqual(head);
    });

    it("a statement that cannot be built stops the batch before anything is sent: no COMMIT, nothing written", async () => {
      const svc = testKeyService(t.db);
      const head = await readHead(t.db);
      const broken: JobGroup<KeyWorkspace> = {
        statement: () => {
          throw new Error("cannot build the statement");
        },
      };
      const { events } = await recordWire(async () => {
        await expect(svc.runner.submit({ ...job(11), group: broken })).rejects.toThrow();
      });
      expect(events.filter((e) => e.startsWith("sent qecnet-flush-") || e === "sent COMMIT")).toEqual([]);
      expect(await rows()).toEqual([3, 4]);
      expect(await readHead(t.db)).toEqual(head);
    });

    it("a write PostgreSQL refuses takes the whole batch with it: no rows, no audit entry, the caller gets the error", async () => {
      const svc = testKeyService(t.db);
      const head = await readHead(t.db);
      await expect(svc.runner.submit(job(-1))).rejects.toThrow();
      expect(await rows()).toEqual([3, 4]);
      expect(await readHead(t.db)).toEqual(head);
      // And the next batch on the same pool is ordinary.
      await svc.runner.submit(job(7));
      expect(await rows()).toEqual([3, 4, 7]);
    });
  });
});
