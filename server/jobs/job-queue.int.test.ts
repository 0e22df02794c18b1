/**
 * The durable job queue (pg-boss 10) on a per-test database: two instances on
 * one database run each job once, the same fact sent by both is queued once, a
 * job scheduled before a stop runs on an instance started afterwards, and the
 * rotation jobs drive a rotation to its end through the queue.
 */
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { ACTOR, createNodes, testServices } from "../testing/fixtures";
import { createTestDatabase, type TestDatabase } from "../testing/test-database";
import { defineRotationJobs } from "../rotation/rotation-jobs";
import { RotationTriggers } from "../rotation/rotation-triggers";
import { JobQueue, jobIdFor } from "./job-queue";

describe("durable job queue (pg-boss)", () => {
  let t: TestDatabase;
  const queues: JobQueue[] = [];
  const queue = () => {
    const q = new JobQueue(t.url, { pollingIntervalSeconds: 0.5 });
    queues.push(q);
    return q;
  };

  beforeAll(async () => {
    t = await createTestDatabase(inject("adminUrl"), "jobs");
  });
  afterAll(async () => {
    for (const q of queues) await q.stop();
    await t.dispose();
  });

  it("derives the same job id from the same fact, and different ids from different facts", () => {
    expect(jobIdFor("qber:l1:7")).toBe(jobIdFor("qber:l1:7"));
    expect(jobIdFor("qber:l1:7")).not.toBe(jobIdFor("qber:l1:8"));
    expect(jobIdFor("x")).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("two instances on one database run each job exactly once; the same fact sent twice is queued once", async () => {
    const ran: Array<{ instance: number; n: number }> = [];
    const [q1, q2] = [queue(), queue()];
    for (const [i, q] of [q1, q2].entries()) {
      await q.define<{ n: number }>({ name: "test-once", batchSize: 3, handler: async (jobs) => {
        for (const j of jobs) ran.push({ instance: i, n: j.n });
      } });
      await q.start();
    }
    const first = await Promise.all(Array.from({ length: 30 }, (_, n) => q1.send("test-once", { n }, { dedupeKey: `fact-${n}` })));
    const again = await Promise.all(Array.from({ length: 30 }, (_, n) => q2.send("test-once", { n }, { dedupeKey: `fact-${n}` })));
    expect(first.every((id) => id !== null)).toBe(true);
    expect(again.every((id) => id === null)).toBe(true);
    await vi.waitFor(() => expect(ran).toHaveLength(30), { timeout: 20_000, interval: 100 });
    await new Promise((r) => setTimeout(r, 1_500)); // a double run would show up within a few polls
    expect(ran.map((r) => r.n).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, n) => n));
    await q1.stop();
    await q2.stop();
  });

  it("a job scheduled before the instance stopped runs on an instance started afterwards", async () => {
    const before = queue();
    await before.define({ name: "test-later", handler: async () => {
      throw new Error("the stopped instance must not run it");
    } });
    await before.start();
    const id = await before.send("test-later", { what: "after restart" }, { startAfter: new Date(Date.now() + 1_500) });
    expect(id).not.toBeNull();
    await before.stop();

    const seen: unknown[] = [];
    const after = queue();
    await after.define<{ what: string }>({ name: "test-later", handler: async (jobs) => {
      seen.push(...jobs);
    } });
    await after.start();
    await vi.waitFor(() => expect(seen).toEqual([{ what: "after restart" }]), { timeout: 20_000, interval: 100 });
    await after.stop();
  });

  it("a delayed job waits its delay on this server's clock, even when that clock runs a year ahead of the database's", async () => {
    const ahead = () => new Date(Date.now() + 400 * 24 * 3_600_000);
    const q = new JobQueue(t.url, { pollingIntervalSeconds: 0.5, clock: ahead });
    queues.push(q);
    const ran: number[] = [];
    await q.define<{ n: number }>({ name: "test-skew", handler: async (jobs) => {
      ran.push(...jobs.map((j) => j.n));
    } });
    await q.start();
    const sentAt = Date.now();
    expect(await q.send("test-skew", { n: 1 }, { startAfter: new Date(ahead().getTime() + 1_500) })).not.toBeNull();
    // Sent as an absolute time, pg-boss would hold it until the database's clock reached it: 400 days.
    await vi.waitFor(() => expect(ran).toEqual([1]), { timeout: 20_000, interval: 100 });
    // And it did wait (delays go in whole seconds, rounded up).
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(1_000);
  });

  it("rotation through the queue: the drive job distributes the replacement and the rotation completes", async () => {
    await createNodes(t.db, ["hub-1", "node-a", "node-b"]);
    const q = queue();
    const s = testServices(t.db, t.url, { receiptTimeoutMs: 300, jobs: q });
    const rot = s.rotation;
    await defineRotationJobs(q, rot, new RotationTriggers(rot));
    await q.start();
    const k = await s.keys.create({ label: "queued", purpose: "test", policy: "short-lived", participants: ["node-a", "node-b"] }, ACTOR);
    await s.distribution.distribute(k.id, ACTOR);
    const v = await rot.request(k.id, "through the queue", ACTOR);
    expect(v.state).toBe("ROTATING");
    await vi.waitFor(async () => expect((await t.db.key.findUniqueOrThrow({ where: { id: k.id } })).state).toBe("RETIRED"), { timeout: 20_000, interval: 100 });
    const [succ] = await t.db.key.findMany({ where: { predecessorId: k.id } });
    expect(succ!.state).toBe("ACTIVE");
    // Retention destruction is queued for when it ends (7 days for short-lived).
    expect(await q.pending("key-destroy")).toBe(1);
    await q.stop();
  });
});
