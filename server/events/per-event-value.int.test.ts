/**
 * The approvals badge under many subscriptions, through the real router stack
 * (createCaller, as each browser tab's SSE subscription does): on an approvals
 * event the open requests are read once for the whole process, not once per
 * subscriber, and every subscriber still gets its own counts from that one
 * read (an officer is awaited, the requester is not).
 */
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { createCaller } from "../api/root";
import { createContextInner } from "../api/trpc";
import type { SessionUser } from "../domain/access/session-user";
import type { Services } from "../runtime/services";
import { createTestUsers, type TestUserName } from "../testing/auth-fixtures";
import { ACTOR, createNodes, testServices } from "../testing/fixtures";
import { createTestDatabase, type TestDatabase } from "../testing/test-database";

type Counts = { pending: number; awaitingYou: number };

interface Badge {
  user: SessionUser;
  seen: Counts[];
  close(): Promise<void>;
}

/** Opens approvals.onPendingCount as `user`, collecting every value it yields until closed. */
async function openBadge(s: Services, user: SessionUser): Promise<Badge> {
  const ac = new AbortController();
  const caller = createCaller(createContextInner(s, user), { signal: ac.signal });
  const it = (await caller.approvals.onPendingCount())[Symbol.asyncIterator]();
  const seen: Counts[] = [];
  const first = await it.next(); // the counts now: the subscription is parked on the bus from here
  if (!first.done) seen.push(first.value);
  const reading = (async () => {
    for (let r = await it.next(); !r.done; r = await it.next()) seen.push(r.value);
  })();
  return {
    user,
    seen,
    close: async () => {
      ac.abort();
      await it.return?.(undefined);
      await reading.catch(() => undefined);
    },
  };
}

describe("approvals badge fan-out", () => {
  let t: TestDatabase;
  let s: Services;
  let users: Record<TestUserName, SessionUser>;

  beforeAll(async () => {
    t = await createTestDatabase(inject("adminUrl"), "pending_fanout");
    await createNodes(t.db);
    s = testServices(t.db, t.url);
    users = await createTestUsers(t.db, s.keys, "pf");
    await s.events.start();
  });
  afterAll(async () => {
    await s.events.stop();
    await t.dispose();
  });

  it("reads the open requests once per approvals event for 60 subscribers, each getting its own counts", async () => {
    const k = await s.keys.create({ label: "pf-key", purpose: "badge fan-out", policy: "standard", participants: ["node-a", "node-b"] }, ACTOR);
    const active = (await s.keys.distributor!.distribute(k.id, ACTOR)).finalKey;
    const approvals = s.approvals;
    const reads = vi.spyOn(approvals, "openRequests");
    const badges = await Promise.all(Array.from({ length: 60 }, (_, i) => openBadge(s, i % 2 === 0 ? users.officer : users.analyst)));
    for (const b of badges) expect(b.seen).toEqual([{ pending: 0, awaitingYou: 0 }]);
    let approvalsEvents = 0;
    const off = s.events.subscribe(["approvals"], () => approvalsEvents++);
    reads.mockClear();

    const caller = createCaller(createContextInner(s, users.analyst));
    await caller.approvals.request({ kind: "EMERGENCY_ROTATION", targetId: active.id, justification: "QBER alarm on the link to node-b" });
    const deadline = performance.now() + 5_000;
    while (performance.now() < deadline && badges.some((b) => b.seen.length < 2)) await new Promise((r) => setTimeout(r, 20));

    // Officers decide emergency rotations; the analyst who asked is not awaited.
    for (const b of badges) expect(b.seen.at(-1)).toEqual({ pending: 1, awaitingYou: b.user.role === "officer" ? 1 : 0 });
    expect(approvalsEvents).toBeGreaterThanOrEqual(1);
    // One read per event for everyone: without the sharing this is one per subscriber per event (60 and more).
    expect(reads).toHaveBeenCalledTimes(approvalsEvents);
    off();
    await Promise.all(badges.map((b) => b.close()));
    expect(s.events.subscriberCount).toBe(0);
    reads.mockRestore();
  });
});
