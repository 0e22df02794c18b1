/**
 * status served from a cached pool count and notices (kme-hub.ts): reused while
 * the audit head has not moved, read afresh once it has. Every way a pool key
 * changes (a claim by this hub or by another hub process on the same database,
 * a revocation, the replenisher's new keys) moves the head, so stored_key_count
 * never lies: it is always the servable keys in the database, 0 ≤ it ≤
 * max_key_count, also with claims racing the status calls.
 */
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { poolOf } from "../../db/client";
import { demoMesh } from "../../demo/demo-topology";
import type { Services } from "../../runtime/services";
import { ACTOR, testServices, writeMesh } from "../../testing/fixtures";
import { createTestDatabase, type TestDatabase } from "../../testing/test-database";
import { KmeHub } from "./kme-hub";
import { poolStock } from "./pool-queries";
import { PoolReplenisher } from "./pool-replenisher";

const NONE = { avoidNodes: [], maxRelays: null };
const TARGET = 24;
const SITES = ["ep-bank", "ep-stock"];

describe("status from a cached count", () => {
  let t: TestDatabase;
  let s: Services;
  let hub: KmeHub;
  /** Another hub process on the same database: it shares nothing with `hub` but PostgreSQL. */
  let other: KmeHub;
  let replenisher: PoolReplenisher;
  const counted: string[] = [];

  beforeAll(async () => {
    t = await createTestDatabase(inject("adminUrl"), "kmestatuscache");
    await writeMesh(t.db, demoMesh());
    s = testServices(t.db, t.url, { receiptTimeoutMs: 2000 });
    hub = new KmeHub(s.keys, { poolTarget: TARGET });
    other = new KmeHub(s.keys, { poolTarget: TARGET });
    replenisher = new PoolReplenisher(s.keys, s.distribution, { poolTarget: TARGET, perRound: TARGET });
    await s.saes.register({ saeId: "sae-bank-1", nodeId: "ep-bank" }, ACTOR);
    await s.saes.register({ saeId: "sae-stock-1", nodeId: "ep-stock" }, ACTOR);
    await s.saes.pair("sae-bank-1", "sae-stock-1", ACTOR);
    await replenisher.round();
    const pool = poolOf(t.db);
    const query = pool.query.bind(pool) as (...a: unknown[]) => unknown;
    vi.spyOn(pool, "query").mockImplementation(((...a: unknown[]) => {
      const name = (a[0] as { name?: string } | undefined)?.name;
      if (name === "qecnet-kme-count-pool-plain" || name === "qecnet-kme-revoked-notices") counted.push(name);
      return query(...a);
    }) as typeof pool.query);
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await t.dispose();
  });

  const status = async (h = hub) => {
    const p = await h.call("ep-bank", "prepare", { callerSaeId: "sae-bank-1", pathSaeId: "sae-stock-1", snapshot: "full", notices: true });
    return { stored: p.snapshot!.available, notices: p.notices!.map((n) => n.keyId) };
  };
  const claim = (h: KmeHub, number: number, requestId: string) =>
    h.call("ep-bank", "claimForMaster", { requestId, masterSaeId: "sae-bank-1", slaveSaeIds: ["sae-stock-1"], number, sizeBits: 256, required: NONE, preferred: NONE });
  const truth = async () => (await poolStock(poolOf(t.db), SITES)).servable;

  it("reads the count and the notices once while nothing changes", async () => {
    counted.length = 0;
    expect(await status()).toEqual({ stored: TARGET, notices: [] });
    expect(counted).toEqual(["qecnet-kme-count-pool-plain", "qecnet-kme-revoked-notices"]);
    for (let i = 0; i < 5; i++) expect(await status()).toEqual({ stored: TARGET, notices: [] });
    expect(counted).toHaveLength(2);
  });

  it("tells a claim by this hub, by another hub process, a revocation and a refill at the next call", async () => {
    expect((await claim(hub, 2, "c1")).outcome).toBe("claimed");
    expect((await status()).stored).toBe(TARGET - 2);
    const r = await claim(other, 3, "c2");
    if (r.outcome !== "claimed") throw new Error("expected keys");
    expect((await status()).stored).toBe(TARGET - 5);
    // A held key revoked: the master is told, and an unassigned pool key revoked leaves the pool.
    await s.keys.apply(r.keys[0]!.keyId, { type: "REVOKE", reason: "relay-north compromised" }, ACTOR);
    expect(await status()).toEqual({ stored: TARGET - 5, notices: [r.keys[0]!.keyId] });
    const unassigned = await t.db.key.findFirstOrThrow({ where: { policy: "etsi014", state: "ACTIVE", usageCount: 0n } });
    await s.keys.apply(unassigned.id, { type: "REVOKE", reason: "test" }, ACTOR);
    expect((await status()).stored).toBe(TARGET - 6);
    expect(await truth()).toBe(TARGET - 6);
    expect((await status(other)).stored).toBe(TARGET - 6);
    // (Revoking a pool key also brings its replacement: the truth is what the database holds.)
    await replenisher.round();
    expect((await status()).stored).toBe(await truth());
  });

  it("claims racing status calls: every answer within 0..max_key_count, and the last one the truth", async () => {
    const seen: number[] = [];
    const before = await truth();
    await Promise.all([
      ...Array.from({ length: 8 }, (_, i) => claim(i % 2 ? hub : other, 1, `race-${i}`)),
      ...Array.from({ length: 8 }, async () => seen.push((await status()).stored)),
    ]);
    for (const n of seen) expect(n >= 0 && n <= TARGET).toBe(true);
    expect((await status()).stored).toBe(await truth());
    expect(await truth()).toBe(before - 8);
  });
});
