/**
 * Who may make up a two-person rule (issue 12, findings 3 and 4), on a real
 * PostgreSQL through the tRPC routers: a demoted officer's vote no longer
 * counts; one administrator can neither create nor promote officers alone
 * (a second administrator approves a ROLE_GRANT, recorded on the user); and
 * the accounts a requester made or promoted cannot approve that requester's requests.
 */
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { SessionUser } from "../domain/access/session-user";
import type { KeyService } from "../keys/key-service";
import { callerAs, createTestUsers, TEST_PASSWORD, type TestUserName } from "../testing/auth-fixtures";
import { ACTOR, createNodes, servicesOf, testKeyService } from "../testing/fixtures";
import { createTestDatabase, type TestDatabase } from "../testing/test-database";

describe("approval trust", () => {
  let t: TestDatabase;
  let keys: KeyService;
  let users: Record<TestUserName, SessionUser>;
  let more: Record<TestUserName, SessionUser>;
  const as = (u: SessionUser) => callerAs(t.db, keys, u);

  beforeAll(async () => {
    t = await createTestDatabase(inject("adminUrl"), "approval_trust");
    await createNodes(t.db);
    keys = testKeyService(t.db);
    users = await createTestUsers(t.db, keys, "tr");
    more = await createTestUsers(t.db, keys, "tr2");
  });
  afterAll(async () => t.dispose());

  async function activeKey(label: string) {
    const k = await keys.create({ label, purpose: "trust test", policy: "standard", participants: ["node-a", "node-b"] }, ACTOR);
    return (await keys.distributor!.distribute(k.id, ACTOR)).finalKey;
  }

  async function refused(call: () => Promise<unknown>, code: TRPCError["code"], message: RegExp) {
    const err = await call().then(() => null, (e: unknown) => e);
    expect(err, "should have been refused").toBeInstanceOf(TRPCError);
    expect((err as TRPCError).code).toBe(code);
    expect((err as TRPCError).message).toMatch(message);
  }

  it("finding 4: an officer demoted after approving no longer counts, at execution", async () => {
    const k = await activeKey("trust-demoted");
    const r = await as(users.analyst).approvals.request({ kind: "REVOCATION", targetId: k.id, justification: "material seen on an unmanaged host" });
    expect((await as(users.officer).approvals.approve({ id: r.id, comment: "agreed" })).status).toBe("PENDING");
    await as(users.admin).users.setRole({ userId: users.officer.id, role: "viewer" });
    // Before the fix this second approval executed the revocation with one current officer.
    const second = await as(users.officer2).approvals.approve({ id: r.id, comment: "agreed too" });
    expect(second).toMatchObject({ status: "PENDING", approvals: 1 });
    expect((await t.db.key.findUniqueOrThrow({ where: { id: k.id } })).state).toBe("ACTIVE");
    // A current third officer completes it; the demoted one is not named as an approver.
    const third = await as(more.officer).approvals.approve({ id: r.id, comment: "confirmed" });
    expect(third.status).toMatch(/EXECUT/);
    expect(third.outcome).toMatchObject({ approvers: [users.officer2.email, more.officer.email].map((e) => `user:${e}`) });
  });

  it("finding 3: one administrator cannot make officers alone; a second one approves the grant, which is recorded", async () => {
    const admin = more.admin;
    // Before the fix both of these succeeded, and the admin signed in as each new officer.
    await refused(() => as(admin).users.create({ email: "puppet1@qecnet.test", name: "Puppet One", role: "officer", password: TEST_PASSWORD }), "FORBIDDEN", /takes two administrators/);
    const p1 = await as(admin).users.create({ email: "puppet1@qecnet.test", name: "Puppet One", role: "analyst", password: TEST_PASSWORD });
    const p2 = await as(admin).users.create({ email: "puppet2@qecnet.test", name: "Puppet Two", role: "analyst", password: TEST_PASSWORD });
    await refused(() => as(admin).users.setRole({ userId: p1.id, role: "officer" }), "FORBIDDEN", /takes two administrators/);
    await refused(() => as(users.officer2).users.requestRole({ userId: p1.id, role: "officer", justification: "officers cannot grant roles" }), "FORBIDDEN", /admin/);
    await refused(() => as(users.analyst).approvals.request({ kind: "ROLE_GRANT", targetId: `officer:${p1.id}`, justification: "analysts cannot ask for grants" }), "FORBIDDEN", /Only admins/);

    const grants = [];
    for (const p of [p1, p2]) {
      const g = await as(admin).users.requestRole({ userId: p.id, role: "officer", justification: "joins the night shift of the SOC" });
      expect(g).toMatchObject({ kind: "ROLE_GRANT", status: "PENDING" });
      await refused(() => as(admin).approvals.approve({ id: g.id, comment: "mine" }), "FORBIDDEN", /you cannot decide it/);
      await refused(() => as(users.officer2).approvals.approve({ id: g.id, comment: "not mine to decide" }), "FORBIDDEN", /Only administrators/);
      grants.push(g);
    }
    // The second administrator approves both; the grant runs as its own audited job.
    for (const g of grants) {
      await as(users.admin).approvals.approve({ id: g.id, comment: "checked with HR" });
      await servicesOf(keys).approvals.drive(g.id);
      expect((await as(users.admin).approvals.get({ id: g.id })).status).toBe("EXECUTED");
    }
    const row = await t.db.user.findUniqueOrThrow({ where: { id: p1.id } });
    expect(row).toMatchObject({ role: "officer", createdById: admin.id, roleGrantedById: admin.id, roleApprovedById: users.admin.id });
    expect(row.roleGrantedAt).toBeInstanceOf(Date);
    const entry = await t.db.auditEntry.findFirstOrThrow({ where: { subjectId: p1.id, action: "USER_ROLE_GRANTED" } });
    expect(entry).toMatchObject({ fromState: "analyst", toState: "officer" });

    // Officers vote on key requests with the roles they hold now.
    const officer1: SessionUser = { id: p1.id, email: p1.email, name: p1.name, role: "officer" };
    const officer2: SessionUser = { id: p2.id, email: p2.email, name: p2.name, role: "officer" };
    const k = await activeKey("trust-puppets");

    // The administrator requests: neither account they made may approve.
    const byAdmin = await as(admin).approvals.request({ kind: "REVOCATION", targetId: k.id, justification: "the admin wants it gone alone" });
    await refused(() => as(officer1).approvals.approve({ id: byAdmin.id, comment: "sure" }), "FORBIDDEN", /created or given its role by the requester/);
    expect((await as(officer1).approvals.get({ id: byAdmin.id })).viewer).toMatchObject({ canVote: false, whyNot: expect.stringMatching(/requester/) });
    await as(admin).approvals.withdraw({ id: byAdmin.id });

    // One puppet requests, the other approves: both are the same person's accounts.
    const byPuppet = await as(officer1).approvals.request({ kind: "REVOCATION", targetId: k.id, justification: "signed in as the first puppet" });
    await refused(() => as(officer2).approvals.approve({ id: byPuppet.id, comment: "second puppet" }), "FORBIDDEN", /requester/);
    // Independent officers can still decide it; two accounts of one maker count once among approvers too.
    await as(users.officer2).approvals.approve({ id: byPuppet.id, comment: "independent" });
    const done = await as(more.officer2).approvals.approve({ id: byPuppet.id, comment: "independent too" });
    expect(done.status).toMatch(/EXECUT/);
  });
});
