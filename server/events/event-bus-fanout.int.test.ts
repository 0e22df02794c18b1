/**
 * The event bus under many subscriptions, through the real router stack
 * (createCaller, as each browser tab's SSE subscription does): one LISTEN
 * connection per process whatever the number of subscriptions opened and
 * closed, each committed event delivered to each subscriber exactly once, and
 * nothing left behind by a subscriber that went away.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createCaller } from "../api/root";
import { poolOf } from "../db/client";
import { createContextInner } from "../api/trpc";
import type { SessionUser } from "../domain/access/session-user";
import { createNodes, testServices } from "../testing/fixtures";
import { createTestUsers } from "../testing/auth-fixtures";
import { createTestDatabase, type TestDatabase } from "../testing/test-database";
import type { Services } from "../runtime/services";
import { decodeEvent, type ConsoleEvent } from "../domain/events/console-events";
import { notify } from "./event-bus";

/** The shared pool's size (createPrismaClient's default, which testServices uses). */
const POOL_MAX = 20;

interface OpenStream {
  close(): Promise<void>;
  received: ConsoleEvent[];
}

/** Opens events.stream as a signed-in viewer, reading every event into `received` until closed. */
async function openStream(s: Services, user: SessionUser): Promise<OpenStream> {
  const ac = new AbortController();
  const caller = createCaller(createContextInner(s, user), { signal: ac.signal });
  const iterable = await caller.events.stream({ topics: ["mesh"] });
  const it = iterable[Symbol.asyncIterator]();
  const received: ConsoleEvent[] = [];
  let started!: () => void;
  const ready = new Promise<void>((r) => (started = r));
  const reading = (async () => {
    // The generator runs (and calls events.start()) on the first next(): wait for it to be parked.
    const first = it.next();
    started();
    for (let r = await first; !r.done; r = await it.next()) {
      const e = decodeEvent(r.value);
      if (e) received.push(e);
    }
  })();
  await ready;
  // Let the subscription reach events.start() and subscribe.
  await new Promise((r) => setImmediate(r));
  return {
    received,
    close: async () => {
      ac.abort();
      await it.return?.(undefined);
      await reading.catch(() => undefined);
    },
  };
}

describe("event bus fan-out", () => {
  let t: TestDatabase;
  let s: Services;
  let viewer: SessionUser;
  let probe: pg.Client;

  /** Connections of this process to the test database (only this test file uses it), the probe's own excluded. */
  const connections = async () => {
    const { rows } = await probe.query<{ total: number; listening: number }>(
      `SELECT count(*)::int AS total, count(*) FILTER (WHERE query ILIKE 'LISTEN%')::int AS listening
       FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    );
    return rows[0]!;
  };

  beforeAll(async () => {
    t = await createTestDatabase(inject("adminUrl"), "events_fanout");
    await createNodes(t.db);
    s = testServices(t.db, t.url);
    viewer = (await createTestUsers(t.db, s.keys)).viewer;
    probe = new pg.Client({ connectionString: t.url });
    await probe.connect();
    await s.events.start();
  });
  afterAll(async () => {
    await s.events.stop();
    await probe.end();
    await t.dispose();
  });

  it("keeps one LISTEN connection while 1,000 subscriptions open and close", async () => {
    // Warm up: one subscription, so every lazily opened connection exists before counting.
    await (await openStream(s, viewer)).close();
    const before = await connections();
    expect(before.listening).toBe(1);
    // The shared pool may open or retire a connection for the reads a new stream makes (up to its max of
    // 20); what must not grow with subscriptions is the LISTEN connection, and nothing beyond the pool.
    const bound = POOL_MAX + 1;
    for (let batch = 0; batch < 20; batch++) {
      const open = await Promise.all(Array.from({ length: 50 }, () => openStream(s, viewer)));
      try {
        expect(s.events.subscriberCount).toBe(50);
        // Checked after every batch, so the old leak (a LISTEN client per subscription) stops the test after 50.
        const now = await connections();
        expect(now.listening, `LISTEN connections after ${(batch + 1) * 50} subscriptions`).toBe(1);
        expect(now.total, `connections after ${(batch + 1) * 50} subscriptions`).toBeLessThanOrEqual(bound);
      } finally {
        await Promise.all(open.map((o) => o.close()));
      }
      expect(s.events.subscriberCount).toBe(0);
    }
    const after = await connections();
    expect(after.listening).toBe(1);
    expect(after.total).toBeLessThanOrEqual(bound);
    expect(s.events.connectionsOpened).toBe(1);
  });

  it("delivers every event of a burst to every subscriber exactly once, in commit order", async () => {
    const subscribers = await Promise.all(Array.from({ length: 25 }, () => openStream(s, viewer)));
    const BURST = 40;
    const client = await poolOf(t.db).connect();
    try {
      for (let i = 0; i < BURST; i++) {
        await client.query("BEGIN");
        await notify(client, { topics: ["mesh"], events: [{ topic: "mesh", type: "burst", data: { i } }] });
        // Every fifth is rolled back: it must reach nobody.
        await client.query(i % 5 === 4 ? "ROLLBACK" : "COMMIT");
      }
    } finally {
      client.release();
    }
    const committed = Array.from({ length: BURST }, (_, i) => i).filter((i) => i % 5 !== 4);
    const burstOf = (o: OpenStream) => o.received.flatMap((e) => e.events ?? []).filter((x) => x.type === "burst").map((x) => x.data?.i);
    const deadline = performance.now() + 5_000;
    while (performance.now() < deadline && subscribers.some((o) => burstOf(o).length < committed.length)) await new Promise((r) => setTimeout(r, 20));
    // Duplicates, if any, would arrive right behind the originals.
    await new Promise((r) => setTimeout(r, 300));
    try {
      for (const o of subscribers) expect(burstOf(o)).toEqual(committed);
    } finally {
      await Promise.all(subscribers.map((o) => o.close()));
    }
    expect(s.events.subscriberCount).toBe(0);
  });
});
