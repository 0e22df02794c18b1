/**
 * The hub's pool figures come from what the link ends report (issue 18), on a
 * real PostgreSQL with the demo mesh and in-process agents, on a manual clock:
 * after a simulator tick every link whose two ends reported has the pool they
 * reported (its devices' bytes less what was used or reserved), not the
 * simulation's model (which runs 10× faster here, so the two differ); a key
 * relayed over a link takes its bytes out of that pool at both ends; an end
 * that stops reporting no longer vouches for its link's pool.
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

  it("sets every reported link's pool to what both ends reported, starting from the pool the hub knew", async () => {
    const seeded = await pool(LINK);
    await s.simulator.tickOnce();
    const cap = await capacity(LINK);
    const reported = s.padLevels.poolBits(LINK, cap, clock());
    expect(reported).not.toBeNull();
    // Both ends' devices start from the link's pool as the hub knew it (whole bytes), and nothing was used yet.
    expect(reported).toBe(Math.floor(seeded / 8) * 8);
    expect(await pool(LINK)).toBe(reported);
    const links = await t.db.link.findMany();
    for (const l of links) {
      const r = s.padLevels.poolBits(l.id, Number(l.poolCapacityBits), clock());
      if (l.status !== "DOWN") expect([l.id, Number(l.poolBits)]).toEqual([l.id, r]);
    }
  });

  it("a relayed key takes its pad out of each hop's pool; refills follow the devices' rate, not the model's", async () => {
    const before = await pool(LINK);
    const rateBps = (await t.db.link.findUniqueOrThrow({ where: { id: LINK } })).secretKeyRateBps;
    const k = await s.keys.create({ label: "pool", purpose: "pad pool", policy: "standard", participants: ["ep-ministry", "ep-parliament"] }, ACTOR);
    const r = await s.distribution.distribute(k.id, ACTOR);
    expect(r.finalKey.state).toBe("ACTIVE");
    const keyBytes = r.finalKey.sizeBits / 8;
    expect(r.attempts.at(-1)!.routes.map((x) => x.linkPath[0])).toEqual([LINK, LINK]);
    // Both participants sit behind relay-north: two keys' worth of pad left the hub over this link, at both ends.
    const ends = s.padLevels.get(LINK).ends;
    const outward = ends.find((e) => e.nodeId === "hub-sov")!.end === "A" ? "A>B" : "B>A";
    expect(ends.filter((e) => e.direction === outward).map((e) => e.usedBytes)).toEqual([2 * keyBytes, 2 * keyBytes]);
    clock.advance(1_000);
    const tick = await s.simulator.tickOnce();
    expect(tick.dtSimSeconds).toBeCloseTo(10, 5);
    const after = await pool(LINK);
    expect(after).toBe(s.padLevels.poolBits(LINK, await capacity(LINK), clock()));
    // 1 s of the device's production at the link's rate (the model would have added 10 s of it).
    const expected = before - 2 * keyBytes * 8 + rateBps;
    expect(Math.abs(after - expected)).toBeLessThanOrEqual(16);
    expect(after).toBeLessThan(before - 2 * keyBytes * 8 + 5 * rateBps);
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
