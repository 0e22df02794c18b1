/**
 * LISTEN/NOTIFY on a real PostgreSQL: a committed batch reaches every bus on the
 * database (as it would reach every server instance), a rolled-back one reaches
 * none, and a bus that lost its connection comes back and asks for a resync.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { poolOf } from "../db/client";
import { createNodes, testKeyService, ACTOR } from "../testing/fixtures";
import { createTestDatabase, type TestDatabase } from "../testing/test-database";
import type { ConsoleEvent } from "../domain/events/console-events";
import { encodeEvent } from "../domain/events/console-events";
import { EventBus, notify } from "./event-bus";

function nextEvent(bus: EventBus, topics: Parameters<EventBus["subscribe"]>[0], match: (e: ConsoleEvent) => boolean, ms = 5_000) {
  return new Promise<ConsoleEvent>((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error("no matching event"));
    }, ms);
    const off = bus.subscribe(topics, (e) => {
      if (!match(e)) return;
      clearTimeout(timer);
      off();
      resolve(e);
    });
  });
}

describe("event bus", () => {
  let t: TestDatabase;
  let a: EventBus;
  let b: EventBus;

  beforeAll(async () => {
    t = await createTestDatabase(inject("adminUrl"), "events");
    await createNodes(t.db);
    a = new EventBus(t.url);
    b = new EventBus(t.url);
    await Promise.all([a.start(), b.start()]);
  });
  afterAll(async () => {
    await Promise.all([a.stop(), b.stop()]);
    await t.dispose();
  });

  it("delivers a committed batch to every listening instance, with its key ids and head", async () => {
    const keys = testKeyService(t.db);
    const seenA = nextEvent(a, ["keys"], (e) => (e.keyIds?.length ?? 0) > 0);
    const seenB = nextEvent(b, ["audit"], (e) => (e.keyIds?.length ?? 0) > 0);
    const k = await keys.create({ label: "bus", purpose: "p", policy: "standard", participants: ["hub-1", "node-a"] }, ACTOR);
    const [ea, eb] = await Promise.all([seenA, seenB]);
    const head = await t.db.auditHead.findUniqueOrThrow({ where: { id: 1 } });
    for (const e of [ea, eb]) {
      expect(e.keyIds).toContain(k.id);
      expect(e.topics).toEqual(expect.arrayContaining(["audit", "keys"]));
      expect(e.seq).toBe(head.seq.toString());
    }
  });

  it("carries the events a job published, and nothing for a rolled-back transaction", async () => {
    const keys = testKeyService(t.db);
    const got: ConsoleEvent[] = [];
    const off = a.subscribe(["mesh", "routes"], (e) => got.push(e));
    const client = await poolOf(t.db).connect();
    try {
      await client.query("BEGIN");
      await notify(client, { topics: ["mesh"], events: [{ topic: "mesh", type: "rolled-back" }] });
      await client.query("ROLLBACK");
    } finally {
      client.release();
    }
    const published = nextEvent(a, ["routes"], (e) => e.events?.some((x) => x.type === "key-routed") ?? false);
    await keys.runner.submit({
      keyIds: [],
      run: (ws) => {
        ws.audit({ actor: "test", action: "TEST_EVENT", subjectType: "test", subjectId: "x", fromState: null, toState: null, details: {} });
        ws.publish({ topic: "routes", type: "key-routed", data: { linkIds: ["l1", "l2"] } });
      },
    });
    const e = await published;
    expect(e.events?.[0]?.data?.linkIds).toEqual(["l1", "l2"]);
    off();
    expect(got.some((x) => x.events?.some((y) => y.type === "rolled-back"))).toBe(false);
  });

  it("reconnects after its connection is killed and asks subscribers to resync", async () => {
    const resync = nextEvent(a, ["keys"], (e) => e.truncated === true && !e.seq, 10_000);
    await poolOf(t.db).query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()",
    );
    await resync;
    expect(a.connected).toBe(true);
    const after = nextEvent(a, ["mesh"], (e) => e.events?.[0]?.type === "after-reconnect");
    await notify(poolOf(t.db), { topics: ["mesh"], events: [{ topic: "mesh", type: "after-reconnect" }] });
    await after;
  });

  it("keeps payloads under PostgreSQL's NOTIFY limit by dropping details, never topics", () => {
    const keyIds = Array.from({ length: 400 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`);
    const text = encodeEvent({ topics: ["audit", "keys"], seq: "9", keyIds });
    expect(text.length).toBeLessThan(8000);
    const parsed = JSON.parse(text) as ConsoleEvent;
    expect(parsed.topics).toEqual(["audit", "keys"]);
    expect(parsed.truncated).toBe(true);
    expect(parsed.keyIds).toBeUndefined();
  });

  it("streams events to a subscription until its signal aborts", async () => {
    const ac = new AbortController();
    const it = a.stream(["mesh"], ac.signal);
    const first = it.next();
    await notify(poolOf(t.db), { topics: ["mesh"], events: [{ topic: "mesh", type: "streamed" }] });
    expect((await first).value?.events?.[0]?.type).toBe("streamed");
    const second = it.next();
    ac.abort();
    expect((await second).done).toBe(true);
  });
});
