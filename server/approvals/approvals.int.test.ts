/**
 * The approval workflow end to end on a real PostgreSQL, through the tRPC
 * routers as signed-in users: execution on quorum in the transaction of the
 * last vote, driven to an ACTIVE replacement; self-approval, duplicate votes,
 * rejection, expiry, withdrawal by someone else and fail-closed rules refused
 * with nothing changed; every step in the audit chain with the person's name.
 */
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { readHead, verifyStoredChain } from "../audit/audit-log";
import type { SessionUser } from "../domain/access/session-user";
import { poolOf } from "../db/client";
import type { KeyService } from "../keys/key-service";
import { callerAs, createTestUsers, type TestUserName } from "../testing/auth-fixtures";
import { ACTOR, createNodes, servicesOf, testKeyService } from "../testing/fixtures";
import { createTestDatabase, type TestDatabase } from "../testing/test-database";

describe("approvals", () => {
  let t: TestDatabase;
  let keys: KeyService;
  let users: Record<TestUserName, SessionUser>;
  let clockOffsetMs = 0;
  const as = (who: TestUserName) => callerAs(t.db, keys, users[who]);

  beforeAll(async () => {
    t = await createTestDatabase(inject("adminUrl"), "approvals");
    await createNodes(t.db);
    keys = testKeyService(t.db, { clock: () => new Date(Date.now() + clockOffsetMs) });
    users = await createTestUsers(t.db, keys, "apr");
  });
  afterAll(async () => t.dispose());

  async function activeKey(label: string) {
    const k = await keys.create({ label, purpose: "approval test", policy: "standard", participants: ["node-a", "node-b"] }, ACTOR);
    return (await keys.distributor!.distribute(k.id, ACTOR)).finalKey;
  }

  async function snapshot() {
    const { rows } = await poolOf(t.db).query(`SELECT (SELECT seq FROM audit_head)::text AS head,
      (SELECT json_agg(json_build_object('id', id, 's', state, 'v', version) ORDER BY id) FROM keys) AS keys,
      (SELECT json_agg(json_build_object('id', id, 's', status, 'v', version) ORDER BY id) FROM approval_requests) AS requests,
      (SELECT count(*) FROM approval_votes)::int AS votes`);
    return rows[0] as unknown;
  }

  async function expectRefused(call: () => Promise<unknown>, code: TRPCError["code"], message: RegExp) {
    const before = await snapshot();
    const err = await call().then(() => null, (e: unknown) => e);
    expect(err, "should have been refused").toBeInstanceOf(TRPCError);
    expect((err as TRPCError).code).toBe(code);
    expect((err as TRPCError).message).toMatch(message);
    expect(await snapshot()).toEqual(before);
  }

  async function entriesFor(requestId: string) {
    return t.db.auditEntry.findMany({ where: { subjectId: requestId }, orderBy: { seq: "asc" }, select: { seq: true, at: true, action: true, actor: true, toState: true } });
  }

  it("emergency rotation: one officer approves, the key is revoked and purged at once (no overlap), the replacement becomes ACTIVE", async () => {
    const k = await activeKey("apr-emergency");
    const preview = await as("analyst").approvals.preview({ kind: "EMERGENCY_ROTATION", targetId: k.id });
    expect(preview.impact.nodes.map((n) => n.id)).toEqual(["node-a", "node-b"]);
    // The links its distribution crossed (key_routes): the fixture's hub links to each participant.
    expect(preview.impact.links.map((l) => l.id)).toEqual(["hub-1--node-a", "hub-1--node-b"]);
    expect(preview.impact.keys.map((x) => x.generation)).toEqual([1, 2]);
    const r = await as("analyst").approvals.request({ kind: "EMERGENCY_ROTATION", targetId: k.id, justification: "QBER alarm on the link to node-b" });
    expect(r).toMatchObject({ status: "PENDING", requiredApprovals: 1, requestedBy: "user:apr-analyst@qecnet.test" });
    expect(await as("officer").approvals.pendingCount()).toEqual({ pending: 1, awaitingYou: 1 });

    const approved = await as("officer").approvals.approve({ id: r.id, comment: "confirmed with the NOC" });
    expect(approved.status).toBe("EXECUTING");
    await servicesOf(keys).approvals.drive(r.id);
    const done = await as("analyst").approvals.get({ id: r.id });
    expect(done.status).toBe("EXECUTED");
    const replacementId = (done.outcome as { replacementId: string }).replacementId;
    const [old, replacement] = await Promise.all([t.db.key.findUniqueOrThrow({ where: { id: k.id } }), t.db.key.findUniqueOrThrow({ where: { id: replacementId } })]);
    // Issue 12, finding 9: this used to be ROTATING (a routine rotation, the suspect key usable through the overlap).
    expect(old.state).toBe("REVOKED");
    expect(replacement).toMatchObject({ state: "ACTIVE", generation: 2, predecessorId: k.id });

    const entries = await entriesFor(r.id);
    expect(entries.map((e) => [e.action, e.actor])).toEqual([
      ["APPROVAL_REQUESTED", "user:apr-analyst@qecnet.test"],
      ["APPROVAL_APPROVED", "user:apr-officer@qecnet.test"],
      ["APPROVAL_EXECUTING", "user:apr-officer@qecnet.test"],
      ["APPROVAL_EXECUTED", `system:approval-executor (request ${r.id})`],
    ]);
    // The revocation itself was recorded as the approving officer, in the vote's transaction (same batch: consecutive, same time).
    const rotation = await t.db.auditEntry.findFirstOrThrow({ where: { subjectId: k.id, action: "KEY_REVOKED" } });
    expect(rotation.actor).toBe("user:apr-officer@qecnet.test");
    expect(rotation.at).toEqual(entries[1]!.at);
    expect(rotation.seq).toBe(entries[1]!.seq + 1n);
    expect(await as("officer").approvals.pendingCount()).toEqual({ pending: 0, awaitingYou: 0 });
  });

  it("revocation needs two distinct officers; nobody approves their own request or twice; analysts and admins cannot vote", async () => {
    const k = await activeKey("apr-revoke");
    const r = await as("officer").approvals.request({ kind: "REVOCATION", targetId: k.id, justification: "material seen on an unmanaged host" });
    expect(r.requiredApprovals).toBe(2);
    expect(r.impact).toMatchObject({ participantsToPurge: ["node-a", "node-b"] });
    await expectRefused(() => as("officer").approvals.approve({ id: r.id, comment: "self" }), "FORBIDDEN", /you cannot decide it/);
    await expectRefused(() => as("analyst").approvals.approve({ id: r.id, comment: "me too" }), "FORBIDDEN", /officer/);
    await expectRefused(() => as("admin").approvals.approve({ id: r.id, comment: "admin" }), "FORBIDDEN", /Only security officers approve or reject requests; you are admin/);

    const first = await as("officer2").approvals.approve({ id: r.id, comment: "agreed" });
    expect(first).toMatchObject({ status: "PENDING", approvals: 1 });
    expect((await t.db.key.findUniqueOrThrow({ where: { id: k.id } })).state).toBe("ACTIVE");
    await expectRefused(() => as("officer2").approvals.approve({ id: r.id, comment: "again" }), "CONFLICT", /already approved/);
    await expectRefused(() => as("analyst2").approvals.withdraw({ id: r.id }), "FORBIDDEN", /Only the officer or analyst who raised/);

    // A third officer completes the quorum: the key is revoked in the same transaction as the vote.
    const third = (await createTestUsers(t.db, keys, "apr3")).officer;
    const head = await readHead(t.db);
    const decided = await callerAs(t.db, keys, third).approvals.approve({ id: r.id, comment: "second approval" });
    expect(decided.status).toBe("EXECUTING");
    const revoked = await t.db.key.findUniqueOrThrow({ where: { id: k.id } });
    expect(revoked).toMatchObject({ state: "REVOKED", materialCiphertext: null });
    // The vote's batch (the executor may already have appended its own entries after it).
    const batch = await t.db.auditEntry.findMany({ where: { seq: { gt: head.seq } }, orderBy: { seq: "asc" }, take: 4 });
    expect(new Set(batch.map((e) => e.at.getTime())).size).toBe(1); // one transaction
    expect(batch.map((e) => e.action)).toEqual(["APPROVAL_APPROVED", "KEY_REVOKED", "KEY_GENERATED", "APPROVAL_EXECUTING"]);
    await servicesOf(keys).approvals.drive(r.id);
    const done = await as("officer").approvals.get({ id: r.id });
    expect(done.status).toBe("EXECUTED");
    expect((await t.db.key.findUniqueOrThrow({ where: { id: (done.outcome as { replacementId: string }).replacementId } })).state).toBe("ACTIVE");
    expect(done.outcome).toMatchObject({ approvers: ["user:apr-officer2@qecnet.test", "user:apr3-officer@qecnet.test"] });
    // Closed: further votes are refused.
    await expectRefused(() => as("officer2").approvals.reject({ id: r.id, comment: "late" }), "CONFLICT", /closed: it was approved and carried out/);
  });

  it("one rejection closes a request; later approvals are refused; a second open request on the same key is refused", async () => {
    const k = await activeKey("apr-reject");
    const r = await as("analyst").approvals.request({ kind: "REVOCATION", targetId: k.id, justification: "suspicious usage counter" });
    await expectRefused(
      () => as("analyst2").approvals.request({ kind: "EMERGENCY_ROTATION", targetId: k.id, justification: "same key, another request" }),
      "CONFLICT", /already has an open request/,
    );
    const rejected = await as("officer").approvals.reject({ id: r.id, comment: "the counter is a test harness" });
    expect(rejected.status).toBe("REJECTED");
    await expectRefused(() => as("officer2").approvals.approve({ id: r.id, comment: "approve anyway" }), "CONFLICT", /closed: it was rejected/);
    expect((await t.db.key.findUniqueOrThrow({ where: { id: k.id } })).state).toBe("ACTIVE");
    expect((await entriesFor(r.id)).map((e) => e.action)).toEqual(["APPROVAL_REQUESTED", "APPROVAL_REJECTED"]);
  });

  it("an approval after expiry is refused, and the expiry is recorded", async () => {
    const k = await activeKey("apr-expiry");
    const r = await as("analyst").approvals.request({ kind: "EMERGENCY_ROTATION", targetId: k.id, justification: "expires before anyone looks" });
    clockOffsetMs = 241 * 60_000; // past the 240-minute TTL
    try {
      const before = await t.db.key.findUniqueOrThrow({ where: { id: k.id } });
      const err = await as("officer").approvals.approve({ id: r.id, comment: "too late" }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TRPCError);
      expect((err as TRPCError).code).toBe("CONFLICT");
      expect((err as TRPCError).message).toMatch(/expired at .*can no longer be approved/);
      expect(await t.db.key.findUniqueOrThrow({ where: { id: k.id } })).toEqual(before);
      expect(await t.db.approvalVote.count({ where: { requestId: r.id } })).toBe(0);
      expect((await t.db.approvalRequest.findUniqueOrThrow({ where: { id: r.id } })).status).toBe("EXPIRED");
      expect((await entriesFor(r.id)).map((e) => e.action)).toEqual(["APPROVAL_REQUESTED", "APPROVAL_EXPIRED"]);
    } finally {
      clockOffsetMs = 0;
    }
  });

  it("fails closed: a missing rule refuses new requests and approvals; the database refuses a rule of 0", async () => {
    const k = await activeKey("apr-rules");
    const r = await as("analyst").approvals.request({ kind: "EMERGENCY_ROTATION", targetId: k.id, justification: "rule removed while pending" });
    const pool = poolOf(t.db);
    await expect(pool.query("UPDATE approval_rules SET min_approvals = 0 WHERE kind = 'EMERGENCY_ROTATION'")).rejects.toMatchObject({ code: "23514" });
    const saved = (await pool.query("SELECT * FROM approval_rules WHERE kind = 'EMERGENCY_ROTATION'")).rows[0] as Record<string, unknown>;
    await pool.query("DELETE FROM approval_rules WHERE kind = 'EMERGENCY_ROTATION'");
    try {
      await expectRefused(() => as("officer").approvals.approve({ id: r.id, comment: "no rule" }), "PRECONDITION_FAILED", /no approval rule for EMERGENCY_ROTATION/);
      const other = await activeKey("apr-rules-2");
      await expectRefused(
        () => as("analyst").approvals.request({ kind: "EMERGENCY_ROTATION", targetId: other.id, justification: "no rule for this kind" }),
        "PRECONDITION_FAILED", /no approval rule/,
      );
      await expectRefused(() => as("admin").approvals.updateRule({ kind: "REVOCATION", minApprovals: 0, ttlMinutes: 60 }), "BAD_REQUEST", /at least 1/);
    } finally {
      await pool.query("INSERT INTO approval_rules (kind, min_approvals, ttl_minutes) VALUES ($1, $2, $3)", [saved.kind, saved.min_approvals, saved.ttl_minutes]);
    }
    // The rule is back: the pending request can be decided again.
    await as("analyst").approvals.withdraw({ id: r.id });
  });

  it("admins change rules, audited; the requester may withdraw", async () => {
    const rule = await as("admin").approvals.updateRule({ kind: "REVOCATION", minApprovals: 3, ttlMinutes: 60 });
    expect(rule).toMatchObject({ minApprovals: 3, ttlMinutes: 60, updatedBy: "user:apr-admin@qecnet.test" });
    const e = await t.db.auditEntry.findFirstOrThrow({ where: { action: "APPROVAL_RULE_CHANGED" }, orderBy: { seq: "desc" } });
    expect(e).toMatchObject({ actor: "user:apr-admin@qecnet.test", fromState: "2 approvals, 240 min", toState: "3 approvals, 60 min" });
    await as("admin").approvals.updateRule({ kind: "REVOCATION", minApprovals: 2, ttlMinutes: 240 });
    const v = await verifyStoredChain(t.db);
    expect(v.result.ok).toBe(true);
  });
});
