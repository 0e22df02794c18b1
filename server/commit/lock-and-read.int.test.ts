/**
 * A batch's first reads go with BEGIN and the audit head lock, in one round
 * trip (beginLockAndRead), on a real PostgreSQL. What must hold: each read
 * runs once the lock is granted, so a batch that waited for another writer
 * sees what that writer committed; and a key generation's batch costs three
 * statements, not four (BEGIN with the lock and the nodes, the flush, COMMIT),
 * with node ids of any text read as they are, never as SQL.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { beginLockAndRead } from "../audit/audit-log";
import { randomUUID } from "node:crypto";
import { executeText, forgetStatements } from "../db/server-statements";
import { nodesStatement } from "../keys/key-batch";
import { KEY_FAMILY_STATEMENT, keyFamilyArgs } from "../keys/key-rows";
import { MESH_VERSION_AND_SIMULATION, meshVersionAndSimulation } from "../mesh/mesh-rows";
import { ACTOR, createNodes, testKeyService } from "../testing/fixtures";
import { recordStatements } from "../testing/pg-statements";
import { createTestDatabase, type TestDatabase } from "../testing/test-database";

describe("reads sent with the head lock", () => {
  let t: TestDatabase;
  const connect = async () => {
    const c = new pg.Client({ connectionString: t.url });
    await c.connect();
    return c;
  };
  beforeAll(async () => {
    t = await createTestDatabase(inject("adminUrl"), "lock_and_read");
    await createNodes(t.db);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("the batch's transaction plans cheaply (random_page_cost 1.1, generic plans) and leaves the connection as it was", async () => {
    const c = await connect();
    try {
      const show = async (name: string) => ((await c.query(`SHOW ${name}`)).rows[0] as Record<string, string>)[name];
      const before = { cost: await show("random_page_cost"), mode: await show("plan_cache_mode") };
      const { results } = await beginLockAndRead(c, ["SHOW plan_cache_mode", "SHOW random_page_cost"]);
      expect(results.map((r) => Object.values(r.rows[0] as object)[0])).toEqual(["force_generic_plan", "1.1"]);
      await c.query("COMMIT");
      expect({ cost: await show("random_page_cost"), mode: await show("plan_cache_mode") }).toEqual(before);
    } finally {
      await c.end();
    }
  });

  it("a read sent with the lock while another writer holds it sees what that writer committed", async () => {
    const writer = await connect();
    const batch = await connect();
    try {
      await writer.query("BEGIN");
      await writer.query("SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE");
      await writer.query("UPDATE nodes SET status = 'ISOLATED' WHERE id = 'node-c'");
      await writer.query("UPDATE mesh_version SET version = version + 1000 WHERE id = 1");
      const before = (await t.db.meshVersion.findUniqueOrThrow({ where: { id: 1 } })).version;
      const reading = beginLockAndRead(batch, [nodesStatement(["node-c"])!, MESH_VERSION_AND_SIMULATION]);
      let answered = false;
      void reading.then(() => (answered = true));
      await new Promise((r) => setTimeout(r, 150));
      expect(answered).toBe(false); // waiting in PostgreSQL for the writer's lock
      await writer.query("COMMIT");
      const { results } = await reading;
      expect(results[0]!.rows).toEqual([{ id: "node-c", name: expect.any(String), status: "ISOLATED" }]);
      const committed = (await t.db.meshVersion.findUniqueOrThrow({ where: { id: 1 } })).version;
      expect(committed).toBeGreaterThan(before + 999n);
      expect(meshVersionAndSimulation(results[1]!).version).toBe(String(committed));
    } finally {
      await batch.query("ROLLBACK").catch(() => undefined);
      await writer.query("ROLLBACK").catch(() => undefined);
      await writer.query("UPDATE nodes SET status = 'ONLINE' WHERE id = 'node-c'");
      await Promise.all([writer.end(), batch.end()]);
    }
  });

  it("a key generation's batch sends three statements: BEGIN with the lock and the nodes, the flush, COMMIT", async () => {
    const svc = testKeyService(t.db);
    // A first batch reads the stored key policies (then cached while the audit head is where it left it).
    await svc.create({ label: "lock-read-warm", purpose: "test", policy: "standard", participants: ["node-a"] }, ACTOR);
    const { result: id, sent } = await recordStatements(async () =>
      (await svc.create({ label: "lock-read", purpose: "test", policy: "standard", participants: ["node-a", "node-b"] }, ACTOR)).id);
    expect(sent[0]).toMatch(/^(PREPARE .*;\n)?BEGIN;.*EXECUTE qecnet_audit_head_lock_v1_\d+;\n.*FROM nodes/s);
    expect(sent[1]).toMatch(/^qecnet-flush-/);
    expect(sent[2]).toBe("COMMIT");
    expect(sent).toHaveLength(3);
    expect((await t.db.key.findUniqueOrThrow({ where: { id }, include: { participants: true } })).participants).toHaveLength(2);
  });

  it("a transition of stored keys reads their family with the lock, through a statement prepared once per connection", async () => {
    const svc = testKeyService(t.db);
    const a = await svc.create({ label: "family-a", purpose: "test", policy: "standard", participants: ["node-a", "node-b"] }, ACTOR);
    const b = await svc.create({ label: "family-b", purpose: "test", policy: "standard", participants: ["node-a", "node-b"] }, ACTOR);
    const { sent } = await recordStatements(async () => {
      await svc.apply(a.id, { type: "REVOKE", reason: "family read test" }, ACTOR);
      await svc.apply(b.id, { type: "REVOKE", reason: "family read test" }, ACTOR);
    });
    const begins = sent.filter((q) => q.startsWith("BEGIN;") || q.startsWith("PREPARE "));
    expect(begins).toHaveLength(2);
    for (const q of begins) expect(q).toMatch(/EXECUTE qecnet_audit_head_lock_v1_\d+;\nEXECUTE qecnet_key_family_v2_\d+\('\{[0-9a-f-]{36}\}'::uuid\[\]\)/s);
    expect(sent).not.toContain("qecnet-load-key-family"); // no round trip of its own
    expect(await t.db.key.count({ where: { id: { in: [a.id, b.id] }, state: "REVOKED" } })).toBe(2);
  });

  it("a connection that lost its prepared statements, or whose PREPARE may not have run, prepares again under a new name", async () => {
    const c = await connect();
    try {
      const ids = [randomUUID()];
      const first = executeText(c, KEY_FAMILY_STATEMENT, keyFamilyArgs(ids)!);
      expect(first.prepare).toMatch(/^PREPARE qecnet_key_family_v2_\d+\(uuid\[\]\) AS WITH direct AS/);
      await c.query(`${first.prepare};\n${first.run}`);
      first.confirmed();
      const again = executeText(c, KEY_FAMILY_STATEMENT, keyFamilyArgs(ids)!);
      expect(again.prepare).toBeNull();
      expect(again.run).toBe(first.run);
      // Statements dropped behind our back (DEALLOCATE ALL): the EXECUTE fails; once forgotten, a new name works.
      await c.query("DEALLOCATE ALL");
      await expect(c.query(again.run)).rejects.toThrow(/does not exist/);
      forgetStatements(c);
      const fresh = executeText(c, KEY_FAMILY_STATEMENT, keyFamilyArgs(ids)!);
      expect(fresh.prepare).not.toBeNull();
      expect(fresh.run).not.toBe(first.run);
      await c.query(`${fresh.prepare};\n${fresh.run}`);
      // A query whose PREPARE ran but which failed after it: forgotten, the next name does not collide.
      const failing = executeText(c, { ...KEY_FAMILY_STATEMENT, base: "qecnet_test_failing" }, keyFamilyArgs(ids)!);
      await expect(c.query(`${failing.prepare};\nSELECT 1/0`)).rejects.toThrow(/division by zero/);
      forgetStatements(c);
      const next = executeText(c, { ...KEY_FAMILY_STATEMENT, base: "qecnet_test_failing" }, keyFamilyArgs(ids)!);
      await c.query(`${next.prepare};\n${next.run}`);
      // The head lock itself is such a statement: dropped, the next batch fails (and rolls back), the one after works.
      await beginLockAndRead(c, []);
      await c.query("COMMIT");
      await c.query("DEALLOCATE ALL");
      await expect(beginLockAndRead(c, [])).rejects.toThrow(/does not exist/);
      await c.query("ROLLBACK");
      expect((await beginLockAndRead(c, [])).head.seq).toBeGreaterThan(0n);
      await c.query("COMMIT");
      // Only well-formed ids reach the statement; none at all sends none.
      expect(keyFamilyArgs(["not-a-uuid", "'); DROP TABLE keys; --"])).toBeNull();
      expect(() => executeText(c, { ...KEY_FAMILY_STATEMENT, base: "x; DROP TABLE keys" }, ["1"])).toThrow(/not a statement name/);
    } finally {
      await c.end();
    }
  });

  it("node ids are read as text, whatever they hold", async () => {
    const odd = ["node-'; DELETE FROM nodes; --", 'node-"\\quoted\\"', "node-\u00e9\u2028"];
    const c = await connect();
    try {
      const { results } = await beginLockAndRead(c, [nodesStatement([...odd, "node-a", "node-a"])!]);
      expect(results[0]!.rows.map((r: { id: string }) => r.id)).toEqual(["node-a"]);
    } finally {
      await c.query("ROLLBACK").catch(() => undefined);
      await c.end();
    }
    expect(await t.db.node.count()).toBe(4);
    expect(nodesStatement([])).toBeNull();
  });
});
