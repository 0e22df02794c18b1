/**
 * The incidents API through the routers, as the console calls it, on the demo
 * mesh: a SOC analyst reports a relay compromised (policy holds it for an
 * officer), refusals of bad reports change nothing, viewers follow incidents
 * but cannot report, the demo scenario's state, and an officer brings a
 * contained link back only once its incident is closed and it is clean.
 */
import type { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { readHead } from "../../audit/audit-log";
import type { SessionUser } from "../../domain/access/session-user";
import { demoMesh } from "../../demo/demo-topology";
import { forgetEnv } from "../../config/env";
import type { KeyService } from "../../keys/key-service";
import { callerAs, createTestUsers, type TestUserName } from "../../testing/auth-fixtures";
import { ACTOR, servicesOf, testKeyService, writeMesh } from "../../testing/fixtures";
import { createTestDatabase, type TestDatabase } from "../../testing/test-database";

describe("incidents through the routers", () => {
  let t: TestDatabase;
  let keys: KeyService;
  let users: Record<TestUserName, SessionUser>;
  // A demonstration console (the scripted scenario and the simulated eavesdropper are demo powers).
  const as = (who: TestUserName) => callerAs(t.db, keys, users[who], { demo: true });
  const code = (p: Promise<unknown>) => p.then(() => "OK", (e: TRPCError) => `${e.code}: ${e.message}`);
  const callerServices = () => servicesOf(keys);
  /** The recovery goes on after the call returns (the console follows it live): wait for it to get there. */
  async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
    for (let i = 0; i < 150; i++) {
      const v = await read();
      if (ok(v)) return v;
      await new Promise((r) => setTimeout(r, 100));
    }
    return read();
  }

  beforeAll(async () => {
    t = await createTestDatabase(inject("adminUrl"), "incrouter");
    await writeMesh(t.db, demoMesh());
    keys = testKeyService(t.db);
    users = await createTestUsers(t.db, keys, "inc");
    const k = await keys.create({ label: "via-north", purpose: "t", policy: "standard", participants: ["ep-bank"] }, ACTOR);
    expect((await keys.distributor!.distribute(k.id, ACTOR)).finalKey.state).toBe("ACTIVE");
  });
  afterAll(async () => t.dispose());

  it("starts empty; bad reports are refused with a reason a person can act on, and change nothing", async () => {
    expect(await as("viewer").incidents.list({})).toEqual([]);
    const head = await readHead(t.db);
    expect(await code(as("viewer").incidents.report({ targetType: "node", targetId: "relay-north", reason: "seal broken at the site" }))).toMatch(/^FORBIDDEN/);
    expect(await code(as("analyst").incidents.report({ targetType: "node", targetId: "relay-north", reason: "short" }))).toMatch(/^BAD_REQUEST: reason: at least 10 characters/);
    expect(await code(as("analyst").incidents.report({ targetType: "node", targetId: "nowhere", reason: "seal broken at the site" }))).toMatch(/^NOT_FOUND/);
    expect(await code(as("analyst").incidents.report({ targetType: "node", targetId: "hub-sov", reason: "seal broken at the site" }))).toMatch(/^CONFLICT/);
    expect(await code(as("viewer").incidents.get({ id: "00000000-0000-4000-8000-000000000000" }))).toMatch(/^NOT_FOUND/);
    expect(await code(as("viewer").incidents.get({ id: "not-a-uuid" }))).toMatch(/^BAD_REQUEST: id: must be an incident id/);
    expect(await readHead(t.db)).toEqual(head);
  });

  it("an analyst's report on a relay waits for an officer (standard policy) and a second report on it is refused", async () => {
    const i = await as("analyst").incidents.report({ targetType: "node", targetId: "relay-north", reason: "enclosure seal broken at the relay site" });
    expect(i).toMatchObject({ signal: "OPERATOR_REPORT", targetType: "node", targetId: "relay-north", status: "AWAITING_APPROVAL" });
    expect(i.reference).toMatch(/^INC-\d{4}$/);
    const d = await until(() => as("viewer").incidents.get({ id: i.id }), (x) => x.approvalRequestId !== null);
    expect(d.approvalRequestId).not.toBeNull();
    expect(d.keys.map((k) => k.label)).toContain("via-north");
    expect(d.keys.every((k) => k.stateNow === "ACTIVE")).toBe(true); // nothing revoked before an officer decides
    expect(await code(as("analyst").incidents.report({ targetType: "node", targetId: "relay-north", reason: "another report of the same" }))).toMatch(new RegExp(`^CONFLICT: .*${i.reference}`));
    expect((await as("viewer").incidents.list({ status: ["AWAITING_APPROVAL"] })).map((x) => x.id)).toEqual([i.id]);
    expect(await as("viewer").incidents.highlight()).toMatchObject({ incidentIds: [i.id], nodeIds: expect.arrayContaining(["relay-north"]) });
    // The officer rejects: dismissed, nothing revoked.
    const rejected = await as("officer").approvals.reject({ id: d.approvalRequestId!, comment: "false alarm: seal replaced on schedule" });
    expect(rejected.status).toBe("REJECTED");
    // In a server the recovery worker hears the decision on the event bus; here the test passes it on.
    await callerServices().recovery.drive(i.id);
    const dismissed = await until(() => as("viewer").incidents.get({ id: i.id }), (x) => x.status === "DISMISSED");
    expect(dismissed.status).toBe("DISMISSED");
    expect(dismissed.keys.every((k) => k.stateNow === "ACTIVE")).toBe(true);
  });

  it("the demo scenario's state names the backbone link it uses", async () => {
    expect(await as("viewer").incidents.demoStatus()).toMatchObject({ running: false, linkId: "hub-sov--relay-north", linkName: "Sovereign Hub – Relay North", incidentId: null });
  });

  it("a console that is not a demonstration (the default: QECNET_SEED_DEMO unset) refuses the scripted scenario and the eavesdropper, to every role, and changes nothing", async () => {
    const was = process.env.QECNET_SEED_DEMO;
    delete process.env.QECNET_SEED_DEMO;
    forgetEnv();
    try {
      const head = await readHead(t.db);
      for (const who of ["viewer", "analyst", "officer", "admin"] as const) {
        const production = () => callerAs(t.db, keys, users[who]);
        expect(await code(production().mesh.setEavesdropper({ linkId: "hub-sov--relay-north", active: true }))).toMatch(/^FORBIDDEN: mesh\.setEavesdropper works only on a demonstration console/);
        for (const call of [() => production().incidents.startDemo(), () => production().incidents.endDemo()]) {
          expect(await code(call())).toMatch(/^FORBIDDEN: incidents\.(start|end)Demo works only on a demonstration console \(QECNET_SEED_DEMO=true/);
        }
      }
      expect(await t.db.link.count({ where: { eavesdropper: true } })).toBe(0);
      expect(await readHead(t.db)).toEqual(head);
    } finally {
      if (was === undefined) delete process.env.QECNET_SEED_DEMO;
      else process.env.QECNET_SEED_DEMO = was;
      forgetEnv();
    }
  });

  it("an officer restores a contained link only when its incident is closed; a link that was not contained is refused", async () => {
    expect(await code(as("analyst").mesh.restoreLink({ id: "hub-sov--relay-north", reason: "back in service" }))).toMatch(/^FORBIDDEN/);
    expect(await code(as("officer").mesh.restoreLink({ id: "hub-sov--relay-north", reason: "back in service" }))).toMatch(/^CONFLICT: .*not contained by an incident/);
    // An operator report on the link: held (standard policy), contained only after approval.
    const i = await as("analyst").incidents.report({ targetType: "link", targetId: "hub-sov--relay-north", reason: "splice enclosure found open on the route" });
    const d = await until(() => as("viewer").incidents.get({ id: i.id }), (x) => x.approvalRequestId !== null);
    await as("officer").approvals.approve({ id: d.approvalRequestId!, comment: "confirmed by the field team" });
    const done = await until(() => as("viewer").incidents.get({ id: i.id }), (x) => x.status === "RESOLVED");
    expect(done.status).toBe("RESOLVED");
    expect(await t.db.link.findUniqueOrThrow({ where: { id: "hub-sov--relay-north" } })).toMatchObject({ status: "DOWN", downReason: `incident:${i.reference}` });
    // Still tapped: refused, and the link stays down with nothing written.
    await as("analyst").mesh.setEavesdropper({ linkId: "hub-sov--relay-north", active: true });
    const head = await readHead(t.db);
    expect(await code(as("officer").mesh.restoreLink({ id: "hub-sov--relay-north", reason: "too early" }))).toMatch(/^CONFLICT: .*eavesdropper/);
    expect(await readHead(t.db)).toEqual(head);
    expect(await t.db.link.findUniqueOrThrow({ where: { id: "hub-sov--relay-north" } })).toMatchObject({ status: "DOWN" });
    await as("analyst").mesh.setEavesdropper({ linkId: "hub-sov--relay-north", active: false });
    expect(await as("officer").mesh.restoreLink({ id: "hub-sov--relay-north", reason: "fibre re-spliced and inspected" })).toEqual({ restored: "hub-sov--relay-north" });
    expect(await t.db.link.findUniqueOrThrow({ where: { id: "hub-sov--relay-north" } })).toMatchObject({ status: "UP", downReason: null });
    const entry = await t.db.auditEntry.findFirstOrThrow({ where: { action: "LINK_RESTORED", subjectId: "hub-sov--relay-north" }, orderBy: { seq: "desc" } });
    expect(entry.actor).toMatch(/^user:.*officer/);
    expect(entry.details).toMatchObject({ reason: "fibre re-spliced and inspected" });
  });
});
