/**
 * The hub's side of ETSI 014 key delivery over a real PostgreSQL, with the
 * in-process agents: the audited registry, the pool the replenisher fills
 * through real distribution, and the two claims: served once (also with
 * requests racing in one batch), all or nothing, consumed and purged after the
 * last fetch, and every step in a chain that still verifies.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { verifyStoredChain } from "../../audit/audit-log";
import { demoMesh } from "../../demo/demo-topology";
import type { Services } from "../../runtime/services";
import { ACTOR, testServices, writeMesh } from "../../testing/fixtures";
import { createTestDatabase, type TestDatabase } from "../../testing/test-database";
import { SaeRegistry } from "../registry/sae-registry";
import { KmeHub } from "./kme-hub";
import { PoolReplenisher } from "./pool-replenisher";
import { poolOf } from "../../db/client";
import { REFILL_RATE_SQL, poolCandidates, poolLabel, refillKeysPerSecond } from "./pool-queries";
import { recordStatements } from "../../testing/pg-statements";
import { KME_CALLS } from "../link/kme-calls";

const NONE = { avoidNodes: [], maxRelays: null };

describe("ETSI 014 at the hub", () => {
  let t: TestDatabase;
  let s: Services;
  let hub: KmeHub;
  let registry: SaeRegistry;
  let replenisher: PoolReplenisher;
  const TARGET = 12;

  beforeAll(async () => {
    t = await createTestDatabase(inject("adminUrl"), "kmehub");
    await writeMesh(t.db, demoMesh());
    s = testServices(t.db, t.url, { receiptTimeoutMs: 2000 });
    hub = new KmeHub(s.keys, { poolTarget: TARGET });
    registry = new SaeRegistry(t.db, s.keys.runner);
    replenisher = new PoolReplenisher(s.keys, s.distribution, { poolTarget: TARGET, perRound: TARGET });
    await registry.register({ saeId: "sae-bank-1", nodeId: "ep-bank", description: "payments gateway" }, ACTOR);
    await registry.register({ saeId: "sae-stock-1", nodeId: "ep-stock" }, ACTOR);
    await registry.register({ saeId: "sae-stock-2", nodeId: "ep-stock" }, ACTOR);
    await registry.pair("sae-stock-1", "sae-bank-1", ACTOR);
  });
  afterAll(async () => t.dispose());

  const claim = (number: number, requestId = "r", sizeBits = 128) =>
    hub.call("ep-bank", "claimForMaster", { requestId, masterSaeId: "sae-bank-1", slaveSaeIds: ["sae-stock-1"], number, sizeBits, required: NONE, preferred: NONE });

  it("records every registry change in the audit chain and refuses bad input without writing", async () => {
    const list = await registry.list();
    expect(list.saes.map((x) => x.saeId)).toEqual(["sae-bank-1", "sae-stock-1", "sae-stock-2"]);
    expect(list.pairs).toEqual([expect.objectContaining({ saeA: "sae-bank-1", saeB: "sae-stock-1", sites: ["ep-bank", "ep-stock"] })]);
    const actions = (await t.db.auditEntry.findMany({ where: { subjectType: { in: ["sae", "sae-pair"] } }, orderBy: { seq: "asc" } })).map((e) => e.action);
    expect(actions).toEqual(["SAE_REGISTERED", "SAE_REGISTERED", "SAE_REGISTERED", "SAE_PAIR_CREATED"]);
    const count = await t.db.auditEntry.count();
    await expect(registry.register({ saeId: "sae-bank-1", nodeId: "ep-bank" }, ACTOR)).rejects.toMatchObject({ code: "SAE_EXISTS" });
    await expect(registry.register({ saeId: "bad id!", nodeId: "ep-bank" }, ACTOR)).rejects.toMatchObject({ code: "INVALID_INPUT" });
    await expect(registry.register({ saeId: "sae-x", nodeId: "no-such-node" }, ACTOR)).rejects.toMatchObject({ code: "NODE_NOT_FOUND" });
    await expect(registry.register({ saeId: "sae-x", nodeId: "ep-bank", certPins: ["abc"] }, ACTOR)).rejects.toMatchObject({ code: "INVALID_INPUT" });
    await expect(registry.pair("sae-bank-1", "sae-bank-1", ACTOR)).rejects.toMatchObject({ code: "INVALID_INPUT" });
    await expect(registry.pair("sae-bank-1", "sae-nobody", ACTOR)).rejects.toMatchObject({ code: "SAE_NOT_FOUND" });
    await expect(registry.pair("sae-bank-1", "sae-stock-1", ACTOR)).rejects.toMatchObject({ code: "SAE_EXISTS" });
    expect(await t.db.auditEntry.count()).toBe(count);
    expect(await t.db.sae.count()).toBe(3);
  });

  it("fills the pair's pool with ACTIVE etsi014 keys of exactly the two sites, through real distribution", async () => {
    const empty = await hub.call("ep-bank", "snapshot", { masterSaeId: "sae-bank-1", slaveSaeId: "sae-stock-1", required: NONE });
    expect(empty.available).toBe(0);
    expect(await claim(1)).toMatchObject({ outcome: "refused", ownSite: "ONLINE", peerSite: "ONLINE" });
    const r = await replenisher.round();
    expect(r).toEqual([expect.objectContaining({ sites: ["ep-bank", "ep-stock"], created: TARGET, servable: TARGET, coming: 0 })]);
    const snap = await hub.call("ep-bank", "snapshot", { masterSaeId: "sae-bank-1", slaveSaeId: "sae-stock-1", required: NONE });
    expect(snap.available).toBe(TARGET);
    expect(snap.refillKeysPerSecond).toBeGreaterThan(0);
    const keys = await t.db.key.findMany({ where: { policy: "etsi014" }, include: { participants: true } });
    expect(keys).toHaveLength(TARGET);
    for (const k of keys) {
      expect(k.state).toBe("ACTIVE");
      expect(k.participants.map((p) => p.nodeId).sort()).toEqual(["ep-bank", "ep-stock"]);
      expect(s.agents.agent("ep-bank").holds(k.id) && s.agents.agent("ep-stock").holds(k.id)).toBe(true);
    }
    // A full pool is left alone.
    expect(await replenisher.round()).toEqual([expect.objectContaining({ created: 0 })]);
  });

  it("reads a pool's candidates without route constraints as with constraints that exclude nothing", async () => {
    const sites = ["ep-bank", "ep-stock"];
    const pool = poolOf(t.db);
    const plain = await poolCandidates(pool, sites, NONE, 100);
    expect(plain).toHaveLength(TARGET);
    // The route checks of a constrained read, here excluding nothing, pick the same keys in the same order.
    expect(await poolCandidates(pool, sites, { avoidNodes: ["no-such-node"], maxRelays: 1_000 }, 100)).toEqual(plain);
    // Oldest activation first, then by id; the keys it is told to skip are left out; no more than asked.
    const byActivation = (await t.db.key.findMany({ where: { policy: "etsi014", state: "ACTIVE", usageCount: 0 }, orderBy: [{ activatedAt: "asc" }, { id: "asc" }], select: { id: true } })).map((k) => k.id);
    expect(plain).toEqual(byActivation);
    expect(await poolCandidates(pool, sites, NONE, 3, plain.slice(0, 2))).toEqual(plain.slice(2, 5));
    expect(await poolCandidates(pool, ["ep-bank", "ep-defence"], NONE, 100)).toEqual([]);
  });

  it("serves each key once: issue to the master, fetch by the slave, then consumed and purged", async () => {
    const issued = await claim(2, "req-enc-1");
    expect(issued.outcome).toBe("claimed");
    if (issued.outcome !== "claimed") return;
    const ids = issued.keys.map((k) => k.keyId);
    expect(new Set(ids).size).toBe(2);
    // Not the slave of another master, not another slave, not the master itself.
    const views = await hub.call("ep-stock", "inspectForSlave", { slaveSaeId: "sae-stock-1", keyIds: ids });
    expect(views.views).toEqual(ids.map((keyId) => ({ keyId, exists: true, masterSaeId: "sae-bank-1", addressedSlaves: ["sae-stock-1"], availability: "available" })));
    expect(await hub.call("ep-stock", "claimForSlave", { requestId: "x", slaveSaeId: "sae-stock-2", masterSaeId: "sae-bank-1", keyIds: ids })).toMatchObject({ outcome: "refused" });
    expect(await hub.call("ep-bank", "claimForSlave", { requestId: "x", slaveSaeId: "sae-stock-1", masterSaeId: "sae-bank-1", keyIds: ids })).toMatchObject({ outcome: "refused" });
    // Eight racing fetches of the same keys: exactly one wins.
    const race = await Promise.all(Array.from({ length: 8 }, (_, i) =>
      hub.call("ep-stock", "claimForSlave", { requestId: `req-dec-${i}`, slaveSaeId: "sae-stock-1", masterSaeId: "sae-bank-1", keyIds: ids })));
    expect(race.filter((r) => r.outcome === "claimed")).toHaveLength(1);
    const after = await hub.call("ep-stock", "inspectForSlave", { slaveSaeId: "sae-stock-1", keyIds: ids });
    expect(after.views.map((v) => (v.exists ? v.availability : null))).toEqual(["consumed", "consumed"]);
    for (const id of ids) {
      const k = await t.db.key.findUniqueOrThrow({ where: { id }, include: { participants: true } });
      expect(k.state).toBe("DESTROYED");
      expect(k.materialCiphertext).toBeNull();
      expect(k.usageCount).toBe(2n);
      expect(k.participants.every((p) => p.purgeRequestedAt !== null)).toBe(true);
      const trail = await t.db.auditEntry.findMany({ where: { subjectId: id }, orderBy: { seq: "asc" } });
      const tail = trail.filter((e) => ["KEY_ISSUED_TO_SAE", "KEY_FETCHED_BY_SAE", "KEY_CONSUMED"].includes(e.action));
      expect(tail.map((e) => e.action)).toEqual(["KEY_ISSUED_TO_SAE", "KEY_FETCHED_BY_SAE", "KEY_CONSUMED"]);
      expect(tail[0]!.details).toMatchObject({ saeId: "sae-bank-1", slaveSaeIds: ["sae-stock-1"], kme: "ep-bank", slaveKmes: ["ep-stock"], sizeBits: 128, usageCount: "1" });
      expect(tail[1]!.details).toMatchObject({ saeId: "sae-stock-1", masterSaeId: "sae-bank-1", kme: "ep-stock", usageCount: "2" });
      expect(tail[2]!.details).toMatchObject({ deliveredTo: ["sae-bank-1", "sae-stock-1"], kmes: ["ep-bank", "ep-stock"], materialZeroised: true, purgeInstructed: ["ep-bank", "ep-stock"] });
      const rows = await t.db.keySaeDelivery.findMany({ where: { keyId: id }, orderBy: { role: "asc" } });
      expect(rows.map((r) => [r.saeId, r.role, r.kmeNodeId, r.deliveredAt !== null])).toEqual([["sae-bank-1", "master", "ep-bank", true], ["sae-stock-1", "slave", "ep-stock", true]]);
    }
    expect((await verifyStoredChain(t.db)).result).toMatchObject({ ok: true });
  });

  it("never hands out one key twice to 16 concurrent masters, and refuses rather than deliver part of a request", async () => {
    const before = (await hub.call("ep-bank", "snapshot", { masterSaeId: "sae-bank-1", slaveSaeId: "sae-stock-1", required: NONE })).available;
    expect(before).toBe(TARGET - 2);
    const results = await Promise.all(Array.from({ length: 16 }, (_, i) => claim(1, `race-${i}`)));
    const won = results.flatMap((r) => (r.outcome === "claimed" ? r.keys.map((k) => k.keyId) : []));
    expect(won).toHaveLength(before);
    expect(new Set(won).size).toBe(won.length);
    expect(results.filter((r) => r.outcome === "refused")).toHaveLength(16 - before);
    expect(await t.db.keySaeDelivery.count({ where: { role: "master" } })).toBe(TARGET);
    // Empty pool: a request for one more claims nothing.
    const rows = await t.db.keySaeDelivery.count();
    expect(await claim(1, "empty")).toMatchObject({ outcome: "refused", pool: { available: 0 } });
    expect(await t.db.keySaeDelivery.count()).toBe(rows);
  });

  it("refuses a key revoked while held, and tells the master through its notices", async () => {
    await replenisher.round();
    const issued = await claim(1, "held");
    if (issued.outcome !== "claimed") throw new Error("expected a key");
    const id = issued.keys[0]!.keyId;
    await s.keys.apply(id, { type: "REVOKE", reason: "relay-north compromised" }, ACTOR);
    const v = await hub.call("ep-stock", "inspectForSlave", { slaveSaeId: "sae-stock-1", keyIds: [id] });
    expect(v.views[0]).toMatchObject({ availability: "revoked" });
    expect(await hub.call("ep-stock", "claimForSlave", { requestId: "late", slaveSaeId: "sae-stock-1", masterSaeId: "sae-bank-1", keyIds: [id] })).toMatchObject({ outcome: "refused" });
    const n = await hub.call("ep-bank", "revokedNotices", { saeId: "sae-bank-1" });
    expect(n.notices).toEqual([expect.objectContaining({ keyId: id, reason: "relay-north compromised" })]);
    // Another site's KME learns nothing about this SAE.
    expect((await hub.call("ep-stock", "revokedNotices", { saeId: "sae-bank-1" })).notices).toEqual([]);
  });

  it("passes over a key the claims read ahead and that was revoked meanwhile: the next claim gets another key", async () => {
    await replenisher.round();
    expect((await claim(1, "ahead-1")).outcome).toBe("claimed"); // reads the pool ahead
    const next = (await t.db.key.findFirstOrThrow({ where: { policy: "etsi014", state: "ACTIVE", usageCount: 0n }, orderBy: [{ activatedAt: "asc" }, { id: "asc" }] })).id;
    await s.keys.apply(next, { type: "REVOKE", reason: "relay-north compromised" }, ACTOR);
    const second = await claim(1, "ahead-2");
    if (second.outcome !== "claimed") throw new Error("expected a key");
    expect(second.keys[0]!.keyId).not.toBe(next);
    expect(await t.db.keySaeDelivery.count({ where: { keyId: next } })).toBe(0);
  });

  const prepare = () => hub.call("ep-bank", "prepare", { callerSaeId: "sae-bank-1", pathSaeId: "sae-stock-1", snapshot: "full", notices: false });

  it("prepare reads the registry at every call: an unpaired or disabled application is refused at once", async () => {
    expect(await prepare()).toMatchObject({ caller: { nodeId: "ep-bank" }, path: { nodeId: "ep-stock" }, paired: true });
    await registry.unpair("sae-bank-1", "sae-stock-1", ACTOR);
    expect(await prepare()).toMatchObject({ paired: false });
    expect(await claim(1, "after-unpair")).toMatchObject({ outcome: "refused" });
    await registry.pair("sae-bank-1", "sae-stock-1", ACTOR);
    expect(await prepare()).toMatchObject({ paired: true, sites: [{ nodeId: "ep-bank", state: "ONLINE" }, { nodeId: "ep-stock", state: "ONLINE" }] });
    // Another site's KME is told nothing of this caller's pool.
    expect((await hub.call("ep-stock", "prepare", { callerSaeId: "sae-bank-1", pathSaeId: "sae-stock-1", snapshot: "full", notices: true })).snapshot).toMatchObject({ available: 0 });
  });

  it("an enc_keys request's claim reuses its prepare's registry read, once, unless the registry changed or the claim names other applications", async () => {
    await replenisher.round();
    const prepareFor = (requestId: string) =>
      hub.call("ep-bank", "prepare", { callerSaeId: "sae-bank-1", pathSaeId: "sae-stock-1", snapshot: "enough", notices: false, requestId });
    // Registry reads sent while `fn` runs.
    const reads = async (fn: () => Promise<unknown>) =>
      (await recordStatements(fn)).sent.filter((q) => q === "qecnet-kme-registry-view").length;
    const claimed = (requestId: string, slave = "sae-stock-1") =>
      hub.call("ep-bank", "claimForMaster", { requestId, masterSaeId: "sae-bank-1", slaveSaeIds: [slave], number: 1, sizeBits: 128, required: NONE, preferred: NONE });
    let outcome: unknown;
    const claimReads = async (requestId: string, slave?: string) => reads(async () => (outcome = await claimed(requestId, slave)));

    expect(await reads(() => prepareFor("carried"))).toBe(1);
    expect(await claimReads("carried")).toBe(0); // the prepare's read
    expect(outcome).toMatchObject({ outcome: "claimed" });
    // Once only: the same id again reads the registry.
    expect(await claimReads("carried")).toBe(1);
    expect(outcome).toMatchObject({ outcome: "claimed" });
    // A registry change between the prepare and the claim: the claim reads again and sees it.
    await prepareFor("changed");
    await registry.unpair("sae-bank-1", "sae-stock-1", ACTOR);
    expect(await claimReads("changed")).toBe(1);
    expect(outcome).toMatchObject({ outcome: "refused" });
    await registry.pair("sae-bank-1", "sae-stock-1", ACTOR);
    // A claim naming another slave than the prepare did reads the registry (sae-stock-2 is not paired: refused).
    await prepareFor("other-slave");
    expect(await claimReads("other-slave", "sae-stock-2")).toBe(1);
    expect(outcome).toMatchObject({ outcome: "refused" });
    // Another KME's prepare with the same request id is not this KME's.
    await hub.call("ep-stock", "prepare", { callerSaeId: "sae-bank-1", pathSaeId: "sae-stock-1", snapshot: "enough", notices: false, requestId: "site" });
    expect(await claimReads("site")).toBe(1);
    expect(outcome).toMatchObject({ outcome: "claimed" });
  });

  it("enc_keys's prepare counts the pool only as far as the request's number: the answer is the same, the count shorter", async () => {
    await replenisher.round();
    const stock = (await prepare()).snapshot!.available;
    expect(stock).toBeGreaterThan(2);
    const enough = (upTo?: number) =>
      hub.call("ep-bank", "prepare", { callerSaeId: "sae-bank-1", pathSaeId: "sae-stock-1", snapshot: "enough", notices: false, ...(upTo ? { upTo } : {}) });
    // Counted up to the number: enough for it, never more than the pool holds.
    expect((await enough(1))!.snapshot!.available).toBe(1);
    expect((await enough(2))!.snapshot!.available).toBe(2);
    expect((await enough(stock + 5))!.snapshot!.available).toBe(stock);
    // A number beyond max_key_per_request (refused by enc_keys anyway) counts no further than without one.
    expect((await enough(999_999))!.snapshot!.available).toBe((await enough())!.snapshot!.available);
    // The count the cache kept for a short limit does not answer a longer one.
    expect((await prepare()).snapshot!.available).toBe(stock);
    // What an agent may send: a whole number from 1 (the link refuses anything else before the hub reads it).
    const args = { callerSaeId: "sae-bank-1", pathSaeId: "sae-stock-1", snapshot: "enough", notices: false };
    expect(KME_CALLS.prepare.args.safeParse({ ...args, upTo: 3 }).success).toBe(true);
    for (const upTo of [0, -1, 1.5, "3", null]) expect(KME_CALLS.prepare.args.safeParse({ ...args, upTo }).success).toBe(false);
  });

  it("a claim's batch reads the keys' delivery rows with BEGIN and the head lock, in one round trip", async () => {
    await replenisher.round();
    const { result: claimed, sent } = await recordStatements(() => claim(1, "one-round-trip"));
    expect(claimed).toMatchObject({ outcome: "claimed" });
    const begin = sent.find((q) => /^(PREPARE|BEGIN)/.test(q) && q.includes("EXECUTE qecnet_audit_head_lock_v1_"));
    expect(begin).toMatch(/EXECUTE qecnet_audit_head_lock_v1_\d+;\n(.*;\n)?EXECUTE qecnet_kme_deliveries_v1_\d+\('\["[0-9a-f-]{36}"\]'::jsonb\)/s);
    expect(sent).not.toContain("qecnet-kme-deliveries-of");
    // The rows read that way decide: the key just issued is not issued again.
    const again = await hub.call("ep-stock", "claimForSlave", { requestId: "fetch-1", slaveSaeId: "sae-stock-1", masterSaeId: "sae-bank-1", keyIds: [(claimed as { keys: Array<{ keyId: string }> }).keys[0]!.keyId] });
    expect(again).toMatchObject({ outcome: "claimed" });
    const twice = await hub.call("ep-stock", "claimForSlave", { requestId: "fetch-2", slaveSaeId: "sae-stock-1", masterSaeId: "sae-bank-1", keyIds: [(claimed as { keys: Array<{ keyId: string }> }).keys[0]!.keyId] });
    expect(twice).toMatchObject({ outcome: "refused" });
  });

  it("a disabled application is unknown to every KME and its pool is no longer refilled", async () => {
    const sae = (await registry.list()).saes.find((x) => x.saeId === "sae-stock-1")!;
    await registry.setEnabled("sae-stock-1", false, sae.version, "decommissioned", ACTOR);
    expect((await hub.call("ep-stock", "findSae", { saeId: "sae-stock-1" })).sae).toBeNull();
    expect(await prepare()).toMatchObject({ path: null, paired: false });
    expect((await hub.call("ep-bank", "arePaired", { a: "sae-bank-1", b: "sae-stock-1" })).paired).toBe(false);
    expect(await claim(1, "after-disable")).toMatchObject({ outcome: "refused" });
    expect(await replenisher.pools()).toEqual([]);
    await expect(registry.setEnabled("sae-stock-1", false, sae.version + 1, "again", ACTOR)).rejects.toMatchObject({ code: "INVALID_INPUT" });
    await expect(registry.setEnabled("sae-stock-1", true, sae.version, "", ACTOR)).rejects.toMatchObject({ code: "CONCURRENT_UPDATE" });
    await registry.setEnabled("sae-stock-1", true, sae.version + 1, "", ACTOR);
    expect((await hub.call("ep-stock", "findSae", { saeId: "sae-stock-1" })).sae).toMatchObject({ nodeId: "ep-stock" });
    expect(await prepare()).toMatchObject({ path: { nodeId: "ep-stock" }, paired: true });
    expect((await verifyStoredChain(t.db)).result).toMatchObject({ ok: true });
  });

  it("reports the refill rate the replenisher can keep up, when the links allow more, and none when it is off", async () => {
    const snapshotWith = (cap: number) => new KmeHub(s.keys, { poolTarget: TARGET, refillCapacityPerSecond: cap })
      .call("ep-bank", "snapshot", { masterSaeId: "sae-bank-1", slaveSaeId: "sae-stock-1", required: NONE });
    const links = (await hub.call("ep-bank", "snapshot", { masterSaeId: "sae-bank-1", slaveSaeId: "sae-stock-1", required: NONE })).refillKeysPerSecond;
    expect(links).toBeGreaterThan(32); // Mbit/s links: thousands of 256-bit keys per second
    expect((await snapshotWith(32)).refillKeysPerSecond).toBe(32);
    expect((await snapshotWith(1e9)).refillKeysPerSecond).toBe(links);
    expect((await snapshotWith(0)).refillKeysPerSecond).toBe(0);
    // A round never adds more than perRound keys to a pool.
    const small = new PoolReplenisher(s.keys, s.distribution, { poolTarget: TARGET * 3, perRound: 5 });
    expect(await small.round()).toEqual([expect.objectContaining({ created: 5 })]);
  });

  it("reads the refill rate from the pool's live keys, however long the pool's history", async () => {
    const pool = poolOf(t.db);
    const sites = ["ep-bank", "ep-stock"];
    const before = await refillKeysPerSecond(pool, sites);
    expect(before).toBeGreaterThan(0);
    // 3,000 keys of the pool's past: destroyed, activated earlier, each with its route (routes are never deleted).
    const label = poolLabel(sites);
    await pool.query(
      `WITH src AS (SELECT * FROM keys WHERE label = $1 AND state = 'ACTIVE' LIMIT 1),
            past AS (INSERT INTO keys (id, lineage_id, generation, distribution_attempt, label, purpose, policy, state, version, size_bits,
                                       fingerprint, entropy_source, retention_days, generated_at, activated_at, destroyed_at, updated_at)
                     SELECT gen_random_uuid(), gen_random_uuid(), 1, 1, src.label, src.purpose, src.policy, 'DESTROYED', 9, src.size_bits,
                            src.fingerprint, src.entropy_source, 1, src.generated_at - make_interval(secs => i + 60),
                            src.activated_at - make_interval(secs => i + 60), src.activated_at, src.updated_at
                       FROM src, generate_series(1, 3000) AS i RETURNING id)
       INSERT INTO key_routes (key_id, node_id, node_path, link_path, bits, routed_at)
       SELECT past.id, r.node_id, r.node_path, r.link_path, r.bits, r.routed_at FROM past,
              (SELECT r.* FROM key_routes r JOIN src ON r.key_id = src.id LIMIT 1) AS r`,
      [label],
    );
    await pool.query("ANALYZE keys; ANALYZE key_routes");
    expect(await refillKeysPerSecond(pool, sites)).toBe(before);
    // Rows read from keys, summed over the plan: at most the pool's live keys, not the 3,000 of its history.
    const live = (await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM keys WHERE label = $1 AND state IN ('GENERATED', 'DISTRIBUTED', 'ACTIVE')", [label])).rows[0]!.n;
    const plan = (await pool.query<{ "QUERY PLAN": unknown }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${REFILL_RATE_SQL}`, [label])).rows[0]!["QUERY PLAN"];
    let keyRows = 0;
    const walk = (p: Record<string, unknown>) => {
      if (p["Relation Name"] === "keys") keyRows += Number(p["Actual Rows"]) * Number(p["Actual Loops"]);
      for (const c of (p.Plans as Record<string, unknown>[] | undefined) ?? []) walk(c);
    };
    walk((plan as Array<{ Plan: Record<string, unknown> }>)[0]!.Plan);
    expect(keyRows).toBeGreaterThan(0);
    expect(keyRows).toBeLessThanOrEqual(live);
    expect(live).toBeLessThan(100);
  });
});
