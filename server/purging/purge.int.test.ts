/**
 * Purges at holders on a real PostgreSQL (issue 12, finding 8): an approved
 * revocation and a manual destruction make every holder's agent erase its
 * copy; the purge is recorded only on the holder's answer; a holder that does
 * not answer stays "requested" and is asked again, also by a new process.
 */
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import type { SessionUser } from "../domain/access/session-user";
import type { Services } from "../runtime/services";
import { createTestUsers, type TestUserName } from "../testing/auth-fixtures";
import { ACTOR, createNodes, testServices } from "../testing/fixtures";
import { createTestDatabase, type TestDatabase } from "../testing/test-database";
import { PurgeService } from "./purge-service";

const DAY_MS = 86_400_000;

describe("purges at holders", () => {
  let t: TestDatabase;
  let s: Services;
  let users: Record<TestUserName, SessionUser>;
  let offsetMs = 0;

  beforeAll(async () => {
    t = await createTestDatabase(inject("adminUrl"), "purges");
    await createNodes(t.db);
    s = testServices(t.db, t.url, { clock: () => new Date(Date.now() + offsetMs) });
    users = await createTestUsers(t.db, s.keys, "pu");
  });
  afterAll(async () => t.dispose());

  async function activeKey(label: string) {
    const k = await s.keys.create({ label, purpose: "purge test", policy: "standard", participants: ["node-a", "node-b"] }, ACTOR);
    return (await s.distribution.distribute(k.id, ACTOR)).finalKey;
  }

  const holders = (keyId: string) => ["node-a", "node-b"].filter((n) => s.agents.agent(n).holds(keyId));
  const rows = (keyId: string) =>
    t.db.keyParticipant.findMany({ where: { keyId }, orderBy: { nodeId: "asc" }, select: { nodeId: true, purgeConfirmedAt: true, purgeRequestedAt: true, purgeAttempts: true } });

  async function revokeByApproval(keyId: string) {
    const approvals = s.approvals;
    const r = await approvals.request({ kind: "REVOCATION", targetId: keyId, justification: "material seen on an unmanaged host" }, users.analyst);
    await approvals.approve(r.id, "agreed", users.officer);
    await approvals.approve(r.id, "agreed too", users.officer2);
    await approvals.drive(r.id);
  }

  it("an approved revocation purges the material at every holder, recorded on their answers", async () => {
    const k = await activeKey("purge-approved");
    expect(holders(k.id)).toEqual(["node-a", "node-b"]);
    await revokeByApproval(k.id);
    // Before the fix the holders kept their copies: nobody told them.
    await vi.waitFor(() => expect(holders(k.id)).toEqual([]), { timeout: 5_000 });
    await vi.waitFor(async () => expect((await rows(k.id)).every((p) => p.purgeConfirmedAt && p.purgeRequestedAt && p.purgeConfirmedAt >= p.purgeRequestedAt)).toBe(true), { timeout: 5_000 });
    const entry = await t.db.auditEntry.findFirstOrThrow({ where: { subjectId: k.id, action: "KEY_PURGE_CONFIRMED" } });
    expect(entry.details).toMatchObject({ confirmedBy: ["node-a", "node-b"] });
  });

  it("a manual destruction after retention purges at every holder", async () => {
    const k = await activeKey("purge-destroyed");
    const begun = await s.keys.apply(k.id, { type: "BEGIN_ROTATION", reason: "test" }, ACTOR);
    const successor = await t.db.key.findFirstOrThrow({ where: { predecessorId: k.id } });
    await s.distribution.distribute(successor.id, ACTOR);
    offsetMs += DAY_MS;
    const cur = await t.db.key.findUniqueOrThrow({ where: { id: k.id } });
    if (cur.state === "ROTATING") await s.keys.apply(k.id, { type: "COMPLETE_ROTATION" }, ACTOR);
    expect((await t.db.key.findUniqueOrThrow({ where: { id: k.id } })).state).toBe("RETIRED");
    expect(begun.state).toBe("ROTATING");
    offsetMs += 400 * DAY_MS;
    expect(holders(k.id)).toEqual(["node-a", "node-b"]);
    await s.keys.apply(k.id, { type: "DESTROY" }, ACTOR);
    await vi.waitFor(() => expect(holders(k.id)).toEqual([]), { timeout: 5_000 });
    await vi.waitFor(async () => expect((await rows(k.id)).every((p) => p.purgeConfirmedAt)).toBe(true), { timeout: 5_000 });
  });

  it("a holder that does not answer is not recorded as purged, and is asked again (also by a new process)", async () => {
    const k = await activeKey("purge-silent");
    s.agents.setFault("node-b", { ignorePurge: true });
    await revokeByApproval(k.id);
    await vi.waitFor(async () => {
      const [a, b] = await rows(k.id);
      expect(a!.purgeConfirmedAt).not.toBeNull();
      expect(b).toMatchObject({ purgeConfirmedAt: null, purgeAttempts: expect.any(Number) });
      expect(b!.purgeAttempts).toBeGreaterThanOrEqual(1);
      expect(b!.purgeRequestedAt).not.toBeNull();
    }, { timeout: 5_000 });
    expect(holders(k.id)).toEqual(["node-b"]);
    // The node comes back (for the in-process double: the fault is cleared, which is its reconnect), and a fresh
    // service (a restarted process) finds the unanswered purge in the database at the same time: whichever records it
    // first, the confirmation is recorded and audited once.
    s.agents.setFault("node-b", null);
    const restarted = new PurgeService(t.db, s.keys.runner, s.agents, { timeoutMs: 300 });
    await restarted.sweep({ keyIds: [k.id], ignoreBackoff: true });
    await vi.waitFor(async () => expect((await rows(k.id))[1]!.purgeConfirmedAt).not.toBeNull(), { timeout: 5_000 });
    expect(holders(k.id)).toEqual([]);
    const confirmations = await t.db.auditEntry.findMany({ where: { subjectId: k.id, action: "KEY_PURGE_CONFIRMED" } });
    expect(confirmations.filter((e) => (e.details as { confirmedBy: string[] }).confirmedBy.includes("node-b"))).toHaveLength(1);
  });

  it("a sweep asks each holder once: with the back-off ignored, a batch's worth of holders that do not answer no longer makes it ask them again forever", async () => {
    const keys = [await activeKey("purge-batch-1"), await activeKey("purge-batch-2"), await activeKey("purge-batch-3")];
    s.agents.setFault("node-b", { ignorePurge: true });
    try {
      for (const k of keys) await s.keys.apply(k.id, { type: "REVOKE", reason: "purge batch test" }, ACTOR);
      await vi.waitFor(async () => {
        for (const k of keys) expect((await rows(k.id))[0]!.purgeConfirmedAt).not.toBeNull();
      }, { timeout: 5_000 });
      // Two rows per pass, three unanswered rows: before, each pass found a full batch of unanswered rows due again
      // (the back-off ignored) and went on.
      const small = new PurgeService(t.db, s.keys.runner, s.agents, { timeoutMs: 50, batch: 2 });
      const asked = new Map<string, number>();
      const agentB = s.agents.agent("node-b");
      const purge = agentB.purge.bind(agentB);
      const spy = vi.spyOn(agentB, "purge").mockImplementation((keyId: string) => {
        asked.set(keyId, (asked.get(keyId) ?? 0) + 1);
        return purge(keyId);
      });
      try {
        const outcome = await Promise.race([
          small.sweep({ keyIds: keys.map((k) => k.id), ignoreBackoff: true }),
          new Promise<"still asking">((resolve) => setTimeout(() => resolve("still asking"), 5_000)),
        ]);
        expect(outcome).toEqual({ confirmed: 0, unanswered: 3 });
      } finally {
        spy.mockRestore();
      }
      expect([...asked.values()]).toEqual([1, 1, 1]);
      for (const k of keys) expect((await rows(k.id))[1]!.purgeConfirmedAt).toBeNull();
    } finally {
      s.agents.setFault("node-b", null);
    }
    // node-b is back: its purges are confirmed, so no later sweep (the next test's) has them due.
    await s.purges.sweep({ keyIds: keys.map((k) => k.id), ignoreBackoff: true });
    for (const k of keys) expect((await rows(k.id))[1]!.purgeConfirmedAt).not.toBeNull();
  });

  it("two sweeps at once send each holder one instruction: the second waits for the rows the first is asking about", async () => {
    const keys = [await activeKey("purge-twice-1"), await activeKey("purge-twice-2")];
    const counts = new Map<string, number>();
    const spies = ["node-a", "node-b"].map((n) => {
      const agent = s.agents.agent(n);
      const purge = agent.purge.bind(agent);
      return vi.spyOn(agent, "purge").mockImplementation(async (keyId: string) => {
        // Only this test's keys: an earlier test's holders may still be asked by the background sweep.
        if (keys.some((k) => k.id === keyId)) counts.set(`${n}/${keyId}`, (counts.get(`${n}/${keyId}`) ?? 0) + 1);
        await new Promise((r) => setTimeout(r, 20));
        return purge(keyId);
      });
    });
    try {
      // The revocations kick the service's background sweep; an explicit sweep of the same keys runs beside it.
      for (const k of keys) await s.keys.apply(k.id, { type: "REVOKE", reason: "purge twice test" }, ACTOR);
      await s.purges.sweep({ keyIds: keys.map((k) => k.id), ignoreBackoff: true });
      // The explicit sweep returns once every row it found due was answered, by whichever sweep asked.
      for (const k of keys) expect((await rows(k.id)).map((p) => p.purgeConfirmedAt !== null)).toEqual([true, true]);
      await vi.waitFor(() => expect(counts.size).toBe(4));
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    expect([...counts.values()]).toEqual([1, 1, 1, 1]);
    for (const k of keys) {
      expect(await t.db.auditEntry.count({ where: { subjectId: k.id, action: "KEY_PURGE_CONFIRMED" } })).toBe(1);
    }
  });

  it("the in-process double honours the reconnect contract: a node down at the revocation confirms at reconnect (KEY-DELIVERY.md §6.4)", async () => {
    // (The earlier test's second purge service listens to these agents' reconnects too: one of the two records the backlog.)
    const backlogEntry = async () =>
      (await t.db.auditEntry.findFirstOrThrow({ where: { action: "AGENT_PURGE_BACKLOG_APPLIED", subjectId: "node-b" }, orderBy: { seq: "desc" } })).details;
    const downAtRevocation = async (label: string) => {
      const k = await activeKey(label);
      s.agents.setFault("node-b", { silent: true, ignorePurge: true }); // node-b's agent is down
      await revokeByApproval(k.id);
      await vi.waitFor(async () => expect((await rows(k.id))[0]!.purgeConfirmedAt).not.toBeNull(), { timeout: 5_000 });
      await s.purges.sweep({ keyIds: [k.id], ignoreBackoff: true });
      expect((await rows(k.id))[1]!.purgeConfirmedAt).toBeNull();
      return k;
    };
    // Restarted with its store intact: the backlog is sent again and confirmed by the answer.
    const k = await downAtRevocation("purge-backlog");
    expect(holders(k.id)).toEqual(["node-b"]);
    s.agents.restart("node-b");
    await vi.waitFor(async () => expect((await rows(k.id))[1]!.purgeConfirmedAt).not.toBeNull(), { timeout: 5_000 });
    expect(holders(k.id)).toEqual([]);
    expect(await backlogEntry()).toMatchObject({ backlog: 1, confirmedByAnswer: 1, confirmedByInventory: 0, unanswered: 0, keyIds: [k.id] });
    // Restarted with a wiped store: the inventory no longer holds the key, which confirms the purge.
    const k2 = await downAtRevocation("purge-backlog-wiped");
    s.agents.restart("node-b", { wipe: true });
    await vi.waitFor(async () => expect((await rows(k2.id))[1]!.purgeConfirmedAt).not.toBeNull(), { timeout: 5_000 });
    expect(await backlogEntry()).toMatchObject({ backlog: 1, confirmedByAnswer: 0, confirmedByInventory: 1, keyIds: [k2.id] });
    const confirmed = await t.db.auditEntry.findFirstOrThrow({ where: { subjectId: k2.id, action: "KEY_PURGE_CONFIRMED", details: { path: ["confirmedBy"], array_contains: ["node-b"] } } });
    expect(confirmed.details).toMatchObject({ byHelloInventory: ["node-b"] });
  });
});
