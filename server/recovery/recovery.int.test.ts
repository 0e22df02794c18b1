/**
 * Compromise recovery on the demo mesh over a real PostgreSQL: a link whose
 * QBER passes the abort threshold (an eavesdropper, seen by a simulator tick),
 * a compromised relay node, two compromises at once with overlapping blast
 * radii, an operator report held for approval (approved, rejected), a restart
 * between steps, and an integrity mismatch at a holder. Each time: only the
 * keys in the blast radius are revoked (once) and replaced (once) over paths
 * avoiding the compromised part; every other key is exactly as it was.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { readHead, verifyStoredChain } from "../audit/audit-log";
import type { SessionUser } from "../domain/access/session-user";
import { demoMesh } from "../demo/demo-topology";
import { DomainError } from "../domain/errors/domain-error";
import type { Services } from "../runtime/services";
import { createTestUsers, type TestUserName } from "../testing/auth-fixtures";
import { ACTOR, testServices, writeMesh } from "../testing/fixtures";
import { createTestDatabase, type TestDatabase } from "../testing/test-database";
import type { AgentDirectory } from "../agents/node-agent";
import { IntegrityMonitor } from "./integrity-monitor";
import { restoreContainedLink } from "./link-containment";
import { RecoveryService } from "./recovery-service";

const HOLDING = ["DISTRIBUTED", "ACTIVE", "ROTATING", "RETIRED"] as const;

describe("compromise recovery", () => {
  let t: TestDatabase;
  let s: Services;
  let users: Record<TestUserName, SessionUser>;
  let clock = Date.parse("2026-11-30T12:00:00Z");
  const masterKey = randomBytes(32);

  beforeAll(async () => {
    t = await createTestDatabase(inject("adminUrl"), "recovery");
    await writeMesh(t.db, demoMesh());
    s = testServices(t.db, t.url, { clock: () => new Date(clock), receiptTimeoutMs: 300, masterKey });
    users = await createTestUsers(t.db, s.keys, "rec");
  });
  afterAll(async () => t.dispose());

  async function activeKey(participants: string[], policy = "high-assurance", label = participants.join("+")) {
    const k = await s.keys.create({ label, purpose: "test", policy, participants }, ACTOR);
    const r = await s.distribution.distribute(k.id, ACTOR);
    expect(r.finalKey.state).toBe("ACTIVE");
    return r.finalKey.id;
  }

  /** Every key's (state, version), to prove that keys outside the blast radius were not touched. */
  async function snapshot() {
    return new Map((await t.db.key.findMany({ select: { id: true, state: true, version: true } })).map((k) => [k.id, `${k.state}/v${k.version}`]));
  }

  async function radiusOfLink(linkId: string) {
    const rows = await t.db.keyRoute.findMany({ where: { linkPath: { has: linkId }, key: { state: { in: [...HOLDING] } } }, select: { keyId: true } });
    return [...new Set(rows.map((r) => r.keyId))].sort();
  }

  /** The replacement generations (not failed attempts) of a key. */
  async function replacementsOf(keyId: string) {
    const k = await t.db.key.findUniqueOrThrow({ where: { id: keyId } });
    return t.db.key.findMany({ where: { lineageId: k.lineageId, generation: k.generation + 1, state: { notIn: ["DESTROYED"] } }, include: { routes: true } });
  }

  async function expectRecovered(keyIds: string[], avoid: { links?: string[]; nodes?: string[] }) {
    for (const id of keyIds) {
      const k = await t.db.key.findUniqueOrThrow({ where: { id } });
      expect(k.state, `key ${k.label}`).toBe("REVOKED");
      expect(k.materialCiphertext).toBeNull();
      expect(await t.db.auditEntry.count({ where: { subjectId: id, action: "KEY_REVOKED" } }), `revoked once: ${k.label}`).toBe(1);
      const reps = await replacementsOf(id);
      expect(reps, `one replacement for ${k.label}`).toHaveLength(1);
      expect(reps[0]!.state).toBe("ACTIVE");
      for (const r of reps[0]!.routes) {
        for (const l of avoid.links ?? []) expect(r.linkPath, `${k.label} replacement avoids ${l}`).not.toContain(l);
        for (const n of avoid.nodes ?? []) expect(r.nodePath).not.toContain(n);
      }
    }
  }

  function expectUntouched(before: Map<string, string>, after: Map<string, string>, exposed: string[]) {
    const skip = new Set(exposed);
    const changed = [...before].filter(([id, v]) => !skip.has(id) && after.get(id) !== v).map(([id]) => id);
    expect(changed, "keys outside the blast radius changed").toEqual([]);
  }

  it("a link whose QBER passes the abort threshold is contained; only keys that crossed it are revoked and replaced over other paths", async () => {
    const link = "hub-sov--relay-north";
    const crossing = [await activeKey(["ep-ministry"]), await activeKey(["ep-bank", "ep-dc2"])];
    const others = [await activeKey(["ep-dc1"]), await activeKey(["ep-dc2"]), await activeKey(["ep-telco"])];
    const radius = await radiusOfLink(link);
    expect(radius).toEqual(expect.arrayContaining(crossing));
    for (const o of others) expect(radius).not.toContain(o);
    const before = await snapshot();

    // The eavesdropper raises QBER; a simulator tick sees the crossing and the detector opens the incident.
    await s.mesh.setEavesdropper(link, true, "test eavesdropper", ACTOR);
    let crossed: string | undefined;
    for (let i = 0; i < 10 && !crossed; i++) {
      clock += 5_000;
      const tick = await s.simulator.tickOnce();
      crossed = tick.crossings.find((c) => c.linkId === link && c.to === "compromised")?.linkId;
    }
    expect(crossed).toBe(link);
    const inc = await s.recovery.qberAbort(link, "test crossing");
    expect(inc).toMatchObject({ status: "RESOLVED", signal: "QBER_ABORT", simulated: true, untouchedViolations: 0 });

    const view = await s.incidents.get(inc!.id);
    expect(view.reference).toMatch(/^INC-\d{4}$/);
    expect(view.keys.map((k) => k.keyId).sort()).toEqual(radius);
    expect(view.keys.every((k) => k.exposure === "crossed-link" && k.stateNow === "REVOKED" && k.replacementState === "ACTIVE")).toBe(true);
    expect(view.timeline.map((e) => e.step)).toEqual(["DETECTED", "BLAST_RADIUS", "CONTAINED", "REVOKED", "REDISTRIBUTED", "VERIFIED"]);
    expect(view.timeToIntegrityMs).not.toBeNull();
    expect(view.linkIds).toEqual([link]);
    expect(view.timeline.find((e) => e.step === "REDISTRIBUTED")?.summary).toMatch(/^holders confirmed [1-9]\d* purge\(s\)/);
    expect(await t.db.link.findUniqueOrThrow({ where: { id: link } })).toMatchObject({ status: "DOWN", downReason: `incident:${view.reference}` });

    await expectRecovered(radius, { links: [link] });
    expectUntouched(before, await snapshot(), radius);
    // Purges confirmed by the holders, and the holders no longer have the material.
    const ik = await t.db.incidentKey.findMany({ where: { incidentId: inc!.id } });
    expect(ik.every((k) => k.purgeConfirmedBy.length > 0)).toBe(true);
    expect(s.agents.agent("ep-ministry").holds(crossing[0]!)).toBe(false);
    expect(await s.incidents.highlight()).toMatchObject({ linkIds: expect.arrayContaining([link]) });

    // End of the scenario: the eavesdropper goes and the link comes back UP at its baseline QBER.
    expect(await s.demoScenario.end(ACTOR)).toMatchObject({ running: false, restoredLinkIds: [link] });
    expect(await t.db.link.findUniqueOrThrow({ where: { id: link } })).toMatchObject({ status: "UP", eavesdropper: false });
  });

  it("a compromised relay: keys relayed through it are revoked and replaced around it; a key it holds waits for its restore", async () => {
    const relay = "relay-east";
    const relayed = await activeKey(["ep-telco"]);
    const held = await activeKey(["relay-east", "ep-dc1"]);
    const others = [await activeKey(["ep-dc1"]), await activeKey(["ep-hospital"])];
    const before = await snapshot();
    const viaRelay = (await t.db.keyRoute.findMany({ where: { nodePath: { has: relay }, key: { state: { in: [...HOLDING] } } }, select: { keyId: true } })).map((r) => r.keyId);
    expect(viaRelay).toContain(relayed);

    const summary = await s.recovery.report({ targetType: "node", targetId: relay, reason: "tamper alarm at the Eastport exchange" }, ACTOR);
    // Issue 12, finding 2: even under high-assurance, one person's report revokes nothing before an officer approves
    // (before the fix this incident recovered at once, on the report alone).
    const waiting = await s.recovery.drive(summary.id);
    expect(waiting).toMatchObject({ status: "AWAITING_APPROVAL" });
    expectUntouched(before, await snapshot(), []);
    await s.approvals.approve(waiting!.approvalRequestId!, "tamper alarm confirmed on site", users.officer);
    let done = await s.recovery.drive(summary.id);
    for (let i = 0; i < 50 && done?.status !== "RESOLVED"; i++) done = await new Promise((ok) => setTimeout(ok, 50)).then(() => s.recovery.drive(summary.id));
    expect(done).toMatchObject({ status: "RESOLVED", untouchedViolations: 0 });
    const view = await s.incidents.get(summary.id);
    const exposed = view.keys.map((k) => k.keyId);
    expect(exposed).toEqual(expect.arrayContaining([relayed, held]));
    for (const o of others) expect(exposed).not.toContain(o);
    expect(view.keys.find((k) => k.keyId === relayed)).toMatchObject({ exposure: "relayed", stateNow: "REVOKED", replacementState: "ACTIVE", waitingForNode: null });
    expect(view.keys.find((k) => k.keyId === held)).toMatchObject({ exposure: "held", stateNow: "REVOKED", replacementState: "GENERATED", waitingForNode: relay });
    expect((await t.db.node.findUniqueOrThrow({ where: { id: relay } })).status).toBe("ISOLATED");
    await expectRecovered(exposed.filter((id) => id !== held), { nodes: [relay] });
    expectUntouched(before, await snapshot(), exposed);

    // The node is restored: the waiting replacement goes out and becomes ACTIVE.
    await s.mesh.restoreNode(relay, "re-certified after the tamper alarm", ACTOR);
    expect(await s.recovery.distributeWaiting(relay)).toBe(1);
    const after = await s.incidents.get(summary.id);
    expect(after.keys.find((k) => k.keyId === held)).toMatchObject({ replacementState: "ACTIVE", waitingForNode: null });
    expect(after.timeline.at(-1)?.summary).toMatch(/restored: 1 waiting replacement/);
  });

  it("two compromises at once with overlapping blast radii: each key is revoked once and replaced once", async () => {
    const a = "hub-sov--relay-east";
    const b = "ep-telco--relay-east";
    const both = await activeKey(["ep-telco"], "high-assurance", "both");
    const onlyA = await activeKey(["ep-grid"], "high-assurance", "only-a");
    const [ra, rb] = [await radiusOfLink(a), await radiusOfLink(b)];
    expect(ra).toEqual(expect.arrayContaining([both, onlyA]));
    expect(rb).toContain(both);
    const before = await snapshot();

    const [ia, ib] = await Promise.all([
      s.recovery.signal({ signal: "QBER_ABORT", targetType: "link", targetId: a, reason: "test A" }, ACTOR),
      s.recovery.signal({ signal: "QBER_ABORT", targetType: "link", targetId: b, reason: "test B" }, ACTOR),
    ]);
    expect(ia.status).toBe("RESOLVED");
    expect(ib.status).toBe("RESOLVED");
    const exposed = [...new Set([...ra, ...rb])];
    await expectRecovered(exposed, { links: [a, b] });
    expectUntouched(before, await snapshot(), exposed);
    // The overlapping key is in both incidents, but only one of them revoked and replaced it.
    const rows = await t.db.incidentKey.findMany({ where: { keyId: both } });
    expect(rows).toHaveLength(2);
    expect(rows.filter((r) => r.replacementId !== null)).toHaveLength(1);
  });

  it("an operator report under the standard policy waits for an officer; approved, the recovery runs", async () => {
    const k = await activeKey(["ep-customs"], "standard", "customs");
    // The link before the last hop: the endpoint keeps another way in (the harbour relay has two backbone links).
    const route = await t.db.keyRoute.findFirstOrThrow({ where: { keyId: k } });
    const link = route.linkPath.at(-2)!;
    const radius = await radiusOfLink(link);
    expect(radius).toContain(k);
    const before = await snapshot();

    const summary = await s.recovery.report({ targetType: "link", targetId: link, reason: "fibre tap found in a manhole" }, ACTOR);
    const held = await s.recovery.drive(summary.id);
    expect(held).toMatchObject({ status: "AWAITING_APPROVAL", step: "DETECTED" });
    expect(held!.approvalRequestId).not.toBeNull();
    // Nothing happened yet: not contained, nothing revoked.
    expect((await t.db.link.findUniqueOrThrow({ where: { id: link } })).status).not.toBe("DOWN");
    expectUntouched(before, await snapshot(), []);
    // A second report on the same link is refused, naming the open incident.
    await expect(s.recovery.report({ targetType: "link", targetId: link, reason: "again" }, ACTOR)).rejects.toMatchObject({ code: "INCIDENT_OPEN", message: expect.stringContaining(summary.reference) });

    await s.approvals.approve(held!.approvalRequestId!, "confirmed by the field team", users.officer);
    let r = await s.recovery.drive(summary.id);
    for (let i = 0; i < 50 && r?.status !== "RESOLVED"; i++) r = await new Promise((ok) => setTimeout(ok, 50)).then(() => s.recovery.drive(summary.id));
    expect(r).toMatchObject({ status: "RESOLVED", untouchedViolations: 0 });
    const view = await s.incidents.get(summary.id);
    expect(view.timeline.map((e) => e.step)).toEqual(["DETECTED", "BLAST_RADIUS", "HELD_FOR_APPROVAL", "APPROVED", "CONTAINED", "REVOKED", "REDISTRIBUTED", "VERIFIED"]);
    await expectRecovered(radius, { links: [link] });
    expectUntouched(before, await snapshot(), radius);
    let req = await t.db.approvalRequest.findUniqueOrThrow({ where: { id: held!.approvalRequestId! } });
    for (let i = 0; i < 50 && req.status === "EXECUTING"; i++) {
      await new Promise((ok) => setTimeout(ok, 50));
      req = await t.db.approvalRequest.findUniqueOrThrow({ where: { id: held!.approvalRequestId! } });
    }
    expect(req.status).toBe("EXECUTED");
  });

  it("an operator report rejected by the officer is dismissed: nothing contained, nothing revoked", async () => {
    const link = "ep-dc1--hub-sov";
    const k = await activeKey(["ep-dc1"], "standard", "dc1-standard");
    expect(await radiusOfLink(link)).toContain(k);
    const before = await snapshot();
    const summary = await s.recovery.report({ targetType: "link", targetId: link, reason: "suspicious maintenance visit" }, ACTOR);
    const held = await s.recovery.drive(summary.id);
    await s.approvals.reject(held!.approvalRequestId!, "the visit was scheduled", users.officer);
    const r = await s.recovery.drive(summary.id);
    expect(r).toMatchObject({ status: "DISMISSED" });
    expect((await t.db.link.findUniqueOrThrow({ where: { id: link } })).status).not.toBe("DOWN");
    expectUntouched(before, await snapshot(), []);
    expect((await s.incidents.get(summary.id)).timeline.at(-1)).toMatchObject({ step: "DISMISSED" });
    // Closed: a new report on the link may be made.
    expect((await s.incidents.list({ status: ["DISMISSED"] })).map((i) => i.id)).toContain(summary.id);
  });

  it("a restart between steps resumes where it stopped: nothing lost, nothing done twice", async () => {
    const link = "relay-south--relay-west";
    // A key routed over relay-west – relay-south: ep-airport's path from the hub may use either relay, so route one that must.
    const keys = [await activeKey(["ep-police", "ep-hospital"]), await activeKey(["ep-water"])];
    const radius = await radiusOfLink(link);
    const target = radius.length > 0 ? link : "hub-sov--relay-south";
    const exposed = radius.length > 0 ? radius : await radiusOfLink(target);
    expect(exposed.length).toBeGreaterThan(0);
    expect(keys).toHaveLength(2);
    const before = await snapshot();

    // First process: stops right after the revocation committed (before purging and redistributing).
    const crashing = new RecoveryService(t.db, s.keys, s.agents, { beforeStep: (step) => { if (step === "RECOVERING/REVOKED") throw new Error("simulated crash"); } });
    await expect(crashing.signal({ signal: "QBER_ABORT", targetType: "link", targetId: target, reason: "restart test" }, ACTOR)).rejects.toThrow("simulated crash");
    const mid = await t.db.incident.findFirstOrThrow({ where: { targetId: target }, orderBy: { number: "desc" } });
    expect(mid).toMatchObject({ status: "RECOVERING", step: "REVOKED" });
    // The previous process also got one replacement out before it stopped (distributed, not yet recorded).
    const one = await t.db.incidentKey.findFirstOrThrow({ where: { incidentId: mid.id, replacementId: { not: null } } });
    await crashing.ensureActive(one.replacementId!, "system:recovery (crashed)");

    // A fresh process resumes every open incident.
    const fresh = testServices(t.db, t.url, { clock: () => new Date(clock), receiptTimeoutMs: 300, masterKey });
    expect(await fresh.recovery.resumeOpen()).toBeGreaterThanOrEqual(1);
    const done = await t.db.incident.findUniqueOrThrow({ where: { id: mid.id } });
    expect(done).toMatchObject({ status: "RESOLVED", untouchedViolations: 0 });
    await expectRecovered(exposed, { links: [target] });
    expectUntouched(before, await snapshot(), exposed);
    // The replacement distributed before the restart was not distributed again.
    expect(await t.db.auditEntry.count({ where: { subjectId: one.replacementId!, action: "KEY_DISTRIBUTED" } })).toBe(1);
    s = testServices(t.db, t.url, { clock: () => new Date(clock), receiptTimeoutMs: 300, masterKey });
  });

  it("a restart while a replacement was routed but its receipts not yet collected: it is collected once, not distributed again", async () => {
    const k = await activeKey(["ep-hospital"], "high-assurance", "mid-distribution");
    const route = await t.db.keyRoute.findFirstOrThrow({ where: { keyId: k } });
    const link = route.linkPath[0]!; // hub – relay-south
    const crashing = new RecoveryService(t.db, s.keys, s.agents, { clock: () => new Date(clock), beforeStep: (step) => { if (step === "RECOVERING/REVOKED") throw new Error("simulated crash"); } });
    await expect(crashing.signal({ signal: "QBER_ABORT", targetType: "link", targetId: link, reason: "restart mid-distribution" }, ACTOR)).rejects.toThrow("simulated crash");
    const inc = await t.db.incident.findFirstOrThrow({ where: { targetId: link }, orderBy: { number: "desc" } });
    const ik = await t.db.incidentKey.findFirstOrThrow({ where: { incidentId: inc.id, keyId: k } });
    // The previous process routed the replacement (pads spent, DISTRIBUTED) and stopped before any receipt.
    const routed = await s.distribution.routeKey(ik.replacementId!, { actor: "system:recovery (crashed)" });
    expect(routed.ok).toBe(true);
    clock += 10_000;
    const fresh = testServices(t.db, t.url, { clock: () => new Date(clock), receiptTimeoutMs: 300, masterKey });
    await fresh.recovery.resumeOpen();
    expect(await t.db.incident.findUniqueOrThrow({ where: { id: inc.id } })).toMatchObject({ status: "RESOLVED", untouchedViolations: 0 });
    const rep = await t.db.key.findUniqueOrThrow({ where: { id: ik.replacementId! } });
    expect(rep.state).toBe("ACTIVE");
    expect(await t.db.auditEntry.count({ where: { subjectId: rep.id, action: "KEY_DISTRIBUTED" } })).toBe(1);
    expect(await t.db.key.count({ where: { lineageId: rep.lineageId, generation: rep.generation } })).toBe(1); // no second attempt
    s = testServices(t.db, t.url, { clock: () => new Date(clock), receiptTimeoutMs: 300, masterKey });
  });

  it("an integrity mismatch at a holder revokes and replaces only the mismatched key", async () => {
    const k = await activeKey(["ep-stock", "ep-dc1"], "standard", "stock-dc1");
    const otherAtStock = await activeKey(["ep-stock"], "standard", "stock-only");
    expect(s.agents.corrupt("ep-stock", k)).toBe(true);
    const before = await snapshot();
    const monitor = new IntegrityMonitor(t.db, s.agents, s.recovery, s.keys.vault, { perScan: 1_000 });
    const scan = await monitor.scan();
    expect(scan.mismatches).toBe(1);
    expect(scan.incidents).toHaveLength(1);
    const inc = scan.incidents[0]!;
    expect(inc).toMatchObject({ status: "RESOLVED", signal: "INTEGRITY_MISMATCH", targetType: "node", targetId: "ep-stock" });
    const view = await s.incidents.get(inc.id);
    expect(view.keys.map((x) => x.keyId)).toEqual([k]);
    await expectRecovered([k], {});
    expectUntouched(before, await snapshot(), [k]);
    expect((await t.db.node.findUniqueOrThrow({ where: { id: "ep-stock" } })).status).toBe("ONLINE");
    expect((await t.db.key.findUniqueOrThrow({ where: { id: otherAtStock } })).state).toBe("ACTIVE"); // the node's other key stays
    expect((await monitor.scan()).mismatches).toBe(0);
  });

  it("integrity is a fresh challenge: a holder replaying an earlier answer fails it and the key is replaced", async () => {
    const k = await activeKey(["ep-stock", "ep-dc1"], "standard", "stock-dc1-replay");
    // ep-stock answers k's first challenge honestly, then replays that answer (a recorded proof, or a stale holder).
    let kept: string | null = null;
    const replaying: AgentDirectory = {
      agent: (nodeId) => {
        const real = s.agents.agent(nodeId);
        if (nodeId !== "ep-stock") return real;
        return {
          nodeId, deliver: (d) => real.deliver(d), relay: (r) => real.relay(r), purge: (id) => real.purge(id), heartbeat: () => real.heartbeat(),
          integrity: (id) => real.integrity(id), usage: (id) => real.usage(id),
          prove: async (id, nonce) => {
            if (id !== k) return real.prove(id, nonce);
            kept ??= await real.prove(id, nonce);
            return kept;
          },
        };
      },
    };
    const monitor = new IntegrityMonitor(t.db, replaying, s.recovery, s.keys.vault, { perScan: 1_000 });
    expect((await monitor.scan()).mismatches).toBe(0);
    expect(kept).toMatch(/^PROOF:[0-9a-f]{64}$/);
    // The static fingerprint would still match: only the fresh nonce tells the replay apart.
    expect(await s.agents.agent("ep-stock").integrity(k)).toBe((await t.db.key.findUniqueOrThrow({ where: { id: k } })).fingerprint);
    const scan = await monitor.scan();
    expect(scan.mismatches).toBe(1);
    expect(scan.incidents).toHaveLength(1);
    expect(scan.incidents[0]).toMatchObject({ signal: "INTEGRITY_MISMATCH", targetId: "ep-stock", status: "RESOLVED" });
    expect((await s.incidents.get(scan.incidents[0]!.id)).keys.map((x) => x.keyId)).toEqual([k]);
    expect((await t.db.key.findUniqueOrThrow({ where: { id: k } })).state).toBe("REVOKED");
  });

  it("bulk distribution of replacements: a key that cannot be routed spends nothing and fails alone (or, asked to, waits GENERATED); the others become ACTIVE", async () => {
    await s.mesh.isolateNode("ep-university", "maintenance", ACTOR);
    const ok = await s.keys.create({ label: "bulk-ok", purpose: "test", policy: "standard", participants: ["ep-dc1", "ep-water"] }, ACTOR);
    const stuck = await s.keys.create({ label: "bulk-stuck", purpose: "test", policy: "standard", participants: ["ep-dc1", "ep-university"] }, ACTOR);
    const pools = async () => (await t.db.link.findMany({ select: { id: true, poolBits: true }, orderBy: { id: "asc" } })).map((l) => `${l.id}:${l.poolBits}`);
    const r = await s.distribution.distributeMany([ok.id, stuck.id], ACTOR);
    expect(r.get(ok.id)).toEqual({ finalId: ok.id, state: "ACTIVE" });
    expect(r.get(stuck.id)?.state).toBe("DESTROYED"); // every attempt failed: abandoned, never half-distributed
    expect(await t.db.keyRoute.count({ where: { key: { lineageId: stuck.lineageId } } })).toBe(0);
    const abandoned = await t.db.auditEntry.findFirst({ where: { subjectId: r.get(stuck.id)!.finalId, action: "KEY_DISTRIBUTION_ABANDONED" } });
    expect(abandoned).not.toBeNull();
    // Nothing more is spent by a key that cannot go anywhere.
    const before = await pools();
    const again = await s.keys.create({ label: "bulk-stuck-2", purpose: "test", policy: "standard", participants: ["ep-university"] }, ACTOR);
    await s.distribution.distributeMany([again.id], ACTOR);
    expect(await pools()).toEqual(before);
    // A caller that would rather wait (recovery): the key stays GENERATED, untouched, with the node in the way.
    const waits = await s.keys.create({ label: "bulk-waits", purpose: "test", policy: "standard", participants: ["ep-dc1", "ep-university"] }, ACTOR);
    const left = await s.distribution.distributeMany([waits.id], ACTOR, { leaveUnroutable: true });
    expect(left.get(waits.id)).toEqual({ finalId: waits.id, state: "GENERATED", blockedBy: "ep-university" });
    expect(await t.db.key.findUniqueOrThrow({ where: { id: waits.id } })).toMatchObject({ state: "GENERATED", version: 0, distributionAttempt: 1 });
    expect(await t.db.auditEntry.count({ where: { subjectId: waits.id } })).toBe(1); // KEY_GENERATED only
    expect(await pools()).toEqual(before);
    await s.mesh.restoreNode("ep-university", "back", ACTOR);
    expect((await s.distribution.distributeMany([waits.id], ACTOR, { leaveUnroutable: true })).get(waits.id)).toEqual({ finalId: waits.id, state: "ACTIVE" });
  });

  it("the demo scenario puts the eavesdropper on the backbone link; a QBER over the threshold found at start (no incident yet) is not lost", async () => {
    // Links contained by the earlier incidents (all closed) come back first: the mesh is whole again.
    for (const l of await t.db.link.findMany({ where: { downReason: { startsWith: "incident:" } }, select: { id: true } })) {
      expect(await restoreContainedLink(s.keys, l.id, ACTOR)).toBe(true);
    }
    await activeKey(["ep-parliament"], "high-assurance", "demo-key");
    expect(await s.demoScenario.state()).toMatchObject({ running: false, linkId: "hub-sov--relay-north", incidentId: null });
    expect(await s.demoScenario.start(ACTOR)).toMatchObject({ running: true, linkId: "hub-sov--relay-north", linkName: expect.stringContaining("–"), incidentId: null });
    await expect(s.demoScenario.start(ACTOR)).rejects.toMatchObject({ code: "TOPOLOGY_CONFLICT" });
    // The tick that crossed the threshold committed, then the process stopped before the incident opened.
    await t.db.link.update({ where: { id: "hub-sov--relay-north" }, data: { qber: 0.24, status: "DEGRADED" } });
    const opened = await s.recovery.sweepQber(0.11);
    expect(opened.map((i) => [i.targetId, i.status, i.simulated]), JSON.stringify(opened[0]?.timeline.at(-1))).toEqual([["hub-sov--relay-north", "RESOLVED", true]]);
    expect(await s.recovery.sweepQber(0.11)).toEqual([]); // contained: nothing more to open
    expect(await s.demoScenario.state()).toMatchObject({ running: true, incidentId: opened[0]!.id });
    expect(await s.demoScenario.end(ACTOR)).toMatchObject({ running: false, incidentId: null, restoredLinkIds: ["hub-sov--relay-north"] });
    expect(await t.db.link.findUniqueOrThrow({ where: { id: "hub-sov--relay-north" } })).toMatchObject({ status: "UP", eavesdropper: false });
  });

  it("an endpoint the containment cuts off from the hub: its replacement waits, and goes out once the link is back", async () => {
    const link = "ep-dc2--relay-west"; // Backup Data Centre's only channel
    const k = await activeKey(["ep-dc2"], "high-assurance", "dc2-cut-off");
    const inc = await s.recovery.signal({ signal: "QBER_ABORT", targetType: "link", targetId: link, reason: "cut-off test" }, ACTOR);
    expect(inc).toMatchObject({ status: "RESOLVED", untouchedViolations: 0 });
    const view = await s.incidents.get(inc.id);
    expect(view.keys.find((x) => x.keyId === k)).toMatchObject({ stateNow: "REVOKED", replacementState: "GENERATED", waitingForNode: "ep-dc2" });
    expect(await s.recovery.distributeWaiting()).toBe(0); // still cut off
    expect(await restoreContainedLink(s.keys, link, ACTOR)).toBe(true);
    expect(await s.recovery.distributeWaiting()).toBeGreaterThanOrEqual(1);
    expect((await s.incidents.get(inc.id)).keys.find((x) => x.keyId === k)).toMatchObject({ replacementState: "ACTIVE", waitingForNode: null });
  });

  it("refuses bad reports with errors a person can act on, changing nothing", async () => {
    const head = await readHead(t.db);
    await expect(s.recovery.report({ targetType: "node", targetId: "nowhere", reason: "x" }, ACTOR)).rejects.toMatchObject({ code: "MESH_ELEMENT_NOT_FOUND" });
    await expect(s.recovery.report({ targetType: "link", targetId: "ep-dc1--hub-sov", reason: "   " }, ACTOR)).rejects.toMatchObject({ code: "INVALID_INPUT" });
    await expect(s.recovery.report({ targetType: "node", targetId: "hub-sov", reason: "hub" }, ACTOR)).rejects.toMatchObject({ code: "TOPOLOGY_CONFLICT" });
    await expect(s.incidents.get("00000000-0000-0000-0000-000000000000")).rejects.toBeInstanceOf(DomainError);
    expect(await readHead(t.db)).toEqual(head);
  });

  it("every step is in the audit chain, and the chain is whole", async () => {
    const first = (await s.incidents.list({ status: ["RESOLVED"] })).at(-1)!;
    const steps = await t.db.auditEntry.findMany({ where: { subjectType: "incident", subjectId: first.id }, orderBy: { seq: "asc" }, select: { action: true } });
    expect(steps.map((e) => e.action)).toEqual(["INCIDENT_OPENED", "INCIDENT_CONTAINED", "INCIDENT_KEYS_REVOKED", "INCIDENT_KEYS_PURGED", "INCIDENT_KEYS_REDISTRIBUTED", "INCIDENT_RESOLVED"]);
    const v = await verifyStoredChain(t.db);
    expect(v.result).toMatchObject({ ok: true });
  });
});
