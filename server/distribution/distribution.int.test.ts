/**
 * Distribution over a real PostgreSQL with faults injected at the node agents:
 * every failure mode ends with the failed key DESTROYED (material zeroised,
 * holders told to purge) and a retry with new material that becomes ACTIVE;
 * never an ACTIVE key with a participant that did not confirm; pool bits spent
 * exactly once per hop and never below zero.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { verifyStoredChain } from "../audit/audit-log";
import { demoMesh } from "../demo/demo-topology";
import type { Services } from "../runtime/services";
import type { AgentFault } from "../agents/in-process-agents";
import { MeshBatch } from "../mesh/mesh-batch";
import { ACTOR, testServices, writeMesh } from "../testing/fixtures";
import { createTestDatabase, type TestDatabase } from "../testing/test-database";

describe("distribution over the mesh", () => {
  let t: TestDatabase;
  let s: Services;
  let clock = Date.parse("2026-11-29T12:00:00Z");

  beforeAll(async () => {
    t = await createTestDatabase(inject("adminUrl"), "distribution");
    await writeMesh(t.db, demoMesh());
  });
  beforeEach(() => {
    s = testServices(t.db, t.url, { clock: () => new Date(clock), receiptTimeoutMs: 200 });
  });
  afterAll(async () => t.dispose());

  const newKey = (participants: string[], label = "k", policy = "standard") => s.keys.create({ label, purpose: "test", policy, participants }, ACTOR);
  const pools = async () => new Map((await t.db.link.findMany({ select: { id: true, poolBits: true, bitsConsumed: true } })).map((l) => [l.id, l]));

  async function expectNoHalfActiveKeys() {
    const active = await t.db.key.findMany({ where: { state: "ACTIVE" }, include: { participants: true } });
    for (const k of active) for (const p of k.participants) expect(p.confirmedAt, `${k.label}/${p.nodeId}`).not.toBeNull();
    const negative = await t.db.link.count({ where: { poolBits: { lt: 0 } } });
    expect(negative).toBe(0);
  }

  it("two drivers collecting the same key's receipts at once: both see it ACTIVE, and the holders keep it", async () => {
    const k = await newKey(["ep-bank", "ep-grid"], "double-collect");
    const routed = await s.distribution.routeKey(k.id, ACTOR);
    expect(routed.ok).toBe(true);
    // Two instances resuming the same interrupted distribution: one confirms first, the other finds it ACTIVE.
    const [a, b] = await Promise.all([s.distribution.collect(k.id, ACTOR), s.distribution.collect(k.id, ACTOR)]);
    expect([a.finalKey.state, b.finalKey.state]).toEqual(["ACTIVE", "ACTIVE"]);
    expect([a.finalKey.id, b.finalKey.id]).toEqual([k.id, k.id]);
    expect(s.agents.agent("ep-bank").holds(k.id)).toBe(true);
    expect(s.agents.agent("ep-grid").holds(k.id)).toBe(true);
    expect(await t.db.key.count({ where: { lineageId: k.id } })).toBe(1); // no retry was made
  });

  it("routes from the hub over relays, spends the pad on every hop once, and activates on every receipt", async () => {
    const before = await pools();
    const k = await newKey(["ep-ministry", "ep-dc2"]);
    const r = await s.distribution.distribute(k.id, ACTOR);
    expect(r.attempts).toHaveLength(1);
    expect(r.finalKey).toMatchObject({ id: k.id, state: "ACTIVE" });
    const routes = await t.db.keyRoute.findMany({ where: { keyId: k.id }, orderBy: { nodeId: "asc" } });
    expect(routes.map((x) => [x.nodeId, x.nodePath])).toEqual([
      ["ep-dc2", ["hub-sov", "relay-west", "ep-dc2"]],
      ["ep-ministry", ["hub-sov", "relay-north", "ep-ministry"]],
    ]);
    const after = await pools();
    for (const [id, l] of after) {
      const hops = routes.filter((x) => x.linkPath.includes(id)).length;
      expect(before.get(id)!.poolBits - l.poolBits, id).toBe(BigInt(hops * 256));
      expect(l.bitsConsumed - before.get(id)!.bitsConsumed).toBe(BigInt(hops * 256));
    }
    // The agents hold exactly the key whose fingerprint the hub recorded.
    const row = await t.db.key.findUniqueOrThrow({ where: { id: k.id } });
    expect(await s.agents.agent("ep-ministry").integrity(k.id)).toBe(row.fingerprint);
    const entry = await t.db.auditEntry.findFirstOrThrow({ where: { subjectId: k.id, action: "KEY_DISTRIBUTED" } });
    expect((entry.details as { routes: unknown[] }).routes).toHaveLength(2);
  });

  it.each<[string, AgentFault, RegExp]>([
    ["a dropped delivery (no receipt before the timeout)", { drop: true, times: 1 }, /no receipt from ep-bank within 200 ms/],
    ["a late receipt", { delayMs: 400, times: 1 }, /no receipt from ep-bank within 200 ms/],
    ["a wrong confirmation", { wrongConfirmation: true, times: 1 }, /wrong receipt from ep-bank/],
  ])("%s fails the key (DESTROYED, purged) and the retry with new material becomes ACTIVE", async (_name, fault, reason) => {
    const k = await newKey(["ep-bank", "ep-grid"], "fault");
    s.agents.setFault("ep-bank", fault);
    const r = await s.distribution.distribute(k.id, ACTOR);
    expect(r.attempts.map((a) => a.outcome)).toEqual(["failed", "active"]);
    expect(r.attempts[0]!.reason).toMatch(reason);
    const failed = await t.db.key.findUniqueOrThrow({ where: { id: k.id }, include: { participants: true } });
    expect(failed.state).toBe("DESTROYED");
    expect(failed.materialCiphertext).toBeNull();
    // Purges are confirmed by the purge sweep the failure starts, in the background: under load it may still be running.
    await expect.poll(async () => (await t.db.keyParticipant.findMany({ where: { keyId: k.id } })).map((p) => p.purgeConfirmedAt !== null), { timeout: 10_000 }).toEqual([true, true]);
    expect(s.agents.agent("ep-grid").holds(k.id)).toBe(false); // told to purge
    const retry = await t.db.key.findUniqueOrThrow({ where: { id: r.finalKey.id } });
    expect(retry).toMatchObject({ state: "ACTIVE", lineageId: k.lineageId, distributionAttempt: 2 });
    expect(retry.fingerprint).not.toBe(failed.fingerprint);
    if ("wrongConfirmation" in fault) expect(await t.db.auditEntry.count({ where: { subjectId: k.id, action: "KEY_RECEIPT_REJECTED" } })).toBe(1);
    await expectNoHalfActiveKeys();
  });

  it("no path: the key fails in GENERATED without spending a bit, and a retry succeeds once the node is back", async () => {
    await s.mesh.isolateNode("ep-police", "maintenance window", ACTOR);
    const before = await pools();
    const k = await newKey(["ep-police"], "no-path");
    let restored = false;
    const svc = testServices(t.db, t.url, { clock: () => new Date(clock), receiptTimeoutMs: 200 });
    // The backoff before the retry is when the operator brings the node back.
    (svc.distribution as unknown as { sleep: (ms: number) => Promise<void> }).sleep = async () => {
      if (!restored) await svc.mesh.restoreNode("ep-police", "maintenance over", ACTOR);
      restored = true;
    };
    const r = await svc.distribution.distribute(k.id, ACTOR);
    expect(r.attempts[0]).toMatchObject({ outcome: "failed", reason: "node ep-police is isolated or offline" });
    expect(r.finalKey.state).toBe("ACTIVE");
    const spentOnFailure = [...(await pools())].filter(([id, l]) => l.poolBits !== before.get(id)!.poolBits && !r.attempts[1]!.routes.some((x) => x.linkPath.includes(id)));
    expect(spentOnFailure).toEqual([]);
    expect((await t.db.key.findUniqueOrThrow({ where: { id: k.id } })).state).toBe("DESTROYED");
  });

  it("an empty pool fails the distribution; when the pool refills the retry goes through", async () => {
    await t.db.link.update({ where: { id: "ep-customs--relay-harbour" }, data: { poolBits: 100n } });
    const k = await newKey(["ep-customs"], "empty-pool");
    // The simulation's own pool model, without the ends' pad reports (devices start full, so a report would refill this
    // pool at once): what this test checks is the route's refusal and the retry once the pool refilled.
    // server/quantum-channel/pad-pool.int.test.ts shows pools taken from the reports.
    const svc = testServices(t.db, t.url, { clock: () => new Date(clock), receiptTimeoutMs: 200, simulation: { speed: 1, pads: undefined } });
    await svc.simulator.tickOnce(); // sets the simulation's clock
    (svc.distribution as unknown as { sleep: (ms: number) => Promise<void> }).sleep = async () => {
      clock += 1_000; // one simulated second refills far more than 256 bits
      await svc.simulator.tickOnce();
    };
    const r = await svc.distribution.distribute(k.id, ACTOR);
    expect(r.attempts[0]!.reason).toMatch(/no path from hub-sov to ep-customs has 256 pool bits/);
    expect(r.finalKey.state).toBe("ACTIVE");
  });

  it("gives up after the policy's attempts, destroying each key, and never leaves one ACTIVE", async () => {
    const k = await newKey(["ep-telco"], "doomed");
    s.agents.setFault("ep-telco", { wrongConfirmation: true });
    try {
      const r = await s.distribution.distribute(k.id, ACTOR);
      expect(r.abandoned).toBe(true);
      expect(r.attempts.map((a) => a.outcome)).toEqual(["failed", "failed", "failed"]);
      const lineage = await t.db.key.findMany({ where: { lineageId: k.lineageId } });
      expect(lineage.map((x) => x.state)).toEqual(["DESTROYED", "DESTROYED", "DESTROYED"]);
      expect(await t.db.auditEntry.count({ where: { action: "KEY_DISTRIBUTION_ABANDONED", subjectId: r.finalKey.id } })).toBe(1);
    } finally {
      s.agents.setFault("ep-telco", null);
    }
    await expectNoHalfActiveKeys();
  });

  it("concurrent distributions never spend more pool than there is", async () => {
    // Room for exactly 5 keys of 256 bits on the only link to ep-water.
    await t.db.link.update({ where: { id: "ep-water--relay-south" }, data: { poolBits: 5n * 256n + 100n } });
    const keys = await Promise.all(Array.from({ length: 8 }, (_, i) => newKey(["ep-water"], `race-${i}`, "short-lived")));
    const reports = await Promise.all(keys.map((k) => s.distribution.distribute(k.id, ACTOR)));
    expect(reports.filter((r) => r.finalKey.state === "ACTIVE")).toHaveLength(5);
    expect(reports.filter((r) => r.abandoned)).toHaveLength(3);
    const link = await t.db.link.findUniqueOrThrow({ where: { id: "ep-water--relay-south" } });
    expect(link.poolBits).toBe(100n);
    await expectNoHalfActiveKeys();
  });

  it("a key left DISTRIBUTED by a crash is failed and its retry distributed on resume", async () => {
    const k = await newKey(["ep-university"], "interrupted");
    const routed = await s.distribution.routeKey(k.id, ACTOR); // the process dies before delivering
    expect(routed.ok).toBe(true);
    clock += 5_000;
    const reports = await s.distribution.resumeInterrupted(ACTOR, new Date(clock));
    const mine = reports.find((r) => r.finalKey.lineageId === k.lineageId);
    expect(mine?.finalKey.state).toBe("ACTIVE");
    expect((await t.db.key.findUniqueOrThrow({ where: { id: k.id } })).failureReason).toMatch(/interrupted/);
  });

  it("leaves alone keys that have waited for receipts longer than the resume window (operators collect them)", async () => {
    const k = await newKey(["ep-university"], "long-waiting");
    await s.distribution.routeKey(k.id, ACTOR);
    clock += 60 * 60_000; // an hour later
    const reports = await s.distribution.resumeInterrupted(ACTOR, new Date(clock));
    expect(reports.some((r) => r.finalKey.lineageId === k.lineageId)).toBe(false);
    expect((await t.db.key.findUniqueOrThrow({ where: { id: k.id } })).state).toBe("DISTRIBUTED");
  });

  it("collects receipts for a key already distributed", async () => {
    const k = await newKey(["ep-rail"], "collect");
    await s.distribution.routeKey(k.id, ACTOR);
    const r = await s.distribution.collect(k.id, ACTOR);
    expect(r.finalKey).toMatchObject({ id: k.id, state: "ACTIVE" });
  });

  it("reuses the mesh between routing batches, and sees a write made outside the runner at once", async () => {
    const mesh = s.keys.runner.partOf(MeshBatch)!;
    const a = await newKey(["ep-hospital"], "cache-a");
    await s.distribution.distribute(a.id, ACTOR);
    const before = { ...mesh.meshStats };
    const b = await newKey(["ep-hospital"], "cache-b");
    await s.distribution.distribute(b.id, ACTOR);
    expect(mesh.meshStats.reuses).toBeGreaterThan(before.reuses);
    expect(mesh.meshStats.loads).toBe(before.loads);
    // Someone empties the only pool on the way with plain SQL: the next routing batch must see it.
    await t.db.link.update({ where: { id: "ep-hospital--relay-south" }, data: { poolBits: 10n } });
    const c = await newKey(["ep-hospital"], "cache-c");
    expect(await s.distribution.routeKey(c.id, ACTOR)).toMatchObject({ ok: false, reason: expect.stringMatching(/256 pool bits/) });
    expect(mesh.meshStats.loads).toBe(before.loads + 1);
    const spent = await t.db.link.findUniqueOrThrow({ where: { id: "ep-hospital--relay-south" } });
    expect(spent.poolBits).toBe(10n);
  });

  it("leaves the audit chain whole", async () => {
    const v = await verifyStoredChain(t.db);
    expect(v.result).toMatchObject({ ok: true });
    expect(v.result.entries).toBeGreaterThan(50);
  });
});
