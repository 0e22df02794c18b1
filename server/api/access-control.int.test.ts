/**
 * Every procedure, called with every role and without a session: refused with
 * UNAUTHORIZED (no session) or FORBIDDEN (role below the rule, or an action
 * only the approval workflow may take), and nothing changed — same audit head,
 * same row counts and versions. Roles the rule admits get past the check.
 * Also: cross-site mutations are refused, queries are not.
 */
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { poolOf } from "../db/client";
import { callerAs, createTestUsers, settleCallers, type TestUserName } from "../testing/auth-fixtures";
import { createNodes, servicesOf, testKeyService } from "../testing/fixtures";
import { createTestDatabase, type TestDatabase } from "../testing/test-database";
import type { SessionUser } from "../domain/access/session-user";
import type { KeyService } from "../keys/key-service";
import { PROCEDURE_ACCESS, rolesAllowed, type ProcedurePath } from "../domain/access/permissions";

const UUID = "00000000-0000-4000-8000-000000000000";

/** A plausible input for each procedure (access is checked before input is even parsed). */
const SAMPLE_INPUT: Record<ProcedurePath, unknown> = {
  "keys.list": { limit: 5 },
  "keys.counts": {},
  "keys.get": { id: UUID },
  "keys.rotation": { id: UUID },
  "keys.policies": undefined,
  "keys.createPolicy": {
    name: "acl-probe", description: "access test", sizeBits: 256, cryptoperiodSeconds: 3600, maxUsage: null, overlapSeconds: 60,
    retentionDays: 7, maxDistributionAttempts: 3, autoRevokeSignals: ["QBER_ABORT"], reason: "access probe",
  },
  "keys.updatePolicy": { name: "standard", expectedVersion: 0, reason: "access probe", changes: { overlapSeconds: 120 } },
  "keys.deletePolicy": { name: "standard", expectedVersion: 0, reason: "access probe" },
  "keys.create": { label: "acl-probe", purpose: "access test", participants: ["node-a"] },
  "keys.distribute": { id: UUID },
  "keys.confirmReceipt": { id: UUID, nodeId: "node-a", receiptMac: "a".repeat(64) },
  "keys.collectReceipts": { id: UUID },
  "keys.activate": { id: UUID },
  "keys.reportDistributionFailure": { id: UUID, reason: "probe" },
  "keys.recordUsage": { id: UUID, count: 1 },
  "keys.rotate": { id: UUID, reason: "probe" },
  "keys.completeRotation": { id: UUID },
  "keys.cancelRotation": { id: UUID, reason: "probe" },
  "keys.destroy": { id: UUID },
  "audit.list": { limit: 5 },
  "audit.actions": undefined,
  "audit.verify": undefined,
  "audit.integrity": undefined,
  "nodes.list": undefined,
  "events.stream": undefined,
  "nodes.links": undefined,
  "incidents.list": {},
  "incidents.get": { id: "00000000-0000-4000-8000-000000000000" },
  "incidents.highlight": undefined,
  "incidents.demoStatus": undefined,
  "incidents.report": { targetType: "node", targetId: "node-c", reason: "access probe: suspected tampering" },
  "incidents.startDemo": undefined,
  "incidents.endDemo": undefined,
  "trends.keyStates": { hours: 6 },
  "trends.deliveries": { minutes: 60 },
  "mesh.state": undefined,
  "mesh.node": { id: "node-a" },
  "mesh.agents": undefined,
  "mesh.link": { id: "hub-1--node-a" },
  "mesh.pads": { linkId: "hub-1--node-a" },
  "mesh.isolateNode": { id: "node-c", reason: "access probe" },
  "mesh.restoreNode": { id: "node-c", reason: "access probe" },
  "mesh.restoreLink": { id: "hub-1--node-a", reason: "access probe" },
  "mesh.resyncPads": { linkId: "hub-1--node-a", reason: "access probe" },
  "mesh.addLink": { aNodeId: "node-b", bNodeId: "node-c", lengthKm: 12 },
  "mesh.removeLink": { id: "hub-1--node-b", reason: "access probe" },
  "mesh.setEavesdropper": { linkId: "hub-1--node-a", active: true },
  "checkpoints.latest": undefined,
  "checkpoints.publish": undefined,
  "checkpoints.inclusionProof": { seq: "1" },
  "checkpoints.consistencyProof": { from: "1", to: "2" },
  "account.me": undefined,
  "account.signOutEverywhere": undefined,
  "account.secondFactor": undefined,
  "approvals.list": { scope: "all", limit: 5 },
  "approvals.get": { id: UUID },
  "approvals.pendingCount": undefined,
  "approvals.onPendingCount": undefined,
  "approvals.kinds": undefined,
  "approvals.preview": { kind: "REVOCATION", targetId: UUID },
  "approvals.request": { kind: "REVOCATION", targetId: UUID, justification: "access control probe" },
  "approvals.withdraw": { id: UUID },
  "approvals.approve": { id: UUID, comment: "probe" },
  "approvals.reject": { id: UUID, comment: "probe" },
  "approvals.rules": undefined,
  "approvals.updateRule": { kind: "REVOCATION", minApprovals: 2, ttlMinutes: 240 },
  "users.list": undefined,
  "users.create": { email: "acl-probe@qecnet.test", name: "Probe", role: "viewer", password: "a long enough password" },
  "users.setRole": { userId: UUID, role: "viewer" },
  "keys.requestEmergencyRotation": { id: UUID, justification: "probe of the access table", avoidNodeIds: [], avoidLinkIds: [] },
  "users.requestRole": { userId: UUID, role: "officer", justification: "probe of the access table" },
  "users.setDisabled": { userId: UUID, disabled: true },
  "applications.list": undefined,
  "applications.site": { nodeId: "node-a" },
  "applications.keyDeliveries": { keyId: UUID },
  "applications.register": { saeId: "acl-probe", nodeId: "node-a", description: "access probe" },
  "applications.update": { saeId: "acl-sae-a", expectedVersion: 0, description: "access probe" },
  "applications.setEnabled": { saeId: "acl-sae-a", enabled: false, expectedVersion: 0, reason: "access probe" },
  "applications.pair": { saeA: "acl-sae-a", saeB: "acl-sae-b" },
  "applications.unpair": { saeA: "acl-sae-a", saeB: "acl-sae-b" },
};

describe("access control: every procedure × every role", () => {
  let t: TestDatabase;
  let keys: KeyService;
  let users: Record<TestUserName, SessionUser>;

  beforeAll(async () => {
    t = await createTestDatabase(inject("adminUrl"), "access");
    await createNodes(t.db);
    keys = testKeyService(t.db);
    users = await createTestUsers(t.db, keys, "acl");
    // Two applications, so that the SAE mutations would change something if a refused caller got through.
    for (const saeId of ["acl-sae-a", "acl-sae-b"]) await servicesOf(keys).saes.register({ saeId, nodeId: "node-a" }, { actor: "test:setup" });
  });
  afterAll(async () => t.dispose());

  async function snapshot() {
    const { rows } = await poolOf(t.db).query(`SELECT
      (SELECT seq::text || ':' || hash FROM audit_head) AS head,
      (SELECT count(*) FROM keys) AS keys, (SELECT COALESCE(sum(version), 0) FROM keys) AS key_versions,
      (SELECT count(*) FROM users) AS users, (SELECT string_agg(role || coalesce(disabled_at::text, ''), ',' ORDER BY id) FROM users) AS roles,
      (SELECT count(*) FROM user_sessions) AS sessions,
      (SELECT count(*) FROM approval_requests) AS requests, (SELECT COALESCE(sum(version), 0) FROM approval_requests) AS request_versions,
      (SELECT count(*) FROM approval_votes) AS votes,
      (SELECT string_agg(kind || min_approvals || '/' || ttl_minutes, ',' ORDER BY kind) FROM approval_rules) AS rules,
      (SELECT string_agg(name || ':' || version, ',' ORDER BY name) FROM key_policies) AS policies,
      (SELECT string_agg(sae_id || ':' || version || ':' || enabled, ',' ORDER BY sae_id) FROM saes) AS saes,
      (SELECT string_agg(sae_a || '~' || sae_b, ',' ORDER BY sae_a, sae_b) FROM sae_pairs) AS sae_pairs`);
    return rows[0] as Record<string, string>;
  }

  // A demonstration console, so that demo-only procedures are reached; a console that is not a demo is tested below.
  function call(user: SessionUser | null, path: ProcedurePath, opts: { demo?: boolean; csrf?: { ok: false; reason: string } } = {}) {
    const caller = callerAs(t.db, keys, user, { demo: true, ...opts }) as unknown as Record<string, Record<string, (i: unknown) => Promise<unknown>>>;
    const [r, p] = path.split(".") as [string, string];
    return caller[r]![p]!(SAMPLE_INPUT[path]);
  }

  async function refusal(user: SessionUser | null, path: ProcedurePath, opts: { demo?: boolean; csrf?: { ok: false; reason: string } } = {}) {
    return call(user, path, opts).then(
      () => null,
      (e: unknown) => e,
    );
  }

  const WHO: Array<TestUserName | "no session"> = ["no session", "viewer", "analyst", "officer", "admin"];

  it.each(Object.keys(PROCEDURE_ACCESS) as ProcedurePath[])("%s", async (path) => {
    const allowed = rolesAllowed(PROCEDURE_ACCESS[path]);
    for (const who of WHO) {
      const user = who === "no session" ? null : users[who];
      const admitted = user !== null && allowed.includes(user.role);
      if (admitted) {
        // Past the access check: any outcome but an access refusal (the sample ids do not exist).
        const err = await refusal(user, path);
        if (err) expect((err as TRPCError).code, `${path} as ${who}`).not.toMatch(/^(UNAUTHORIZED|FORBIDDEN)$/);
        continue;
      }
      await settleCallers(); // an admitted call's background work (a report's recovery) is not this refusal's doing
      const before = await snapshot();
      const err = await refusal(user, path);
      expect(err, `${path} as ${who} should be refused`).toBeInstanceOf(TRPCError);
      expect((err as TRPCError).code, `${path} as ${who}`).toBe(user ? "FORBIDDEN" : "UNAUTHORIZED");
      expect(await snapshot(), `${path} as ${who} changed something`).toEqual(before);
    }
  });

  it("refuses the demo powers to every role on a console that is not a demo, and changes nothing", async () => {
    const demoOnly = (Object.keys(PROCEDURE_ACCESS) as ProcedurePath[]).filter((p) => "demoOnly" in PROCEDURE_ACCESS[p]);
    expect(demoOnly.sort()).toEqual(["incidents.endDemo", "incidents.startDemo", "mesh.setEavesdropper"]);
    for (const path of demoOnly) {
      for (const who of ["viewer", "analyst", "officer", "admin"] as const) {
        await settleCallers();
        const before = await snapshot();
        const err = await refusal(users[who], path, { demo: false });
        expect((err as TRPCError).code, `${path} as ${who}`).toBe("FORBIDDEN");
        expect((err as TRPCError).message).toMatch(/works only on a demonstration console \(QECNET_SEED_DEMO=true/);
        expect(await snapshot()).toEqual(before);
        expect(await t.db.link.count({ where: { eavesdropper: true } })).toBe(0);
      }
    }
  });

  it("refuses every mutation that fails the cross-site check, to every role, and changes nothing", async () => {
    const csrf = { ok: false as const, reason: "it comes from https://evil.example, not http://127.0.0.1" };
    const mutations = Object.keys(PROCEDURE_ACCESS).filter((p) => /\.(create|distribute|confirmReceipt|collectReceipts|activate|reportDistributionFailure|recordUsage|rotate|completeRotation|cancelRotation|destroy|revoke|verify|signOutEverywhere|request|withdraw|approve|reject|updateRule|setRole|setDisabled|register|update|setEnabled|pair|unpair)$/.test(p)) as ProcedurePath[];
    expect(mutations.length).toBeGreaterThan(20);
    for (const path of mutations) {
      for (const who of ["analyst", "officer", "admin"] as const) {
        await settleCallers();
        const before = await snapshot();
        const err = await refusal(users[who], path, { csrf });
        expect((err as TRPCError).code, `${path} as ${who}`).toBe("FORBIDDEN");
        expect((err as TRPCError).message).toMatch(/Cross-site request refused: it comes from https:\/\/evil.example/);
        expect(await snapshot()).toEqual(before);
      }
    }
    // Reads are not mutations: the check does not apply to them.
    await expect(call(users.viewer, "keys.list", { csrf })).resolves.toBeTruthy();
  });
});
