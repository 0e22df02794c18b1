/**
 * Live mesh updates on a real PostgreSQL: a simulation tick's event carries
 * the figures and link statuses that moved, and applying it to the previous
 * state gives exactly what a refetch returns (mesh state, link panel with its
 * appended sample, node panel), also when a QBER crossing changed a status; the shared mesh state is computed once per change, whatever the
 * number of viewers asking.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { demoMesh } from "../demo/demo-topology";
import { encodeEvent, type ConsoleEvent, type MeshTickDelta } from "../domain/events/console-events";
import { EventBus } from "../events/event-bus";
import type { Services } from "../runtime/services";
import { ACTOR, testServices, writeMesh } from "../testing/fixtures";
import { createTestDatabase, type TestDatabase } from "../testing/test-database";
import { linkDetail, loadMeshState, nodeDetail } from "./mesh-queries";
import { applyTickToLinkDetail, applyTickToNodeDetail, applyTickToState } from "../domain/mesh/mesh-tick-delta";

describe("live mesh updates", () => {
  let t: TestDatabase;
  let s: Services;
  let bus: EventBus;
  let clock = Date.parse("2026-11-29T12:00:00Z");
  const now = () => new Date(clock);

  beforeAll(async () => {
    t = await createTestDatabase(inject("adminUrl"), "mesh_live");
    await writeMesh(t.db, demoMesh());
    s = testServices(t.db, t.url, { clock: now, simulation: { speed: 10, sampleMs: 5_000 } });
    bus = new EventBus(t.url);
    await bus.start();
    await s.simulator.tickOnce(); // the first tick creates the simulation state
  });
  afterAll(async () => {
    await bus.stop();
    await t.dispose();
  });

  /** Ticks once (after `ms` of simulated wall time) and returns the tick's event as heard on the bus. */
  async function tick(ms: number): Promise<{ event: ConsoleEvent; delta: MeshTickDelta | undefined }> {
    const heard = new Promise<ConsoleEvent>((resolve) => {
      const off = bus.subscribe(["mesh"], (e) => {
        if (!e.events?.some((x) => x.type === "tick")) return;
        off();
        resolve(e);
      });
    });
    clock += ms;
    await s.simulator.tickOnce();
    const event = await heard;
    return { event, delta: event.events?.find((x) => x.type === "tick")?.delta };
  }

  it("applying a tick's delta to the previous state gives the refetched state", async () => {
    for (const ms of [1_000, 1_000, 5_000]) {
      const before = await loadMeshState(t.db);
      const { delta } = await tick(ms);
      expect(delta).toBeDefined();
      const applied = applyTickToState(before, delta!);
      expect(applied.kind).toBe("applied");
      const after = await loadMeshState(t.db);
      if (applied.kind === "applied") expect({ ...applied.state, simulation: { ...applied.state.simulation, running: false } }).toEqual(after);
      // Idempotent: the same tick again, or one from the past, changes nothing.
      expect(applyTickToState(after, delta!).kind).toBe("current");
    }
  });

  it("a link panel appends the tick's sample, and a node panel takes its links' figures, as a refetch would show them", async () => {
    const linkBefore = await linkDetail(t.db, "hub-sov--relay-east", 30);
    const nodeBefore = await nodeDetail(t.db, "relay-east");
    const { delta } = await tick(5_000); // one sample every 5 s
    expect(delta?.sampled).toBe(true);
    const linkAfter = await linkDetail(t.db, "hub-sov--relay-east", 30);
    expect(linkAfter.samples.length).toBe(linkBefore.samples.length + 1);
    expect(applyTickToLinkDetail(linkBefore, delta!, 30)).toEqual(linkAfter);
    expect(applyTickToNodeDetail(nodeBefore, delta!)).toEqual(await nodeDetail(t.db, "relay-east"));
  });

  /** Ticks until a tick changes `linkId`'s status; checks every tick's delta against a refetch on the way. */
  async function tickUntilStatusChange(linkId: string) {
    for (let i = 0; i < 30; i++) {
      const [state, link, node] = await Promise.all([loadMeshState(t.db), linkDetail(t.db, linkId, 30), nodeDetail(t.db, "relay-north")]);
      const r = await tick(1_000);
      expect(r.delta, `tick ${i}: a status change is carried in the delta`).toBeDefined();
      const applied = applyTickToState(state, r.delta!);
      expect(applied.kind).toBe("applied");
      const after = await loadMeshState(t.db);
      if (applied.kind === "applied") expect({ ...applied.state, simulation: { ...applied.state.simulation, running: false } }).toEqual(after);
      const figures = r.delta!.links.find((f) => f[0] === linkId);
      if (figures?.[4] !== undefined) return { ...r, figures, state, after, link, node };
    }
    throw new Error(`${linkId} never changed its status`);
  }

  it("a tick that changes a link's status carries it in the delta: applied, it gives the refetched state and panels", async () => {
    const linkId = "hub-sov--relay-north";
    await s.mesh.setEavesdropper(linkId, true, "test: eavesdropper", ACTOR);
    const tapped = await tickUntilStatusChange(linkId);
    expect(tapped.figures[4]).toBe("DEGRADED");
    expect(tapped.state.links.find((l) => l.id === linkId)?.status).toBe("UP");
    expect(tapped.after.links.find((l) => l.id === linkId)).toMatchObject({ status: "DEGRADED", health: expect.stringMatching(/warning|compromised/) });
    // The crossing was audited: the tick names the link, so an open panel of it refetches its events.
    const tickEvent = tapped.event.events!.find((x) => x.type === "tick")!;
    expect(tickEvent.data?.crossed).toContain(linkId);
    expect(tapped.event.topics).toContain("audit");
    const linkAfter = await linkDetail(t.db, linkId, 30);
    const { events: _before, ...appliedLink } = applyTickToLinkDetail(tapped.link, tapped.delta!, 30);
    const { events: refetchedEvents, ...refetchedLink } = linkAfter;
    expect(appliedLink).toEqual(refetchedLink);
    expect(refetchedEvents[0]).toMatchObject({ action: expect.stringMatching(/LINK_QBER_(WARNING|ABORT)/), subjectId: linkId });
    expect(applyTickToNodeDetail(tapped.node, tapped.delta!)).toEqual(await nodeDetail(t.db, "relay-north"));

    // And back: the eavesdropper gone, QBER recovers and the link goes UP again, in a delta too.
    await s.mesh.setEavesdropper(linkId, false, "test: cleared", ACTOR);
    const cleared = await tickUntilStatusChange(linkId);
    expect(cleared.figures[4]).toBe("UP");
    expect(cleared.after.links.find((l) => l.id === linkId)).toMatchObject({ status: "UP", health: "healthy" });
  });

  it("a demo tick's event fits PostgreSQL's NOTIFY limit with its delta", async () => {
    const r = await tick(5_000);
    const { event, delta } = r;
    expect(delta?.sampled).toBe(true);
    expect(delta?.links.length).toBe(demoMesh().links.size);
    expect(event.truncated).toBeUndefined();
    expect(encodeEvent(event).length).toBeLessThan(7_800);
  });

  it("computes the shared mesh state once per change, however many viewers ask at once", async () => {
    const first = await Promise.all(Array.from({ length: 50 }, () => s.meshState.get()));
    const computed = s.meshState.computed;
    expect(new Set(first).size).toBe(1);
    expect((await s.meshState.get()).simulation.tick).toBe(first[0]!.simulation.tick);
    expect(s.meshState.computed).toBe(computed);
    await tick(1_000);
    const second = await Promise.all(Array.from({ length: 50 }, () => s.meshState.get()));
    expect(s.meshState.computed).toBe(computed + 1);
    expect(second[0]!.simulation.tick).toBe(first[0]!.simulation.tick + 1);
    // A key change (held-key counts) is a change too.
    await s.keys.create({ label: "live-cache", purpose: "t", policy: "standard", participants: ["ep-bank"] }, ACTOR);
    await s.meshState.get();
    expect(s.meshState.computed).toBe(computed + 2);
  });
});
