/**
 * The purge sweep's reads take only the open obligations: on a real PostgreSQL with thousands of participant rows
 * whose purge is long confirmed (the network's history) and a few pending, the due-purges query and a node's
 * backlog read through the partial index key_participants_pending_purge_idx, not the whole table (before it,
 * every sweep read every row: this test failed so), and return exactly the pending rows.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { poolOf } from "../db/client";
import { indexesOf, scansOf } from "../testing/plan-scans";
import { createTestDatabase, type TestDatabase } from "../testing/test-database";
import { ACTOR, createNodes, testKeyService } from "../testing/fixtures";
import { DUE_PURGES_SQL, NODE_BACKLOG_SQL } from "./purge-service";

const PURGED_KEYS = 3_000;
const PENDING_KEYS = 5;

describe("the purge sweep's reads", () => {
  let t: TestDatabase;
  const pending = (n: number) => `00000000-0000-4000-c000-${String(n).padStart(12, "0")}`;
  beforeAll(async () => {
    t = await createTestDatabase(inject("adminUrl"), "pending_purge_plan");
    await createNodes(t.db);
    const template = await testKeyService(t.db).create({ label: "purge-plan", purpose: "test", policy: "standard", participants: ["node-a", "node-b"] }, ACTOR);
    const pool = poolOf(t.db);
    const copy = async (prefix: string, count: number, purge: string) => {
      await pool.query(
        `INSERT INTO keys SELECT (jsonb_populate_record(NULL::keys, to_jsonb(k) || jsonb_build_object('id', '${prefix}' || lpad(i::text, 12, '0')))).*
           FROM keys k, generate_series(1, ${count}) AS i WHERE k.id = $1`,
        [template.id],
      );
      await pool.query(
        `INSERT INTO key_participants (key_id, node_id, confirmed_at, purge_requested_at, purge_confirmed_at)
         SELECT k.id, n.id, now(), now() - interval '1 hour', ${purge} FROM keys k, (VALUES ('node-a'), ('node-b')) AS n(id) WHERE k.id::text LIKE '${prefix}%'`,
      );
    };
    await copy("00000000-0000-4000-b000-", PURGED_KEYS, "now() - interval '30 minutes'"); // the history: purged long ago
    await copy("00000000-0000-4000-c000-", PENDING_KEYS, "NULL"); // open obligations
    await pool.query("ANALYZE key_participants");
  });
  afterAll(async () => {
    await t?.dispose();
  });

  /** How the plan reads: its whole-table scans and the indexes it uses. */
  const explain = async (sql: string, values: unknown[]) => {
    const plan = (await poolOf(t.db).query<{ "QUERY PLAN": unknown }>(`EXPLAIN (FORMAT JSON) ${sql}`, values)).rows[0]!["QUERY PLAN"];
    return { seqScans: scansOf(plan).filter((s) => s.node === "Seq Scan"), indexes: indexesOf(plan) };
  };

  it("the due purges are read through the partial index, and are exactly the pending rows", async () => {
    const values = [null, new Date(), true, 1000, 60_000];
    expect(await explain(DUE_PURGES_SQL, values)).toEqual({ seqScans: [], indexes: ["key_participants_pending_purge_idx"] });
    const { rows } = await poolOf(t.db).query<{ key_id: string; node_id: string }>(DUE_PURGES_SQL, values);
    expect(rows.map((r) => `${r.key_id}/${r.node_id}`).sort()).toEqual(
      Array.from({ length: PENDING_KEYS }, (_, i) => [`${pending(i + 1)}/node-a`, `${pending(i + 1)}/node-b`]).flat().sort(),
    );
  });

  it("a node's backlog is read through it too", async () => {
    expect(await explain(NODE_BACKLOG_SQL, ["node-b"])).toEqual({ seqScans: [], indexes: ["key_participants_pending_purge_idx"] });
    const { rows } = await poolOf(t.db).query<{ key_id: string }>(NODE_BACKLOG_SQL, ["node-b"]);
    expect(rows.map((r) => r.key_id).sort()).toEqual(Array.from({ length: PENDING_KEYS }, (_, i) => pending(i + 1)));
  });
});
