/**
 * The hub's pool figures come from what the link ends report (issue 18), on a
 * real PostgreSQL with the demo mesh and in-process agents, on a manual clock:
 * after a simulator tick every link whose two ends reported has the pool they
 * reported (its devices' bytes less what was used or reserved), not the
 * simulation's model (the demo seeds pools part-filled; devices start full);
 * a key relayed over a link takes its bytes out of that pool at both ends; an
 * end that stops reporting no longer vouches for its link's pool.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { demoMesh } from "../demo/demo-topology";
import type { Services } from "../runtime/services";
import { ACTOR, testServices, writeMesh } from "../testing/fixtures";
import { createTestDatabase, type TestDatabase } from "../testing/test-database";
import { manualClock } from "../time/clock";
import { REPORT_MAX_AGE_MS } from "./pad-levels";

const LINK = "hub-sov--relay-north";

describe("link pools from the ends' pad reports", () => {
  let t: TestDatabase;
  let s: Services;
  const clock = manualClock("2026-12-07T10:00:00Z");
  const pool = async (id: string) => Number((await t.db.link.findUniqueOrThrow({ where: { id } })).poolBits);
  const capacity = async (id: string) => Number((await t.db.link.findUniqueOrThrow({ where: { id } })).poolCapacityBits);

  beforeAll(async () => {
    t = await createTestDatabase(inject("adminUrl"), "pad_pool");
    await writeMesh(t.db, demoMesh());
    s = testServices(t.db, t.url, { clock, simulation: { speed: 10 } });
  });
  afterAll(async () => t.dispose());

  it("sets every reported link's pool to what both ends reported: full devices, not the pool the model had", async () => {
    const seeded = await pool(LINK);
    const cap = await capacity(LINK);
    expect(seeded).toBeLessThan(cap); // the demo seeds pools part-filled
    await s.simulator.tickOnce();
    // A device pair's buffer is full when its link is put into service; nothing was used yet.
    expect(s.padLevels.poolBits(LINK, cap, clock())).toBe(cap);
    expect(await pool(LINK)).toBe(cap);
    const links = await t.db.link.findMany();
    expect(links.length).toBeGreaterThan(10);
    for (const l of links) {
      const r = s.padLevels.poolBits(l.id, Number(l.poolCapacityBits), clock());
      if (l.status !== "DOWN") expect([l.id, Number(l.poolBits)]).toEqual([l.id, r]);
    }
  });

  it("a relayed key takes its pad out of the pool at both ends of each hop", async () => {
    const before = await pool(LINK);
    const k = await s.keys.create({ label: "pool", purpose: "pad pool", policy: "standard", participants: ["ep-ministry", "ep-parliament"] }, ACTOR);
    const r = await s.distribution.distribute(k.id, ACTOR);
    expect(r.finalKey.state).toBe("ACTIVE");
    const keyBytes = r.finalKey.sizeBits / 8;
    expect(r.attempts.at(-1)!.routes.map((x) => x.linkPath[0])).toEqual([LINK, LINK]);
    // Both participants sit behind relay-north: two keys' worth of pad left the hub over this link, at both ends.
    const ends = s.padLevels.get(LINK).ends;
    const outward = ends.find((e) => e.nodeId === "hub-sov")!.end === "A" ? "A>B" : "B>A";
    expect(ends.filter((e) => e.direction === outward).map((e) => e.usedBytes)).toEqual([2 * keyBytes, 2 * keyBytes]);
    // A tick at the same instant (no time for the devices to refill): the pool is the reports', less those keys.
    const tick = await s.simulator.tickOnce();
    expect(tick.dtSimSeconds).toBe(0);
    expect(await pool(LINK)).toBe(before - 2 * keyBytes * 8);
    expect(await pool(LINK)).toBe(s.padLevels.poolBits(LINK, await capacity(LINK), clock()));
  });

  it("an end that stops reporting no longer vouches for its link's pool", async () => {
    s.agents.setFault("relay-north", { silent: true });
    clock.advance(REPORT_MAX_AGE_MS + 1_000);
    await s.simulator.tickOnce();
    expect(s.padLevels.poolBits(LINK, await capacity(LINK), clock())).toBeNull();
    expect(s.padLevels.poolBits("hub-sov--relay-east", await capacity("hub-sov--relay-east"), clock())).not.toBeNull();
    s.agents.setFault("relay-north", null);
  });
});
