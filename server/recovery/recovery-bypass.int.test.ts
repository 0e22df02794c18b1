/**
 * A compromised relay whose endpoints hang on it alone (the demo mesh's Relay
 * North: Ministry, Parliament, Central Bank): its isolation gives them optical
 * bypasses, which start with empty key pools. Their replacements wait (no
 * distribution attempt, no material burnt) and the incident still restores
 * integrity at once (every exposed key revoked and purged); as soon as the
 * bypasses' pools hold enough pad bits the replacements go out, ACTIVE over the
 * bypass, and the incident's timeline says so.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { demoMesh } from "../demo/demo-topology";
import type { SessionUser } from "../domain/access/session-user";
import type { Services } from "../runtime/services";
import { createTestUsers } from "../testing/auth-fixtures";
import { ACTOR, testServices, writeMesh } from "../testing/fixtures";
import { createTestDatabase, type TestDatabase } from "../testing/test-database";

describe("relay compromise behind empty bypasses", () => {
  let t: TestDatabase;
  let s: Services;
  let officer: SessionUser;

  beforeAll(async () => {
    t = await createTestDatabase(inject("adminUrl"), "recbypass");
    await writeMesh(t.db, demoMesh());
    s = testServices(t.db, t.url, { masterKey: randomBytes(32) });
    officer = (await createTestUsers(t.db, s.keys, "byp")).officer;
  });
  afterAll(async () => t.dispose());

  it("replacements wait for pad bits on the new bypasses instead of failing, then go out", async () => {
    const ids: Record<string, string> = {};
    for (const [label, participants] of [["ministry", ["ep-ministry"]], ["bank-grid", ["ep-bank", "ep-grid"]], ["water", ["ep-water"]]] as const) {
      const k = await s.keys.create({ label, purpose: "t", policy: "high-assurance", participants: [...participants] }, ACTOR);
      ids[label] = (await s.distribution.distribute(k.id, ACTOR)).finalKey.id;
    }
    // An operator's report waits for an officer, whatever the policy (issue 12, finding 2); approved, the recovery runs.
    const opened = await s.recovery.report({ targetType: "node", targetId: "relay-north", reason: "enclosure seal broken at the relay site" }, ACTOR);
    const held = await s.recovery.drive(opened.id);
    expect(held).toMatchObject({ status: "AWAITING_APPROVAL" });
    await s.approvals.approve(held!.approvalRequestId!, "seal broken: confirmed on site", officer);
    let d = await s.incidents.get(opened.id);
    for (let i = 0; i < 100 && !["RESOLVED", "FAILED"].includes(d.status); i++) {
      await new Promise((r) => setTimeout(r, 50));
      d = await s.incidents.get(opened.id);
    }
    expect(d.status, JSON.stringify(d.timeline.map((x) => x.summary))).toBe("RESOLVED");
    expect(d.keys.map((k) => k.label).sort()).toEqual(["bank-grid", "ministry"]); // water never crossed Relay North
    for (const k of d.keys) {
      expect(k.stateNow).toBe("REVOKED");
      expect(k.replacementState).toBe("GENERATED"); // no attempt was made, so no material was burnt
      expect(k.waitingForNode).toMatch(/^ep-(ministry|bank)$/);
    }
    expect(await t.db.key.count({ where: { state: "DESTROYED", predecessorId: { in: [ids.ministry!, ids["bank-grid"]!] } } })).toBe(0);
    const bypasses = await t.db.link.findMany({ where: { kind: "BYPASS" }, select: { id: true, poolBits: true } });
    expect(bypasses.length).toBeGreaterThan(0);

    // Nothing changes while the pools are empty.
    expect(await s.recovery.distributeWaiting()).toBe(0);
    // QKD on the bypasses fills their pools (what the simulation's ticks do).
    await t.db.link.updateMany({ where: { kind: "BYPASS" }, data: { poolBits: 1_000_000 } });
    expect(await s.recovery.distributeWaiting()).toBe(2);
    d = await s.incidents.get(opened.id);
    for (const k of d.keys) {
      expect(k.replacementState).toBe("ACTIVE");
      expect(k.waitingForNode).toBeNull();
      // Routed around Relay North: over a bypass, never through the compromised relay.
      const routes = await t.db.keyRoute.findMany({ where: { keyId: k.replacementId! } });
      expect(routes.every((r) => !r.nodePath.includes("relay-north"))).toBe(true);
    }
    expect(d.timeline.at(-1)?.summary).toMatch(/ACTIVE/);
    expect(await s.recovery.distributeWaiting()).toBe(0); // nothing twice
  });
});
