/**
 * Rotation protocols over a real PostgreSQL, a small star mesh (createNodes) and
 * in-process node agents, with an injectable clock: scheduled (cryptoperiod),
 * usage limit, QBER warning on a link in the route, node rejoin, operator
 * request; completion after the overlap; destruction after retention; a
 * participant that never confirms (rotation cancelled, old key usable, reason
 * recorded, retry backed off).
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it, vi } from "vitest";
import { verifyStoredChain } from "../audit/audit-log";
import type { Services } from "../runtime/services";
import { callerAs, createTestUsers } from "../testing/auth-fixtures";
import { ACTOR, createNodes, testServices } from "../testing/fixtures";
import { createTestDatabase, type TestDatabase } from "../testing/test-database";
import { rotationProgress } from "./rotation-progress";
import { listKeys } from "../keys/key-queries";
import { RETRY_SCHEDULED_ACTION } from "./rotation-service";
import { sweepRotations } from "./rotation-sweep";

const DAY = 86_400_000;

describe("rotation protocols", () => {
  let t: TestDatabase;
  let s: Services;
  let clock = Date.parse("2026-11-29T12:00:00Z");
  const now = () => new Date(clock);

  beforeAll(async () => {
    t = await createTestDatabase(inject("adminUrl"), "rotation");
    await createNodes(t.db, ["hub-1", "node-a", "node-b", "node-c"]);
  });
  beforeEach(async () => {
    clock = Date.parse("2026-11-29T12:00:00Z");
    s = testServices(t.db, t.url, { clock: now, receiptTimeoutMs: 200 });
    // Each test sees only its own keys (the sweep looks at every key); the audit chain stays.
    await t.db.keyRoute.deleteMany();
    await t.db.keyParticipant.deleteMany();
    await t.db.key.updateMany({ data: { predecessorId: null } });
    await t.db.key.deleteMany();
  });
  afterAll(async () => t.dispose());

  async function activeKey(participants: string[], policy = "standard", label = "k") {
    const k = await s.keys.create({ label, purpose: "test", policy, participants }, ACTOR);
    const r = await s.distribution.distribute(k.id, ACTOR);
    expect(r.finalKey.state).toBe("ACTIVE");
    return r.finalKey;
  }
  const key = (id: string) => t.db.key.findUniqueOrThrow({ where: { id }, include: { participants: true } });
  const successors = (id: string) => t.db.key.findMany({ where: { predecessorId: id }, orderBy: [{ generation: "asc" }, { distributionAttempt: "asc" }] });
  const audits = (id: string, action: string) => t.db.auditEntry.findMany({ where: { subjectId: id, action }, orderBy: { seq: "asc" } });

  it("scheduled: a key past its cryptoperiod rotates, stays usable through the overlap, retires, and is destroyed after retention", async () => {
    const k = await activeKey(["node-a", "node-b"]);
    const other = await activeKey(["node-c"], "high-assurance");
    expect(await rotationProgress(t.db, k.id)).toMatchObject({
      state: "ACTIVE", rotation: null, usage: { count: "0", max: 1_000_000 },
      nextScheduledRotationAt: new Date(k.activatedAt!.getTime() + DAY),
    });
    clock += 3_500_000; // < 1 h: nothing is due
    expect(await sweepRotations(s.rotation)).toEqual({ rotated: 0, retried: 0, completed: 0, driven: 0, destroyed: 0 });

    clock = Date.parse("2026-11-29T12:00:00Z") + DAY + 1_000; // the standard cryptoperiod (1 day) has run out
    const r1 = await sweepRotations(s.rotation);
    expect(r1.rotated).toBe(2); // the high-assurance key (1 h) is long due too
    const old = await key(k.id);
    expect(old.state).toBe("ROTATING");
    expect(old.materialCiphertext).not.toBeNull(); // still usable during the overlap
    const [succ] = await successors(k.id);
    expect(succ).toMatchObject({ state: "ACTIVE", generation: 2, lineageId: k.lineageId });
    expect((await audits(k.id, "KEY_ROTATION_STARTED"))[0]!.details).toMatchObject({ reason: "scheduled: cryptoperiod of 1 day reached" });
    const progress = await rotationProgress(t.db, k.id);
    expect(progress.rotation).toMatchObject({
      reason: "scheduled: cryptoperiod of 1 day reached", successor: { id: succ!.id, state: "ACTIVE" },
      overlapEndsAt: new Date(succ!.activatedAt!.getTime() + 300_000),
    });
    expect(progress.rotation!.receipts.map((r) => [r.nodeId, r.nodeName, r.confirmedAt !== null])).toEqual([["node-a", "NODE-A", true], ["node-b", "NODE-B", true]]);
    // The key list shows the same at a glance; keys that are not rotating carry none.
    const listed = (await listKeys(t.db, { limit: 200 })).items;
    expect(listed.find((x) => x.id === k.id)!.rotation).toEqual({
      successorId: succ!.id, successorState: "ACTIVE", confirmed: 2, participants: 2, overlapEndsAt: new Date(succ!.activatedAt!.getTime() + 300_000),
    });
    expect(listed.find((x) => x.id === succ!.id)!.rotation).toBeNull();
    expect((await audits((await successors(other.id))[0]!.id, "KEY_GENERATED"))[0]!.details).toMatchObject({ reason: "rotation: scheduled: cryptoperiod of 1 hour reached" });

    clock += 200_000; // within the 300 s overlap
    expect((await sweepRotations(s.rotation)).completed).toBe(1); // only the high-assurance key (60 s overlap)
    expect((await key(k.id)).state).toBe("ROTATING");
    clock += 101_000;
    expect((await sweepRotations(s.rotation)).completed).toBe(1);
    const retired = await key(k.id);
    expect(retired.state).toBe("RETIRED");
    expect(retired.retiredAt!.getTime()).toBe(clock);

    clock += 29 * DAY; // retention (30 days) not over
    expect((await sweepRotations(s.rotation)).destroyed).toBe(0);
    clock += DAY;
    expect((await sweepRotations(s.rotation)).destroyed).toBe(1);
    const gone = await key(k.id);
    expect(gone.state).toBe("DESTROYED");
    expect(gone.materialCiphertext).toBeNull();
    // A purge is recorded on the holder's answer (server/purging), not at the instruction.
    await s.purges.sweep({ keyIds: [k.id], ignoreBackoff: true });
    expect((await key(k.id)).participants.every((p) => p.purgeConfirmedAt !== null)).toBe(true);
    expect(s.agents.agent("node-a").holds(k.id)).toBe(false);
    expect(await audits(k.id, "KEY_DESTROYED")).toHaveLength(1);
    expect((await verifyStoredChain(t.db)).result.ok).toBe(true);
  });

  it("two instances sweeping at once rotate each due key once; a sweep takes a bounded batch", async () => {
    const masterKey = randomBytes(32); // two server processes of one deployment share the master key
    s = testServices(t.db, t.url, { clock: now, receiptTimeoutMs: 200, masterKey });
    const ks = [];
    for (let i = 0; i < 5; i++) ks.push(await activeKey([i % 2 ? "node-a" : "node-b"], "short-lived", `due-${i}`));
    clock += 901_000; // short-lived cryptoperiod: 15 min
    // The same agents hold the keys (one simulated mesh).
    const other = testServices(t.db, t.url, { clock: now, receiptTimeoutMs: 200, masterKey, agents: s.agents });
    const [r1, r2] = await Promise.all([sweepRotations(s.rotation, { batch: 2 }), sweepRotations(other.rotation, { batch: 2 })]);
    // Each sweep takes at most its batch; whether both picked the same two (the engine refuses the second) or
    // the second saw the first's rotations committed and took the next two depends on timing.
    expect(r1.rotated).toBeLessThanOrEqual(2);
    expect(r2.rotated).toBeLessThanOrEqual(2);
    const all = await Promise.all([sweepRotations(s.rotation), sweepRotations(other.rotation)]);
    expect(r1.rotated + r2.rotated + all[0].rotated + all[1].rotated).toBe(5);
    for (const k of ks) {
      expect(await audits(k.id, "KEY_ROTATION_STARTED"), k.label).toHaveLength(1);
      expect((await key(k.id)).state).toBe("RETIRED"); // overlap 0
      expect((await successors(k.id)).map((x) => x.state)).toEqual(["ACTIVE"]);
    }
  });

  it("usage limit: the usage that reaches maxUsage begins the rotation in its own transaction; the replacement is distributed", async () => {
    const k = await activeKey(["node-a"], "high-assurance"); // maxUsage 100,000
    expect((await s.keys.apply(k.id, { type: "RECORD_USAGE", count: 99_999 }, ACTOR)).state).toBe("ACTIVE");
    const v = await s.keys.apply(k.id, { type: "RECORD_USAGE", count: 1 }, ACTOR);
    expect(v.state).toBe("ROTATING");
    const started = await audits(k.id, "KEY_ROTATION_STARTED");
    expect(started[0]!.details).toMatchObject({ reason: "usage limit reached (100000 of 100000 uses)" });
    const usage = await audits(k.id, "KEY_USAGE_RECORDED");
    expect(usage[1]!.seq + 1n).toBe(started[0]!.seq); // same batch, right after the usage that reached the limit
    await vi.waitFor(async () => expect((await successors(k.id))[0]?.state).toBe("ACTIVE"), { timeout: 10_000, interval: 50 });
    clock += 61_000;
    expect(await s.rotation.complete(k.id)).toBe(true);
    expect((await key(k.id)).state).toBe("RETIRED");
  });

  it("rotation progress while the replacement waits: every participant's receipt pending, no overlap end yet; then confirmed", async () => {
    const k = await activeKey(["node-a", "node-c"], "high-assurance");
    const { successorId } = await s.rotation.begin(k.id, "progress check", ACTOR);
    const waiting = await rotationProgress(t.db, k.id);
    expect(waiting.rotation).toMatchObject({ reason: "progress check", successor: { id: successorId, state: "GENERATED", attempt: 1 }, overlapEndsAt: null });
    expect(waiting.rotation!.receipts.map((r) => r.confirmedAt)).toEqual([null, null]);
    expect(await s.rotation.drive(k.id)).toMatchObject({ outcome: "active", successorId, completed: false });
    const done = await rotationProgress(t.db, k.id);
    expect(done.rotation!.receipts.every((r) => r.confirmedAt !== null)).toBe(true);
    await expect(rotationProgress(t.db, "00000000-0000-4000-8000-000000000000")).rejects.toMatchObject({ code: "KEY_NOT_FOUND" });
  });

  it("a replacement nobody drives (e.g. after a restart) is driven by the sweep after 2 min; one waiting over 15 min is left to operators", async () => {
    const k = await activeKey(["node-a"], "short-lived");
    const stale = await activeKey(["node-b"], "short-lived");
    await s.rotation.begin(stale.id, "left long ago", ACTOR);
    clock += 16 * 60_000;
    await s.rotation.begin(k.id, "interrupted", ACTOR);
    clock += 60_000;
    expect((await sweepRotations(s.rotation)).driven).toBe(0); // too fresh: its driver may still be at work
    clock += 61_000;
    expect((await sweepRotations(s.rotation)).driven).toBe(1);
    expect((await key(k.id)).state).toBe("RETIRED"); // short-lived: no overlap
    expect((await successors(stale.id))[0]!.state).toBe("GENERATED");
  });

  it("QBER warning on a link in a key's route rotates exactly the ACTIVE keys routed over it; abort crossings are left to recovery", async () => {
    const a = await activeKey(["node-a"], "standard", "over-a");
    const ab = await activeKey(["node-a", "node-b"], "standard", "over-a-and-b");
    const c = await activeKey(["node-c"], "standard", "over-c");
    const [route] = await t.db.keyRoute.findMany({ where: { keyId: a.id } });
    const linkId = route!.linkPath[0]!;
    await t.db.link.update({ where: { id: linkId }, data: { qber: 0.062 } });

    await s.rotationTriggers.fromTick({ tick: 9, dtSimSeconds: 1, crossings: [{ linkId, from: "warning", to: "compromised" }], offline: [], rejoined: [] });
    expect((await key(a.id)).state).toBe("ACTIVE");

    const out = await s.rotationTriggers.handle({ kind: "qber-warning", linkId, signal: "qber:test" });
    expect(out.reason).toBe(`QBER warning on link ${linkId} (6.2%)`);
    expect(out.rotated.sort()).toEqual([a.id, ab.id].sort());
    for (const id of [a.id, ab.id]) {
      expect((await key(id)).state).toBe("ROTATING");
      expect((await successors(id))[0]!.state).toBe("ACTIVE");
      expect((await audits(id, "KEY_ROTATION_STARTED"))[0]!.details).toMatchObject({ reason: out.reason });
    }
    const untouched = await key(c.id);
    expect(untouched).toMatchObject({ state: "ACTIVE", version: c.version });
  });

  it("a node rejoining (simulation tick) rotates the ACTIVE keys it holds, and no other", async () => {
    const held = await activeKey(["node-b", "node-c"], "short-lived");
    const notHeld = await activeKey(["node-a"], "short-lived");
    await s.rotationTriggers.fromTick({ tick: 12, dtSimSeconds: 1, crossings: [], offline: [], rejoined: ["node-c"] });
    // short-lived: overlap 0, so the rotation completes as soon as the replacement is ACTIVE.
    expect((await key(held.id)).state).toBe("RETIRED");
    expect((await successors(held.id))[0]!.state).toBe("ACTIVE");
    expect((await audits(held.id, "KEY_ROTATION_STARTED"))[0]!.details).toMatchObject({ reason: expect.stringMatching(/^node node-c rejoined after being offline/) });
    expect(await key(notHeld.id)).toMatchObject({ state: "ACTIVE", version: notHeld.version });
  });

  it("an operator restoring an isolated node (live event mesh/node-restored) rotates the ACTIVE keys it holds", async () => {
    const held = await activeKey(["node-c"], "short-lived");
    const notHeld = await activeKey(["node-a"], "short-lived");
    await s.events.start();
    const stop = s.rotationTriggers.start({ events: s.events });
    try {
      await s.mesh.isolateNode("node-c", "suspected tampering", ACTOR);
      expect((await key(held.id)).state).toBe("ACTIVE"); // isolation alone rotates nothing
      await s.mesh.restoreNode("node-c", "inspected", ACTOR);
      await vi.waitFor(async () => expect((await key(held.id)).state).toBe("RETIRED"), { timeout: 10_000, interval: 50 });
      expect((await audits(held.id, "KEY_ROTATION_STARTED"))[0]!.details).toMatchObject({ reason: expect.stringMatching(/^node node-c rejoined after being isolated/) });
      expect(await key(notHeld.id)).toMatchObject({ state: "ACTIVE", version: notHeld.version });
    } finally {
      stop();
      await s.events.stop();
    }
  });

  it("operator request (keys.rotate as an officer): the replacement is distributed and the rotation completes by itself", async () => {
    const users = await createTestUsers(t.db, s.keys, "rot");
    const caller = callerAs(t.db, s.keys, users.officer);
    const k = await activeKey(["node-a", "node-b"], "short-lived");
    const v = await caller.keys.rotate({ id: k.id, reason: "suspected misuse", expectedVersion: k.version });
    expect(v.state).toBe("ROTATING");
    await vi.waitFor(async () => expect((await key(k.id)).state).toBe("RETIRED"), { timeout: 10_000, interval: 50 });
    expect((await audits(k.id, "KEY_ROTATION_STARTED"))[0]).toMatchObject({ actor: expect.stringMatching(/^user:/), details: expect.objectContaining({ reason: "operator request: suspected misuse" }) });
    await expect(caller.keys.rotate({ id: k.id, reason: "again" })).rejects.toThrow(/not allowed for a key in state RETIRED/);
  });

  it("a participant that never confirms: every attempt fails, the rotation is cancelled, the old key stays ACTIVE and usable, the reason and retry are recorded, and it is not retried before the backoff", async () => {
    const k = await activeKey(["node-a", "node-b"]);
    s.agents.setFault("node-b", { drop: true });
    const out = await s.rotation.rotate(k.id, "test rotation");
    expect(out).toMatchObject({ outcome: "cancelled", reason: expect.stringMatching(/3 distribution attempts failed; last: no receipt from node-b within 200 ms/) });
    const old = await key(k.id);
    expect(old.state).toBe("ACTIVE");
    expect(old.materialCiphertext).not.toBeNull();
    expect((await successors(k.id)).map((x) => x.state)).toEqual(["DESTROYED", "DESTROYED", "DESTROYED"]);
    expect(await audits(k.id, "KEY_ROTATION_CANCELLED")).toHaveLength(1);
    const [retry] = await audits(k.id, RETRY_SCHEDULED_ACTION);
    expect(retry!.details).toMatchObject({ failures: 1, retryAt: new Date(clock + 60_000).toISOString() });
    expect((await rotationProgress(t.db, k.id)).lastFailure).toMatchObject({
      reason: expect.stringMatching(/^rotation cancelled: 3 distribution attempts failed/), retryAt: new Date(clock + 60_000),
    });
    // Usable: usage is still recorded on it.
    expect((await s.keys.apply(k.id, { type: "RECORD_USAGE", count: 5 }, ACTOR)).usageCount).toBe(5n);

    s.agents.setFault("node-b", null);
    const retryAt = Date.parse((retry!.details as { retryAt: string }).retryAt);
    clock = retryAt - 1_000; // before the backoff ends the sweep leaves it alone, even with its cryptoperiod run out
    await t.db.key.update({ where: { id: k.id }, data: { activatedAt: new Date(clock - DAY - 1) } });
    expect((await sweepRotations(s.rotation)).rotated).toBe(0);
    expect((await sweepRotations(s.rotation)).retried).toBe(0);
    clock = retryAt + 1_000;
    await t.db.key.update({ where: { id: k.id }, data: { activatedAt: new Date(clock - 1_000) } }); // not due by cryptoperiod: only the retry applies
    expect(await sweepRotations(s.rotation)).toMatchObject({ rotated: 0, retried: 1 });
    expect((await key(k.id)).state).toBe("ROTATING");
    expect((await successors(k.id)).filter((x) => x.state === "ACTIVE")).toHaveLength(1); // besides the three failed attempts
    expect((await sweepRotations(s.rotation)).retried).toBe(0); // done: not retried again
    expect((await audits(k.id, "KEY_ROTATION_STARTED"))[1]!.details).toMatchObject({ reason: "retry after a failed rotation: test rotation" });
  });
});
