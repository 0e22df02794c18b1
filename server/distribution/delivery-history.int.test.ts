/**
 * Deliveries per minute read from PostgreSQL: keys distributed to in-process
 * agents at known instants of a manual clock (one attempt failed by a wrong
 * receipt, then retried); the per-minute counts agree with the confirmed
 * receipts in key_participants and the failures in the audit chain, the
 * minute under way is apart, and trends.deliveries refuses a window out of
 * range with a 400 that says the limits.
 */
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { callerAs, createTestUsers, type TestUserName } from "../testing/auth-fixtures";
import { ACTOR, createNodes, servicesOf, testKeyService } from "../testing/fixtures";
import { createTestDatabase, type TestDatabase } from "../testing/test-database";
import type { SessionUser } from "../domain/access/session-user";
import type { KeyService } from "../keys/key-service";
import { manualClock } from "../time/clock";
import { deliveryHistory } from "./delivery-history";

describe("deliveryHistory on PostgreSQL", () => {
  let t: TestDatabase;
  let svc: KeyService;
  let users: Record<TestUserName, SessionUser>;
  const clock = manualClock("2026-06-01T10:00:30Z");
  beforeAll(async () => {
    t = await createTestDatabase(inject("adminUrl"), "deliveries");
    await createNodes(t.db);
    svc = testKeyService(t.db, { clock });
    users = await createTestUsers(t.db, svc, "dlv");
  });
  afterAll(async () => t?.dispose());

  const delivered = async (label: string) => {
    const k = await svc.create({ label, purpose: "deliveries test", policy: "standard", participants: ["node-a", "node-b"] }, ACTOR);
    const r = await servicesOf(svc).distribution.distribute(k.id, ACTOR);
    expect(r.finalKey.state).toBe("ACTIVE");
    return r;
  };

  it("counts confirmed receipts and failed deliveries in their minute, the minute under way apart", async () => {
    await delivered("k1"); // 10:00:30: two copies
    clock.set(new Date("2026-06-01T10:02:00.000Z"));
    servicesOf(svc).agents.setFault("node-b", { wrongConfirmation: true, times: 1 });
    await delivered("k2"); // 10:02:00: the first attempt fails (copies sent, node-b's receipt wrong), its retry delivers two
    clock.set(new Date("2026-06-01T10:03:59.999Z"));
    await delivered("k3"); // the last millisecond of 10:03
    clock.set(new Date("2026-06-01T10:04:10.000Z"));
    await delivered("k4"); // the minute under way

    const h = await deliveryHistory(t.db, clock, 5);
    expect(h.from.toISOString()).toBe("2026-06-01T09:59:00.000Z");
    expect(h.to.toISOString()).toBe("2026-06-01T10:04:00.000Z");
    expect(h.points.map((p) => [p.at.toISOString().slice(11, 16), p.counts.toAgents, p.counts.failed])).toEqual([
      ["09:59", 0, 0],
      ["10:00", 2, 0],
      ["10:01", 0, 0],
      ["10:02", 2, 1],
      ["10:03", 2, 0],
    ]);
    expect(h.thisMinute).toEqual({ toAgents: 2, failed: 0 });
    expect(h.totals).toEqual({ toAgents: 6, failed: 1 });

    // The same figures as the rows themselves: every confirmed receipt is one delivered copy.
    const confirmed = await t.db.keyParticipant.count({ where: { confirmedAt: { not: null } } });
    expect(h.totals.toAgents + h.thisMinute.toAgents).toBe(confirmed);
    const failures = await t.db.auditEntry.count({ where: { action: "KEY_DISTRIBUTION_FAILED", fromState: "DISTRIBUTED" } });
    expect(h.totals.failed).toBe(failures);

    // A shorter window leaves out what came before it.
    clock.set(new Date("2026-06-01T10:09:00.000Z"));
    const later = await deliveryHistory(t.db, clock, 5);
    expect(later.points.map((p) => p.counts.toAgents)).toEqual([2, 0, 0, 0, 0]); // 10:04 .. 10:08
    expect(later.thisMinute).toEqual({ toAgents: 0, failed: 0 });
  });

  it("trends.deliveries answers every role from viewer up, and a window out of range is a 400 that says the limits", async () => {
    const viewer = callerAs(t.db, svc, users.viewer);
    const h = await viewer.trends.deliveries({ minutes: 10 });
    expect(h.points).toHaveLength(10);
    expect((await viewer.trends.deliveries()).points).toHaveLength(60); // the default: the last hour
    const refused = async (minutes: number) => {
      const err = await viewer.trends.deliveries({ minutes }).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(TRPCError);
      expect((err as TRPCError).code).toBe("BAD_REQUEST");
      return (err as TRPCError).message;
    };
    expect(await refused(4)).toMatch(/minutes: at least 5 minutes/);
    expect(await refused(1441)).toMatch(/minutes: at most 1440 minutes/);
    expect(await refused(2.5)).toMatch(/minutes: minutes must be a whole number/);
  });
});
