/**
 * "Request isolation" of a node, end to end through the routers on the demo
 * mesh: an analyst asks, the preview shows what would be severed and bypassed,
 * an officer approves, and the node is isolated in the vote's transaction with
 * the mesh re-wired; refusals (the hub, a node already isolated, a duplicate
 * request, the requester approving) change nothing.
 */
import type { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { readHead, verifyStoredChain } from "../audit/audit-log";
import type { SessionUser } from "../domain/access/session-user";
import { demoMesh } from "../demo/demo-topology";
import type { KeyService } from "../keys/key-service";
import { callerAs, createTestUsers, type TestUserName } from "../testing/auth-fixtures";
import { ACTOR, testKeyService, writeMesh } from "../testing/fixtures";
import { createTestDatabase, type TestDatabase } from "../testing/test-database";

describe("node isolation by approval", () => {
  let t: TestDatabase;
  let keys: KeyService;
  let users: Record<TestUserName, SessionUser>;
  const as = (who: TestUserName) => callerAs(t.db, keys, users[who]);
  const code = (p: Promise<unknown>) => p.then(() => "OK", (e: TRPCError) => `${e.code}: ${e.message}`);

  beforeAll(async () => {
    t = await createTestDatabase(inject("adminUrl"), "nodeiso");
    await writeMesh(t.db, demoMesh());
    keys = testKeyService(t.db);
    users = await createTestUsers(t.db, keys, "iso");
    // A key relayed through relay-north, so the preview lists it.
    const k = await keys.create({ label: "via-north", purpose: "t", policy: "standard", participants: ["ep-bank"] }, ACTOR);
    await keys.distributor!.distribute(k.id, ACTOR);
  });
  afterAll(async () => t.dispose());

  it("an analyst may not isolate, but may request it; the preview shows what it would do", async () => {
    expect(await code(as("analyst").mesh.isolateNode({ id: "relay-north", reason: "suspected tampering" }))).toMatch(/^FORBIDDEN/);
    const preview = await as("analyst").approvals.preview({ kind: "NODE_ISOLATION", targetId: "relay-north" });
    expect(preview.rule).toMatchObject({ minApprovals: 1 });
    expect(preview.impact.summary).toMatch(/Isolate Relay North .* 7 channel\(s\) severed, \d+ bypass\(es\) set up; every other node keeps a path to the hub/);
    expect(preview.impact.links.filter((l) => l.status === "severed")).toHaveLength(7);
    expect(preview.impact.links.some((l) => l.status === "new bypass")).toBe(true);
    expect(preview.impact.keys.map((k) => k.label)).toContain("via-north");
    expect(preview.impact.participantsToPurge).toEqual([]);
  });

  it("refuses the hub, and an unknown node, at request time, changing nothing", async () => {
    const head = await readHead(t.db);
    expect(await code(as("analyst").approvals.request({ kind: "NODE_ISOLATION", targetId: "hub-sov", justification: "isolating the hub would be bad" }))).toMatch(/^CONFLICT: Sovereign Hub is the sovereign hub/);
    expect(await code(as("analyst").approvals.request({ kind: "NODE_ISOLATION", targetId: "nowhere", justification: "no such node anywhere" }))).toMatch(/^NOT_FOUND: Node nowhere does not exist/);
    expect(await readHead(t.db)).toEqual(head);
  });

  it("one officer's approval isolates the node and re-wires the mesh in the same transaction", async () => {
    const r = await as("analyst").approvals.request({ kind: "NODE_ISOLATION", targetId: "relay-north", justification: "agent reports firmware hash mismatch" });
    expect(r.status).toBe("PENDING");
    expect(await code(as("analyst").approvals.request({ kind: "NODE_ISOLATION", targetId: "relay-north", justification: "a second request for the same" }))).toMatch(/^CONFLICT: .*already has an open request/);
    expect(await code(as("analyst").approvals.approve({ id: r.id, comment: "me" }))).toMatch(/^FORBIDDEN/);
    const done = await as("officer").approvals.approve({ id: r.id, comment: "confirmed by the site" });
    expect(done.status).toBe("EXECUTED");
    const node = await t.db.node.findUniqueOrThrow({ where: { id: "relay-north" } });
    expect(node.status).toBe("ISOLATED");
    expect(node.statusReason).toMatch(/approved request .*firmware hash mismatch/);
    expect(await t.db.link.count({ where: { kind: "BYPASS", viaNodeId: "relay-north" } })).toBeGreaterThan(0);
    const [vote, isolated] = await Promise.all([
      t.db.auditEntry.findFirstOrThrow({ where: { subjectId: r.id, action: "APPROVAL_EXECUTED" } }),
      t.db.auditEntry.findFirstOrThrow({ where: { subjectId: "relay-north", action: "NODE_ISOLATED" } }),
    ]);
    expect(isolated.actor).toBe(vote.actor); // recorded as the approving officer
    expect(isolated.at.getTime()).toBe(vote.at.getTime()); // one batch, one transaction
    expect(await code(as("analyst").approvals.request({ kind: "NODE_ISOLATION", targetId: "relay-north", justification: "again, now that it is isolated" }))).toMatch(/^CONFLICT: Relay North is already isolated/);
    expect((await verifyStoredChain(t.db)).result.ok).toBe(true);
  });
});
