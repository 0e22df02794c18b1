/**
 * The registry view every ETSI 014 call reads finds its rows through primary keys, whatever the registry's size: on a
 * real PostgreSQL with two thousand nodes, SAEs and pairs (analyzed), its plan scans none of nodes, saes or
 * sae_pairs whole. The sites were read by `id = $2 OR id IN (SELECT …)`, which filtered a scan of every node at
 * every call (this test failed so). And the view still answers as before: the SAEs, their pairing, the sites.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { poolOf } from "../../db/client";
import { scansOf } from "../../testing/plan-scans";
import { createTestDatabase, type TestDatabase } from "../../testing/test-database";
import { createNodes } from "../../testing/fixtures";
import { REGISTRY_VIEW_SQL, registryView, registryViewValues } from "./pool-queries";

const MANY = 2_000;

describe("the KME registry view", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(inject("adminUrl"), "registry_view_plan");
    await createNodes(t.db);
    const pool = poolOf(t.db);
    await pool.query(
      `INSERT INTO nodes SELECT (jsonb_populate_record(NULL::nodes, to_jsonb(n) || jsonb_build_object('id', 'site-' || i, 'name', 'Site ' || i))).*
       FROM nodes n, generate_series(1, ${MANY}) AS i WHERE n.id = 'node-a'`,
    );
    await pool.query(
      `INSERT INTO saes (sae_id, node_id, cert_pins, created_at, created_by, updated_at, updated_by)
       SELECT 'app-' || i, 'site-' || i, '{}', now(), 'test', now(), 'test' FROM generate_series(1, ${MANY}) AS i`,
    );
    // app-1 and app-2 both at node-b's site too, so the sites read sees one node named twice.
    await pool.query(`INSERT INTO saes (sae_id, node_id, cert_pins, created_at, created_by, updated_at, updated_by) VALUES
      ('enc-app', 'node-b', '{}', now(), 'test', now(), 'test'), ('dec-app', 'node-b', '{}', now(), 'test', now(), 'test')`);
    await pool.query(
      `INSERT INTO sae_pairs (sae_a, sae_b, created_at, created_by)
       SELECT least('app-' || i, 'app-' || (i + 1)), greatest('app-' || i, 'app-' || (i + 1)), now(), 'test' FROM generate_series(1, ${MANY - 1}, 2) AS i`,
    );
    await pool.query("INSERT INTO sae_pairs (sae_a, sae_b, created_at, created_by) VALUES ('dec-app', 'enc-app', now(), 'test')");
    await pool.query("ANALYZE nodes; ANALYZE saes; ANALYZE sae_pairs");
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("reads nodes, saes and sae_pairs through their keys, scanning none of them", async () => {
    const values = registryViewValues("node-a", ["app-7", "app-8"], [["app-8", "app-7"]]);
    const plan = (await poolOf(t.db).query<{ "QUERY PLAN": unknown }>(`EXPLAIN (FORMAT JSON) ${REGISTRY_VIEW_SQL}`, values)).rows[0]!["QUERY PLAN"];
    expect(scansOf(plan).filter((s) => s.node === "Seq Scan" && ["nodes", "saes", "sae_pairs"].includes(s.relation))).toEqual([]);
    expect(scansOf(plan).map((s) => s.relation)).toEqual(expect.arrayContaining(["nodes", "saes", "sae_pairs"]));
  });

  it("answers as before: the enabled SAEs, whether two are paired, and every site once", async () => {
    const v = await registryView(poolOf(t.db), "node-a", ["app-7", "app-8", "app-9", "nobody"], [["app-8", "app-7"], ["app-9", "app-8"]]);
    expect([...v.saes.keys()].sort()).toEqual(["app-7", "app-8", "app-9"]);
    expect(v.paired("app-7", "app-8")).toBe(true);
    expect(v.paired("app-8", "app-9")).toBe(false);
    expect(v.site("node-a")).toBe(v.site("site-7"));
    const same = await registryView(poolOf(t.db), "node-b", ["enc-app", "dec-app"], [["enc-app", "dec-app"]]);
    expect(same.paired("dec-app", "enc-app")).toBe(true);
    const sites = await poolOf(t.db).query<{ sites: Array<{ id: string }> }>(REGISTRY_VIEW_SQL, registryViewValues("node-b", ["enc-app", "dec-app"], []));
    expect(sites.rows[0]!.sites.map((s) => s.id)).toEqual(["node-b"]);
    expect(v.head).toMatch(/^\d+$/);
  });
});
