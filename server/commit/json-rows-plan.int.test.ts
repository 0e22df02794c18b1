/**
 * The batch flush's UPDATEs join their rows from a JSON parameter. On a real
 * PostgreSQL with a table of a few thousand rows (and statistics that say so):
 * inside the runner's transaction (beginAndLockHead) and through
 * jsonRowsTable, 16 rows are found through the primary key; written the plain
 * way in a plain transaction, the same UPDATE scans the whole table, which is
 * what made each batch slower as the keys table grew. And the row limit that
 * carries the estimate never drops a row.
 */
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { beginAndLockHead } from "../audit/audit-log";
import { poolOf } from "../db/client";
import { createTestDatabase, type TestDatabase } from "../testing/test-database";
import { scansOf } from "../testing/plan-scans";
import { jsonRowsTable } from "./batch-part";

const ROWS = 5_000;
const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const changes = (from: number, n: number) => JSON.stringify(Array.from({ length: n }, (_, i) => ({ id: uuid(from + i * 7), version: 1 })));

describe("jsonRowsTable in the runner's transaction", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(inject("adminUrl"), "json_rows_plan");
    const pool = poolOf(t.db);
    await pool.query("CREATE TABLE plan_probe (id uuid PRIMARY KEY, version int NOT NULL, filler text NOT NULL)");
    await pool.query(`INSERT INTO plan_probe SELECT ('00000000-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid, 0, repeat('x', 80) FROM generate_series(0, ${ROWS - 1}) AS i`);
    await pool.query("ANALYZE plan_probe");
  });
  afterAll(async () => {
    await t?.dispose();
  });

  const explain = async (client: pg.PoolClient, from: string, rows: string) =>
    scansOf((await client.query<{ "QUERY PLAN": unknown }>(`EXPLAIN (FORMAT JSON) UPDATE plan_probe AS k SET version = u.version FROM ${from} WHERE k.id = u.id`, [rows])).rows[0]!["QUERY PLAN"]);

  /** `fn` on one connection inside the transaction `begin` opens, rolled back afterwards. */
  const inTransaction = async (begin: (c: pg.PoolClient) => Promise<unknown>, fn: (c: pg.PoolClient) => Promise<void>) => {
    const client = await poolOf(t.db).connect();
    try {
      await begin(client);
      await fn(client);
    } finally {
      await client.query("ROLLBACK");
      client.release();
    }
  };
  const runnerTx = (c: pg.PoolClient) => beginAndLockHead(c);
  const plainTx = (c: pg.PoolClient) => c.query("BEGIN");

  it("finds 16 rows of 5,000 through the primary key", async () => {
    await inTransaction(runnerTx, async (client) => {
      const scans = await explain(client, jsonRowsTable("$1::json", "u", "id uuid, version int"), changes(100, 16));
      expect(scans).toContainEqual({ node: "Index Scan", relation: "plan_probe" });
      expect(scans).not.toContainEqual({ node: "Seq Scan", relation: "plan_probe" });
    });
  });

  it("written the plain way in a plain transaction, the same UPDATE reads the whole table (what the change fixed)", async () => {
    await inTransaction(plainTx, async (client) => {
      const scans = await explain(client, "jsonb_to_recordset($1::jsonb) AS u(id uuid, version int)", changes(100, 16));
      expect(scans).toContainEqual({ node: "Seq Scan", relation: "plan_probe" });
    });
  });

  it("updates every row it is given, however many (the limit is the array's own length)", async () => {
    await inTransaction(runnerTx, async (client) => {
      for (const n of [1, 16, 300]) {
        const r = await client.query(`UPDATE plan_probe AS k SET version = k.version + u.version FROM ${jsonRowsTable("$1::json", "u", "id uuid, version int")} WHERE k.id = u.id`, [changes(n, n)]);
        expect(r.rowCount).toBe(n);
      }
      const { rows } = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM plan_probe WHERE version > 0");
      expect(rows[0]!.n).toBeGreaterThanOrEqual(300);
    });
  });
});
