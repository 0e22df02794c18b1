/**
 * events.stream written out as the bus's shared server-sent-events frames
 * (the route handler's path), on a real PostgreSQL: through the real router
 * stack (createCaller, as the route handler calls it) the procedure hands back
 * the bus's source; its response speaks tRPC's SSE protocol (a `connected`
 * frame, then each event as superjson data, as httpSubscriptionLink reads
 * them), delivers each committed event to each of 50 streams exactly once,
 * replaces what a reader that stopped reading missed by one resync, and
 * leaves nothing subscribed once the browser goes away.
 */
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createCaller } from "../api/root";
import { createContextInner, SSE_OPTIONS } from "../api/trpc";
import type { SessionUser } from "../domain/access/session-user";
import { poolOf } from "../db/client";
import type { Services } from "../runtime/services";
import { createTestUsers } from "../testing/auth-fixtures";
import { createNodes, testServices } from "../testing/fixtures";
import { createTestDatabase, type TestDatabase } from "../testing/test-database";
import { decodeEvent, type ConsoleEvent } from "../domain/events/console-events";
import { notify } from "./event-bus";
import { isEventStreamSource, type EventStreamSource } from "./event-stream";

interface Frame {
  event: string;
  data: string;
}

/** A browser reading one stream: frames parsed as an EventSource does. */
class Reader {
  readonly frames: Frame[] = [];
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private buf = "";
  private readonly decoder = new TextDecoder();

  constructor(res: Response) {
    this.reader = res.body!.getReader();
  }

  /** Reads until `n` frames have arrived (or the stream ends). */
  async until(n: number): Promise<Frame[]> {
    while (this.frames.length < n) {
      const r = await this.reader.read();
      if (r.done) break;
      this.buf += this.decoder.decode(r.value, { stream: true });
      for (let end = this.buf.indexOf("\n\n"); end >= 0; end = this.buf.indexOf("\n\n")) {
        const lines = this.buf.slice(0, end).split("\n");
        this.buf = this.buf.slice(end + 2);
        const event = lines.find((l) => l.startsWith("event: "))?.slice(7) ?? "message";
        this.frames.push({ event, data: lines.filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n") });
      }
    }
    return this.frames;
  }

  cancel(): Promise<void> {
    return this.reader.cancel();
  }
}

/** The event a data frame carries, read as the browser does (superjson, then decodeEvent). */
const eventOf = (f: Frame): ConsoleEvent | null => decodeEvent(superjson.deserialize<string>(JSON.parse(f.data)));

describe("event stream responses", () => {
  let t: TestDatabase;
  let s: Services;
  let viewer: SessionUser;
  const opts = { pingMs: SSE_OPTIONS.ping.intervalMs, client: SSE_OPTIONS.client };

  async function open(ac = new AbortController()) {
    const source = await createCaller(createContextInner(s, viewer), { signal: ac.signal }).events.stream({ topics: ["mesh"] });
    expect(isEventStreamSource(source)).toBe(true);
    const res = (source as EventStreamSource).response(opts);
    return { res, ac, reader: new Reader(res) };
  }

  async function send(n: number, from = 0): Promise<void> {
    const client = await poolOf(t.db).connect();
    try {
      for (let i = from; i < from + n; i++) await notify(client, { topics: ["mesh"], events: [{ topic: "mesh", type: "burst", data: { i } }] });
    } finally {
      client.release();
    }
  }

  beforeAll(async () => {
    t = await createTestDatabase(inject("adminUrl"), "event_stream");
    await createNodes(t.db);
    s = testServices(t.db, t.url);
    viewer = (await createTestUsers(t.db, s.keys, "es")).viewer;
    await s.events.start();
  });
  afterAll(async () => {
    await s.events.stop();
    await t.dispose();
  });

  it("speaks tRPC's protocol and delivers each event to each of 50 streams exactly once", async () => {
    const streams = await Promise.all(Array.from({ length: 50 }, () => open()));
    expect(s.events.subscriberCount).toBe(50);
    for (const x of streams) {
      expect(x.res.headers.get("content-type")).toBe("text/event-stream");
      expect(x.res.headers.get("cache-control")).toContain("no-transform");
    }
    await send(5);
    for (const x of streams) {
      const frames = await x.reader.until(6);
      expect(frames[0]).toEqual({ event: "connected", data: JSON.stringify(SSE_OPTIONS.client) });
      const data = frames.slice(1);
      expect(data.every((f) => f.event === "message")).toBe(true);
      // The bytes tRPC's own producer would send for the same value: JSON of the superjson-serialized text.
      expect(data[0]!.data).toBe(JSON.stringify(superjson.serialize(JSON.stringify(eventOf(data[0]!)))));
      expect(data.map((f) => eventOf(f)?.events?.[0]?.data?.i)).toEqual([0, 1, 2, 3, 4]);
    }
    await new Promise((r) => setTimeout(r, 200)); // a duplicate would be right behind
    for (const x of streams) expect(x.reader.frames).toHaveLength(6);
    // The browser goes away (the request aborts, or the body is cancelled): nothing stays subscribed.
    await Promise.all(streams.map((x, i) => (i % 2 === 0 ? x.ac.abort() : x.reader.cancel())));
    expect(s.events.subscriberCount).toBe(0);
    for (const x of streams.filter((_, i) => i % 2 === 0)) expect(await x.reader.until(Infinity)).toHaveLength(6); // ended
  });

  it("a stream whose reader fell behind gets one resync in place of what it missed, then events again", async () => {
    const slow = await open();
    await slow.reader.until(1); // connected, then nothing read while 300 events arrive
    await send(300);
    await new Promise((r) => setTimeout(r, 300));
    const frames = (await slow.reader.until(258)).slice(1);
    expect(frames).toHaveLength(257);
    expect(frames.slice(0, 256).map((f) => eventOf(f)?.events?.[0]?.data?.i)).toEqual(Array.from({ length: 256 }, (_, i) => i));
    expect(eventOf(frames[256]!)).toEqual({ topics: ["mesh"], truncated: true });
    await send(1, 1_000);
    const next = (await slow.reader.until(259))[258]!;
    expect(eventOf(next)?.events?.[0]?.data?.i).toBe(1_000);
    slow.ac.abort();
    expect(s.events.subscriberCount).toBe(0);
  });
});
