/**
 * Key states over time read from PostgreSQL: keys created, distributed and
 * activated at known instants on a manual clock; the history rebuilt from the
 * audit chain shows each state's count at each step, and today's counts last.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { manualClock } from "../time/clock";
import { ACTOR, createNodes, testKeyService } from "../testing/fixtures";
import { createTestDatabase, type TestDatabase } from "../testing/test-database";
import type { KeyService } from "./key-service";
import { keyStateHistory } from "./state-history";

describe("keyStateHistory on PostgreSQL", () => {
  let t: TestDatabase;
  let svc: KeyService;
  const clock = manualClock("2026-06-01T10:00:00Z");
  beforeAll(async () => {
    t = await createTestDatabase(inject("adminUrl"), "statehist");
    await createNodes(t.db);
    svc = testKeyService(t.db, { clock });
  });
  afterAll(async () => t.dispose());

  const create = (label: string) => svc.create({ label, purpose: "test", policy: "standard", participants: ["node-a", "node-b"] }, ACTOR);

  it("rebuilds the counts per state at each step from the audited changes", async () => {
    // 10:00 a key made before the window; 10:30 window start (1 h ending 11:30).
    const early = await create("early");
    clock.advance(40 * 60_000); // 10:40
    await svc.apply(early.id, { type: "DISTRIBUTE" }, ACTOR);
    await svc.collectReceipts(early.id, ACTOR); // ACTIVE at 10:40
    clock.advance(20 * 60_000); // 11:00
    await create("late"); // GENERATED at 11:00
    clock.advance(30 * 60_000); // 11:30 = now

    const h = await keyStateHistory(t.db, clock, 1, 6); // points every 10 min from 10:30
    expect(h.complete).toBe(true);
    expect(h.to.toISOString()).toBe("2026-06-01T11:30:00.000Z");
    expect(h.from.toISOString()).toBe("2026-06-01T10:30:00.000Z");
    expect(h.points).toHaveLength(7);
    const at = (hhmm: string) => h.points.find((p) => p.at.toISOString() === `2026-06-01T${hhmm}:00.000Z`)!.counts;
    expect(at("10:30")).toMatchObject({ GENERATED: 1, DISTRIBUTED: 0, ACTIVE: 0 });
    expect(at("10:40")).toMatchObject({ GENERATED: 0, ACTIVE: 1 });
    expect(at("10:50")).toMatchObject({ GENERATED: 0, ACTIVE: 1 });
    expect(at("11:00")).toMatchObject({ GENERATED: 1, ACTIVE: 1 });
    expect(at("11:30")).toMatchObject({ GENERATED: 1, ACTIVE: 1 });
    // The last point is what the keys table says now.
    const now = await t.db.key.groupBy({ by: ["state"], _count: { _all: true } });
    for (const g of now) expect(h.points[6]!.counts[g.state]).toBe(g._count._all);
  });

  it("with nothing in the window, draws today's counts flat", async () => {
    clock.advance(5 * 3_600_000);
    const h = await keyStateHistory(t.db, clock, 2, 4);
    expect(h.points).toHaveLength(5);
    for (const p of h.points) expect(p.counts).toEqual(h.points[4]!.counts);
    expect(h.points[0]!.counts.ACTIVE).toBe(1);
  });
});
