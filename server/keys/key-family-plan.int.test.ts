/**
 * The batch's reads of keys and nodes find their rows through the primary key, whatever the tables' statistics say:
 * on a real PostgreSQL with a thousand keys and two thousand nodes, the keys not yet analyzed (a table that just
 * grew, as in bench:transitions), inside the runner's transaction (its BEGIN sets plan_cache_mode =
 * force_generic_plan), the plans of the key-family statement and of the nodes read scan neither table. Joined to
 * the ids the way they were, both plans hashed the ids and read every row of the table at every batch (this test
 * failed so). And the family read still returns exactly the family.
 */
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { beginAndLockHead } from "../audit/audit-log";
import { poolOf } from "../db/client";
import { executeText } from "../db/server-statements";
import { scansOf } from "../testing/plan-scans";
import { createTestDatabase, type TestDatabase } from "../testing/test-database";
import { ACTOR, createNodes, testKeyService } from "../testing/fixtures";
import { nodesStatement } from "./key-batch";
import { KEY_FAMILY_STATEMENT, keyFamilyArgs, keyFamilyOf } from "./key-rows";

const KEYS = 1_000;
const NODES = 2_000;

describe("the batch's reads of keys and nodes", () => {
  let t: TestDatabase;
  let rotated: { first: string; second: string };
  beforeAll(async () => {
    t = await createTestDatabase(inject("adminUrl"), "key_family_plan");
    await createNodes(t.db);
    const svc = testKeyService(t.db);
    const first = await svc.create({ label: "plan-probe", purpose: "test", policy: "standard", participants: ["node-a", "node-b"] }, ACTOR);
    const pool = poolOf(t.db);
    // A second generation of the same key, then a thousand other keys copied from it, and two thousand nodes.
    const second = "00000000-0000-4000-8000-000000000001";
    await pool.query(
      `INSERT INTO keys SELECT (jsonb_populate_record(NULL::keys, to_jsonb(k) || jsonb_build_object('id', $2::text, 'predecessor_id', k.id, 'generation', 2))).* FROM keys k WHERE k.id = $1`,
      [first.id, second],
    );
    // As in service: most keys have a predecessor (rotations, replacements), each its own.
    const copy = (id: string, predecessor: string) =>
      `INSERT INTO keys SELECT (jsonb_populate_record(NULL::keys, to_jsonb(k) || jsonb_build_object('id', ${id}, 'predecessor_id', ${predecessor}))).*
       FROM keys k, generate_series(1, ${KEYS / 2}) AS i WHERE k.id = $1`;
    await pool.query(copy(`'00000000-0000-4000-a000-' || lpad(i::text, 12, '0')`, "NULL"), [first.id]);
    await pool.query(copy(`'00000000-0000-4000-b000-' || lpad(i::text, 12, '0')`, `'00000000-0000-4000-a000-' || lpad(i::text, 12, '0')`), [first.id]);
    await pool.query(
      `INSERT INTO nodes SELECT (jsonb_populate_record(NULL::nodes, to_jsonb(n) || jsonb_build_object('id', 'plan-node-' || i, 'name', 'Plan node ' || i))).*
       FROM nodes n, generate_series(1, ${NODES}) AS i WHERE n.id = 'node-a'`,
    );
    // keys are not analyzed: a table that just grew, its statistics behind (as in bench:transitions).
    await pool.query("ANALYZE nodes");
    rotated = { first: first.id, second };
  });
  afterAll(async () => {
    await t?.dispose();
  });

  /** `fn` on one connection inside the runner's transaction, rolled back afterwards. */
  const inRunnerTransaction = async (fn: (c: pg.PoolClient) => Promise<void>) => {
    const client = await poolOf(t.db).connect();
    try {
      await beginAndLockHead(client);
      await fn(client);
    } finally {
      await client.query("ROLLBACK");
      client.release();
    }
  };

  it("the key family's generic plan reads keys through the primary key, and returns the key with its successor", async () => {
    await inRunnerTransaction(async (c) => {
      const run = executeText(c, KEY_FAMILY_STATEMENT, keyFamilyArgs([rotated.first])!);
      if (run.prepare) await c.query(run.prepare);
      run.confirmed();
      expect((await c.query<{ plan_cache_mode: string }>("SHOW plan_cache_mode")).rows[0]!.plan_cache_mode).toBe("force_generic_plan");
      const scans = scansOf((await c.query<{ "QUERY PLAN": unknown }>(`EXPLAIN (FORMAT JSON) ${run.run}`)).rows[0]!["QUERY PLAN"]);
      expect(scans.filter((s) => s.relation === "keys").length).toBeGreaterThan(0);
      expect(scans.filter((s) => s.node === "Seq Scan")).toEqual([]);
      const family = keyFamilyOf(await c.query(run.run));
      expect(family.map((k) => k.id).sort()).toEqual([rotated.first, rotated.second].sort());
      expect(family.find((k) => k.id === rotated.first)!.participants.map((p) => p.nodeId)).toEqual(["node-a", "node-b"]);
    });
  });

  it("the nodes read finds the nodes through the primary key", async () => {
    await inRunnerTransaction(async (c) => {
      const sql = nodesStatement(["node-a", "node-b", "plan-node-7"])!;
      const scans = scansOf((await c.query<{ "QUERY PLAN": unknown }>(`EXPLAIN (FORMAT JSON) ${sql}`)).rows[0]!["QUERY PLAN"]);
      expect(scans).toEqual([{ node: "Index Scan", relation: "nodes" }]);
      expect((await c.query<{ id: string }>(sql)).rows.map((r) => r.id).sort()).toEqual(["node-a", "node-b", "plan-node-7"]);
    });
  });
});
