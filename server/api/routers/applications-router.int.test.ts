/**
 * The applications API (ETSI 014 SAEs) through the routers, as the console
 * calls it, on a real PostgreSQL: an administrator registers, edits, disables
 * and enables, pairs and unpairs applications, each change audited; refusals
 * (a taken SAE ID, a stale version, an unknown SAE) change nothing; viewers
 * read the registry, a site's KME (pools, deliveries and refusals lately) and a
 * key's deliveries, and nothing they read carries key material.
 */
import type { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { readHead } from "../../audit/audit-log";
import { poolOf } from "../../db/client";
import type { SessionUser } from "../../domain/access/session-user";
import type { KeyService } from "../../keys/key-service";
import { poolLabel } from "../../kme/hub/pool-queries";
import { callerAs, createTestUsers, type TestUserName } from "../../testing/auth-fixtures";
import { ACTOR, createNodes, servicesOf, testKeyService } from "../../testing/fixtures";
import { createTestDatabase, type TestDatabase } from "../../testing/test-database";

const PIN = "ab".repeat(32);
const PIN_WITH_COLONS = Array.from({ length: 32 }, () => "CD").join(":");

describe("applications through the routers", () => {
  let t: TestDatabase;
  let keys: KeyService;
  let users: Record<TestUserName, SessionUser>;
  const as = (who: TestUserName) => callerAs(t.db, keys, users[who]);
  const code = (p: Promise<unknown>) => p.then(() => "OK", (e: TRPCError) => `${e.code}: ${e.message}`);
  const audit = async (action: string) =>
    (await poolOf(t.db).query<{ subject_id: string; details: Record<string, unknown> }>("SELECT subject_id, details FROM audit_entries WHERE action = $1 ORDER BY seq", [action])).rows;
  const sae = async (id: string) => (await as("viewer").applications.list()).saes.find((s) => s.saeId === id);

  beforeAll(async () => {
    t = await createTestDatabase(inject("adminUrl"), "apps");
    await createNodes(t.db);
    keys = testKeyService(t.db);
    users = await createTestUsers(t.db, keys, "apps");
  });
  afterAll(async () => t?.dispose());

  it("an administrator registers an application; pins are stored as 64 lower-case hex; a taken SAE ID or an unknown site changes nothing", async () => {
    await as("admin").applications.register({ saeId: "sae-a1", nodeId: "node-a", description: "  payments gateway  ", certPins: [PIN, PIN_WITH_COLONS] });
    const a1 = await sae("sae-a1");
    expect(a1).toMatchObject({ nodeId: "node-a", description: "payments gateway", certPins: [PIN, "cd".repeat(32)], enabled: true, version: 0, pairedWith: [], deliveries: 0 });
    expect(await audit("SAE_REGISTERED")).toEqual([expect.objectContaining({ subject_id: "sae-a1", details: expect.objectContaining({ nodeId: "node-a" }) })]);

    const head = await readHead(t.db);
    expect(await code(as("admin").applications.register({ saeId: "sae-a1", nodeId: "node-b" }))).toMatch(/^CONFLICT: An application with SAE ID sae-a1 is already registered/);
    expect(await code(as("admin").applications.register({ saeId: "sae-zz", nodeId: "node-zz" }))).toMatch(/^BAD_REQUEST: There is no node node-zz/);
    expect(await code(as("viewer").applications.register({ saeId: "sae-v", nodeId: "node-a" }))).toMatch(/^FORBIDDEN/);
    expect(await readHead(t.db)).toEqual(head);
  });

  it("edits description and pins at the version seen; a stale version is a CONFLICT that says to reload, and changes nothing", async () => {
    await as("admin").applications.update({ saeId: "sae-a1", expectedVersion: 0, description: "payments gateway (primary)" });
    expect(await sae("sae-a1")).toMatchObject({ description: "payments gateway (primary)", version: 1 });
    const head = await readHead(t.db);
    expect(await code(as("admin").applications.update({ saeId: "sae-a1", expectedVersion: 0, certPins: [] })))
      .toMatch(/^CONFLICT: sae-a1 changed since you loaded it \(you saw version 0; it is now version 1\)\. Reload/);
    expect(await code(as("admin").applications.update({ saeId: "sae-nobody", expectedVersion: 0, description: "x" }))).toMatch(/^NOT_FOUND: There is no application sae-nobody/);
    expect(await readHead(t.db)).toEqual(head);
    await as("admin").applications.update({ saeId: "sae-a1", expectedVersion: 1, certPins: [] });
    expect(await sae("sae-a1")).toMatchObject({ certPins: [], version: 2 });
    expect((await audit("SAE_UPDATED")).map((e) => Object.keys(e.details).sort())).toEqual([
      ["description", "nodeId", "previousDescription"], ["certPins", "nodeId", "previousCertPins"],
    ]);
  });

  it("disables with a reason (audited) and enables again; pairs and unpairs", async () => {
    await as("admin").applications.register({ saeId: "sae-b1", nodeId: "node-b" });
    await as("admin").applications.pair({ saeA: "sae-b1", saeB: "sae-a1" });
    expect(await sae("sae-a1")).toMatchObject({ pairedWith: ["sae-b1"] });
    expect((await as("viewer").applications.list()).pairs).toEqual([expect.objectContaining({ saeA: "sae-a1", saeB: "sae-b1", sites: ["node-a", "node-b"] })]);
    expect(await code(as("admin").applications.pair({ saeA: "sae-a1", saeB: "sae-b1" }))).toMatch(/^CONFLICT: sae-a1 and sae-b1 are already paired/);
    expect(await code(as("admin").applications.pair({ saeA: "sae-a1", saeB: "sae-ghost" }))).toMatch(/^NOT_FOUND: There is no application sae-ghost; register it first/);

    await as("admin").applications.setEnabled({ saeId: "sae-b1", enabled: false, expectedVersion: 0, reason: "certificate leaked" });
    expect(await sae("sae-b1")).toMatchObject({ enabled: false, version: 1 });
    expect(await audit("SAE_DISABLED")).toEqual([expect.objectContaining({ subject_id: "sae-b1", details: expect.objectContaining({ reason: "certificate leaked" }) })]);
    expect(await code(as("admin").applications.setEnabled({ saeId: "sae-b1", enabled: false, expectedVersion: 1, reason: "again" }))).toMatch(/^BAD_REQUEST: sae-b1 is already disabled/);
    await as("admin").applications.setEnabled({ saeId: "sae-b1", enabled: true, expectedVersion: 1 });
    expect(await sae("sae-b1")).toMatchObject({ enabled: true, version: 2 });

    await as("admin").applications.unpair({ saeA: "sae-a1", saeB: "sae-b1" });
    expect(await sae("sae-a1")).toMatchObject({ pairedWith: [] });
    expect(await code(as("admin").applications.unpair({ saeA: "sae-a1", saeB: "sae-b1" }))).toMatch(/^NOT_FOUND: sae-a1 and sae-b1 are not paired/);
    expect((await audit("SAE_PAIR_REMOVED")).map((e) => e.subject_id)).toEqual(["sae-a1~sae-b1"]);
  });

  it("a site's KME: its SAEs, its pool with the peer (available keys, refill rate, target), deliveries in the last minute and hour, refusals", async () => {
    await as("admin").applications.pair({ saeA: "sae-a1", saeB: "sae-b1" });
    const empty = await as("viewer").applications.site({ nodeId: "node-a" });
    expect(empty).toMatchObject({
      nodeId: "node-a", saes: [expect.objectContaining({ saeId: "sae-a1", enabled: true, pairedWith: ["sae-b1"] })],
      pools: [{ sites: ["node-a", "node-b"], peers: ["node-b"], pairs: [{ saeA: "sae-a1", saeB: "sae-b1" }], available: 0, refillKeysPerSecond: 0, target: servicesOf(keys).kme.limits.poolTarget }],
      deliveriesLastMinute: 0, deliveriesLastHour: 0, refusalsLastHour: 0,
    });

    // A pool key the way the replenisher makes one: policy etsi014, the pool's label, exactly the pair's sites, distributed.
    const pooled = await keys.create({ label: poolLabel(["node-a", "node-b"]), purpose: "pool", policy: "etsi014", participants: ["node-a", "node-b"] }, ACTOR);
    expect((await keys.distributor!.distribute(pooled.id, ACTOR)).finalKey.state).toBe("ACTIVE");
    const [pool] = (await as("viewer").applications.site({ nodeId: "node-b" })).pools;
    expect(pool).toMatchObject({ peers: ["node-a"], available: 1 });
    expect(pool!.refillKeysPerSecond).toBeGreaterThan(0);

    // Deliveries served by node-a's KME: 30 s ago, 30 min ago, 2 h ago, and one still waiting for its slave.
    const now = keys.clock().getTime();
    const made = await Promise.all([0, 1, 2, 3].map(() => keys.create({ label: "delivered", purpose: "t", policy: "etsi014", participants: ["node-a", "node-b"] }, ACTOR)));
    const at = [now - 30_000, now - 30 * 60_000, now - 2 * 3_600_000, null];
    for (const [i, k] of made.entries()) {
      await poolOf(t.db).query(
        `INSERT INTO key_sae_deliveries (key_id, sae_id, role, kme_node_id, master_sae_id, size_bits, request_id, assigned_at, delivered_at)
         VALUES ($1, 'sae-a1', 'master', 'node-a', 'sae-a1', 256, $2, $3, $4)`,
        [k.id, `req-${i}`, new Date(now - 3 * 3_600_000), at[i] === null ? null : new Date(at[i]!)],
      );
    }
    // Two audited 401s at node-a's KME and one at node-b's.
    for (const kme of ["node-a", "node-a", "node-b"]) {
      await keys.runner.submit({
        keyIds: [], load: async () => undefined,
        run: (ws) => { ws.audit({ actor: `kme:${kme}`, action: "ETSI014_ACCESS_REFUSED", subjectType: "sae", subjectId: "sae-intruder", fromState: null, toState: null, details: { kme, method: "enc_keys", reason: "unregistered" } }); },
        write: async () => undefined,
      });
    }
    const site = await as("viewer").applications.site({ nodeId: "node-a" });
    expect(site).toMatchObject({ deliveriesLastMinute: 1, deliveriesLastHour: 2, refusalsLastHour: 2 });
    expect(site.saes[0]).toMatchObject({ saeId: "sae-a1", deliveries: 4 });
    expect(await as("viewer").applications.site({ nodeId: "node-b" })).toMatchObject({ deliveriesLastMinute: 0, deliveriesLastHour: 0, refusalsLastHour: 1 });
    expect(await code(as("viewer").applications.site({ nodeId: "node-zz" }))).toMatch(/^NOT_FOUND: Node node-zz does not exist/);

    // A key's deliveries: the rows and the key's policy, never material.
    const d = await as("viewer").applications.keyDeliveries({ keyId: made[0]!.id });
    expect(d).toEqual({
      policy: "etsi014",
      deliveries: [{ saeId: "sae-a1", role: "master", kmeNodeId: "node-a", masterSaeId: "sae-a1", sizeBits: 256, requestId: "req-0", assignedAt: expect.any(Date), deliveredAt: new Date(at[0]!) }],
    });
    expect(JSON.stringify(d)).not.toMatch(/material|bytes|"key":/i);
    expect(await as("viewer").applications.keyDeliveries({ keyId: pooled.id })).toEqual({ policy: "etsi014", deliveries: [] });
    expect(await code(as("viewer").applications.keyDeliveries({ keyId: "00000000-0000-4000-8000-000000000000" }))).toMatch(/^NOT_FOUND/);
  });
});
