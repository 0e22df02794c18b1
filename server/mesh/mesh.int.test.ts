/**
 * The mesh on a real PostgreSQL: operator actions (isolate, restore, links,
 * eavesdropper) with their audit entries and live events, the simulation's
 * ticks (pools, QBER, samples, threshold crossings, agents going silent and
 * coming back), a restart that resumes from the stored state, and the leader
 * lock that keeps two instances from both ticking.
 */
import type { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createCaller } from "../api/root";
import { createContextInner } from "../api/trpc";
import { verifyStoredChain } from "../audit/audit-log";
import { demoMesh } from "../demo/demo-topology";
import type { ConsoleEvent } from "../domain/events/console-events";
import { EventBus } from "../events/event-bus";
import type { Services } from "../runtime/services";
import { createTestUsers } from "../testing/auth-fixtures";
import { ACTOR, testServices, writeMesh } from "../testing/fixtures";
import { createTestDatabase, type TestDatabase } from "../testing/test-database";
import { MeshSimulator } from "./simulation/mesh-simulator";

describe("mesh operations and simulation", () => {
  let t: TestDatabase;
  let s: Services;
  let clock = Date.parse("2026-11-29T12:00:00Z");
  const now = () => new Date(clock);

  beforeAll(async () => {
    t = await createTestDatabase(inject("adminUrl"), "mesh");
    await writeMesh(t.db, demoMesh());
    s = testServices(t.db, t.url, { clock: now, simulation: { speed: 10, sampleMs: 5_000 } });
  });
  afterAll(async () => t.dispose());

  const link = (id: string) => t.db.link.findUniqueOrThrow({ where: { id } });

  it("isolating a relay severs its links, builds bypasses in the database, and audits each change", async () => {
    const bus = new EventBus(t.url);
    await bus.start();
    const heard = new Promise<ConsoleEvent>((resolve) => bus.subscribe(["mesh"], (e) => e.events?.some((x) => x.type === "node-isolated") && resolve(e)));
    const r = await s.mesh.isolateNode("relay-north", "suspected tampering at Northgate", ACTOR);
    await heard;
    await bus.stop();
    expect(r.severedLinkIds).toHaveLength(7);
    expect(r.bypasses.length).toBeGreaterThan(0);
    expect(r.stranded).toEqual([]);
    const node = await t.db.node.findUniqueOrThrow({ where: { id: "relay-north" } });
    expect(node).toMatchObject({ status: "ISOLATED", statusReason: "suspected tampering at Northgate" });
    for (const id of r.severedLinkIds) expect(await link(id)).toMatchObject({ status: "DOWN", downReason: "isolated:relay-north" });
    const bypasses = await t.db.link.findMany({ where: { kind: "BYPASS" } });
    expect(bypasses.map((b) => b.id).sort()).toEqual(r.bypasses.map((b) => b.id).sort());
    expect(bypasses.every((b) => b.viaNodeId === "relay-north" && b.poolBits === 0n)).toBe(true);
    expect(await t.db.auditEntry.count({ where: { action: "NODE_ISOLATED", subjectId: "relay-north" } })).toBe(1);
    expect(await t.db.auditEntry.count({ where: { action: "LINK_BYPASS_ESTABLISHED" } })).toBe(r.bypasses.length);
  });

  it("refuses to isolate it twice, or to isolate the hub, and changes nothing", async () => {
    const head = await t.db.auditHead.findUniqueOrThrow({ where: { id: 1 } });
    await expect(s.mesh.isolateNode("relay-north", "again", ACTOR)).rejects.toMatchObject({ code: "TOPOLOGY_CONFLICT", message: /already isolated/ });
    await expect(s.mesh.isolateNode("hub-sov", "why not", ACTOR)).rejects.toMatchObject({ code: "TOPOLOGY_CONFLICT", message: /sovereign hub/ });
    await expect(s.mesh.isolateNode("nowhere", "typo", ACTOR)).rejects.toMatchObject({ code: "MESH_ELEMENT_NOT_FOUND" });
    expect(await t.db.auditHead.findUniqueOrThrow({ where: { id: 1 } })).toEqual(head);
  });

  it("keys still reach the isolated relay's endpoints over the bypasses once their pools fill", async () => {
    await s.simulator.tickOnce();
    clock += 2_000;
    await s.simulator.tickOnce(); // 20 simulated seconds: bypass pools fill
    const k = await s.keys.create({ label: "via-bypass", purpose: "t", policy: "standard", participants: ["ep-parliament"] }, ACTOR);
    const r = await s.distribution.distribute(k.id, ACTOR);
    expect(r.finalKey.state).toBe("ACTIVE");
    const route = await t.db.keyRoute.findFirstOrThrow({ where: { keyId: k.id } });
    expect(route.nodePath).not.toContain("relay-north");
    expect(route.linkPath.some((id) => id.startsWith("bypass:"))).toBe(true);
  });

  it("restoring the relay brings its links back and removes the bypasses", async () => {
    const r = await s.mesh.restoreNode("relay-north", "cleared by site inspection", ACTOR);
    expect(r.removedBypassIds.length).toBeGreaterThan(0);
    expect(await t.db.link.count({ where: { kind: "BYPASS" } })).toBe(0);
    expect(await t.db.link.count({ where: { status: "DOWN" } })).toBe(0);
    expect((await t.db.node.findUniqueOrThrow({ where: { id: "relay-north" } })).status).toBe("ONLINE");
    await expect(s.mesh.restoreNode("relay-north", "again", ACTOR)).rejects.toMatchObject({ code: "TOPOLOGY_CONFLICT" });
  });

  it("adds and removes links with clear refusals", async () => {
    const l = await s.mesh.addLink({ aNodeId: "ep-water", bNodeId: "hub-sov", lengthKm: 33, lossDbPerKm: 0.21, detectorEfficiency: 0.045, darkCountYield: 1.7e-6, detectorErrorRate: 0.02, errorCorrectionEfficiency: 1.22, pulseRateHz: 1e9, reason: "new fibre" }, ACTOR);
    expect(l).toMatchObject({ id: "ep-water--hub-sov", poolBits: 0, status: "UP" });
    await expect(s.mesh.addLink({ aNodeId: "hub-sov", bNodeId: "ep-water", lengthKm: 10, lossDbPerKm: 0.21, detectorEfficiency: 0.045, darkCountYield: 1.7e-6, detectorErrorRate: 0.02, errorCorrectionEfficiency: 1.22, pulseRateHz: 1e9, reason: "dup" }, ACTOR))
      .rejects.toMatchObject({ code: "TOPOLOGY_CONFLICT", message: /already linked/ });
    const removed = await s.mesh.removeLink("ep-water--hub-sov", "decommissioned", ACTOR);
    expect(removed).toEqual({ removed: "ep-water--hub-sov", stranded: [] });
    const cut = await s.mesh.removeLink("ep-customs--relay-harbour", "fibre cut", ACTOR);
    expect(cut.stranded).toEqual(["ep-customs"]);
    expect(await t.db.auditEntry.count({ where: { action: { in: ["LINK_ADDED", "LINK_REMOVED"] } } })).toBe(3);
  });

  it("the simulation fills pools, moves QBER, samples links, and an eavesdropper trips the abort threshold", async () => {
    const before = await link("hub-sov--relay-east");
    await t.db.link.update({ where: { id: "hub-sov--relay-east" }, data: { poolBits: 0n } });
    clock += 1_000;
    const first = await s.simulator.tickOnce();
    expect(first.dtSimSeconds).toBeCloseTo(10, 5); // speed 10
    const filled = await link("hub-sov--relay-east");
    expect(Number(filled.poolBits)).toBeGreaterThan(0.5 * before.secretKeyRateBps * 10);
    expect(filled.qber).not.toBe(before.qber);

    await s.mesh.setEavesdropper("hub-sov--relay-east", true, "demo", ACTOR);
    let crossed = false;
    for (let i = 0; i < 10 && !crossed; i++) {
      clock += 3_000;
      crossed = (await s.simulator.tickOnce()).crossings.some((c) => c.linkId === "hub-sov--relay-east" && c.to === "compromised");
    }
    expect(crossed).toBe(true);
    expect(await t.db.auditEntry.count({ where: { action: "LINK_QBER_ABORT", subjectId: "hub-sov--relay-east" } })).toBe(1);
    expect((await link("hub-sov--relay-east")).secretKeyRateBps).toBe(0);
    expect(await t.db.linkSample.count({ where: { linkId: "hub-sov--relay-east" } })).toBeGreaterThan(1);
    await s.mesh.setEavesdropper("hub-sov--relay-east", false, "demo over", ACTOR);
    await expect(s.mesh.setEavesdropper("hub-sov--relay-east", false, "x", ACTOR)).rejects.toMatchObject({ code: "TOPOLOGY_CONFLICT" });
  });

  it("takes a node offline when its agent stops answering, and brings it back when it answers", async () => {
    s.agents.setFault("ep-grid", { silent: true });
    const seen: string[][] = [];
    for (let i = 0; i < 3; i++) {
      clock += 1_000;
      seen.push((await s.simulator.tickOnce()).offline);
    }
    expect(seen).toEqual([[], [], ["ep-grid"]]);
    expect(await t.db.node.findUniqueOrThrow({ where: { id: "ep-grid" } })).toMatchObject({ status: "OFFLINE", statusReason: /agent stopped answering/ });
    s.agents.setFault("ep-grid", null);
    clock += 1_000;
    expect((await s.simulator.tickOnce()).rejoined).toEqual(["ep-grid"]);
    expect(await t.db.auditEntry.count({ where: { action: { in: ["NODE_OFFLINE", "NODE_REJOINED"] }, subjectId: "ep-grid" } })).toBe(2);
  });

  it("a restarted simulator resumes from the stored state (tick count, PRNG) and catches up the time it missed", async () => {
    const before = await t.db.simulationState.findUniqueOrThrow({ where: { id: 1 } });
    clock += 30_000; // down for 30 s
    const restarted = new MeshSimulator(t.db, t.url, s.keys.runner, s.agents, { clock: now, speed: 10 });
    const r = await restarted.tickOnce();
    expect(r.tick).toBe(Number(before.tick) + 1);
    expect(r.dtSimSeconds).toBeCloseTo(300, 5);
    const after = await t.db.simulationState.findUniqueOrThrow({ where: { id: 1 } });
    expect(after.rngState).not.toBe(before.rngState);
    expect(after.simTime.getTime() - before.simTime.getTime()).toBe(300_000);
  });

  it("only one of two instances runs the simulation (advisory lock), and the other takes over when it stops", async () => {
    const a = new MeshSimulator(t.db, t.url, s.keys.runner, null, { tickMs: 50 });
    const b = new MeshSimulator(t.db, t.url, s.keys.runner, null, { tickMs: 50 });
    await a.start();
    await b.start();
    try {
      expect([a.leader, b.leader]).toEqual([true, false]);
      await a.stop();
      await expect.poll(() => b.leader, { timeout: 8_000, interval: 100 }).toBe(true);
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it("through tRPC: bad input and unknown ids get clear codes", async () => {
    const users = await createTestUsers(t.db, s.keys, "mesh");
    const caller = createCaller(createContextInner(s, users.admin));
    const code = async (p: Promise<unknown>) => p.then(() => "OK", (e: TRPCError) => `${e.code}: ${e.message}`);
    expect(await code(caller.mesh.node({ id: "nope" }))).toBe("NOT_FOUND: Node nope does not exist");
    expect(await code(caller.mesh.link({ id: "nope" }))).toMatch(/^NOT_FOUND: Link nope does not exist/);
    expect(await code(caller.mesh.isolateNode({ id: "ep-bank", reason: "x" }))).toMatch(/^BAD_REQUEST: reason: give a reason of at least 3 characters/);
    expect(await code(caller.mesh.addLink({ aNodeId: "ep-bank", bNodeId: "ep-bank", lengthKm: 10 }))).toMatch(/^BAD_REQUEST: bNodeId: a link joins two different nodes/);
    expect(await code(caller.mesh.addLink({ aNodeId: "ep-bank", bNodeId: "ep-port", lengthKm: 1000 }))).toMatch(/^BAD_REQUEST: lengthKm: fibre length at most 400 km/);
    const state = await caller.mesh.state();
    expect(state.nodes).toHaveLength(24);
    expect(state.hubId).toBe("hub-sov");
    expect(state.links.every((l) => l.poolLevel >= 0 && l.poolLevel <= 1)).toBe(true);
    const relayed = await s.keys.create({ label: "relayed-by-north", purpose: "t", policy: "standard", participants: ["ep-bank"] }, ACTOR);
    await s.distribution.distribute(relayed.id, ACTOR);
    const detail = await caller.mesh.node({ id: "relay-north" });
    expect(detail.keys.filter((k) => k.involvement === "relayed").map((k) => k.id)).toContain(relayed.id);
    expect((await caller.mesh.node({ id: "ep-bank" })).keys.find((k) => k.id === relayed.id)).toMatchObject({ involvement: "holds", confirmed: true });
    expect(detail.events.map((e) => e.action)).toEqual(expect.arrayContaining(["NODE_ISOLATED", "NODE_RESTORED"]));
    const ld = await caller.mesh.link({ id: "hub-sov--relay-east" });
    expect(ld.samples.length).toBeGreaterThan(1);
    expect(JSON.stringify([state, detail, ld], (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))).not.toMatch(/material|ciphertext/i);
  });

  it("leaves the audit chain whole", async () => {
    expect((await verifyStoredChain(t.db)).result.ok).toBe(true);
  });
});
