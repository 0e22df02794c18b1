/**
 * A server killed around the last approval: inside the vote's transaction
 * (nothing of it survives; approving again executes once), or after the vote
 * committed and before the executor finished (after a restart the executor
 * completes it exactly once, even with two instances resuming at the same time).
 */
import { randomBytes } from "node:crypto";
import type pg from "pg";
import { afterAll, describe, expect, inject, it } from "vitest";
import { verifyStoredChain } from "../audit/audit-log";
import type { SessionUser } from "../domain/access/session-user";
import { createTestUsers } from "../testing/auth-fixtures";
import { ACTOR, createNodes, servicesOf, testKeyService } from "../testing/fixtures";
import { crashTestSession, HoldingProcesses } from "../testing/hold-process";
import { createTestDatabase } from "../testing/test-database";

const holders = new HoldingProcesses("server/testing/hold-approval.ts");

async function state(c: pg.Client) {
  const q = async (sql: string) => (await c.query(sql)).rows;
  return {
    keys: await q("SELECT id, state, version, generation FROM keys ORDER BY generation, id"),
    requests: await q("SELECT id, status::text, version FROM approval_requests ORDER BY id"),
    votes: await q("SELECT request_id, voter_id FROM approval_votes ORDER BY voter_id"),
    head: await q("SELECT seq::text, hash FROM audit_head"),
  };
}

describe.concurrent("approvals: a process killed around the last approval", () => {
  afterAll(() => {
    holders.killAll();
  });

  async function setup(onTestFinished: (fn: () => Promise<void>) => void) {
    const t = await createTestDatabase(inject("adminUrl"), "aprcrash");
    await createNodes(t.db);
    const masterKey = randomBytes(32);
    const keys = testKeyService(t.db, { masterKey });
    const users = await createTestUsers(t.db, keys, "crash");
    const { observer, client } = await crashTestSession(holders, t, onTestFinished);
    const k = await keys.create({ label: "crash-approval", purpose: "test", policy: "standard", participants: ["node-a", "node-b"] }, ACTOR);
    await keys.apply(k.id, { type: "DISTRIBUTE" }, ACTOR);
    await keys.collectReceipts(k.id, ACTOR);
    const request = await servicesOf(keys).approvals.request({ kind: "EMERGENCY_ROTATION", targetId: k.id, justification: "crash test of the approval path" }, users.analyst);
    const restart = () => {
      const db = client();
      return { db, keys: testKeyService(db, { masterKey }) };
    };
    const holdArgs = (mode: string, u: SessionUser) => [mode, request.id, u.id, u.email];
    return { t, masterKey, keys, users, observer, keyId: k.id, requestId: request.id, restart, holdArgs };
  }

  it("killed inside the vote's transaction: nothing of it survives; approving again executes exactly once", async ({ onTestFinished }) => {
    const s = await setup(onTestFinished);
    const before = await state(s.observer);
    const h = await holders.runUntilHolding(s.t.url, s.masterKey, s.holdArgs("before-commit", s.users.officer));
    expect(await state(s.observer)).toEqual(before); // the vote and the rotation are written but not visible
    await h.kill(s.observer);
    expect(await state(s.observer)).toEqual(before);

    const { db, keys } = s.restart();
    await servicesOf(keys).approvals.resumeExecuting(); // nothing to resume
    const r = await servicesOf(keys).approvals.approve(s.requestId, "after the restart", s.users.officer);
    // The executor starts at once in the background and may already have finished.
    expect(["EXECUTING", "EXECUTED"]).toContain(r.status);
    await servicesOf(keys).approvals.drive(s.requestId);
    expect((await db.approvalRequest.findUniqueOrThrow({ where: { id: s.requestId } })).status).toBe("EXECUTED");
    expect(await db.key.count({ where: { predecessorId: s.keyId } })).toBe(1);
    expect(await db.auditEntry.count({ where: { action: "KEY_REVOKED", subjectId: s.keyId } })).toBe(1);
    expect((await verifyStoredChain(db)).result.ok).toBe(true);
  });

  it("killed after the vote committed, before the executor finished: two restarted instances complete it exactly once", async ({ onTestFinished }) => {
    const s = await setup(onTestFinished);
    const h = await holders.runUntilHolding(s.t.url, s.masterKey, s.holdArgs("after-commit", s.users.officer));
    await h.kill(s.observer);
    const mid = await state(s.observer);
    expect(mid.requests).toEqual([expect.objectContaining({ status: "EXECUTING" })]);
    expect(mid.keys.map((k) => k.state)).toEqual(["REVOKED", "GENERATED"]); // the replacement waits for the executor

    const a = s.restart();
    const b = s.restart();
    expect(await Promise.all([servicesOf(a.keys).approvals.resumeExecuting(), servicesOf(b.keys).approvals.resumeExecuting()])).toEqual([1, 1]);
    const end = await state(s.observer);
    expect(end.requests).toEqual([expect.objectContaining({ status: "EXECUTED" })]);
    expect(end.keys.map((k) => [k.generation, k.state])).toEqual([[1, "REVOKED"], [2, "ACTIVE"]]);
    const counts = await a.db.auditEntry.groupBy({ by: ["action"], where: { action: { in: ["APPROVAL_EXECUTED", "KEY_DISTRIBUTED", "KEY_ACTIVATED", "KEY_GENERATED"] } }, _count: true });
    expect(Object.fromEntries(counts.map((c) => [c.action, c._count]))).toEqual({ APPROVAL_EXECUTED: 1, KEY_DISTRIBUTED: 2, KEY_ACTIVATED: 2, KEY_GENERATED: 2 });
    expect((await verifyStoredChain(a.db)).result.ok).toBe(true);
  });
});
