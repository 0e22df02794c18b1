/**
 * PostgreSQL LISTEN/NOTIFY fanned out to the subscribers of this process.
 * Every server instance on the database LISTENs on one dedicated connection, so
 * whichever instance committed a change, all of them push it to their browsers.
 * The connection is re-established with backoff when it drops; subscribers are
 * told (a "resync" event) so they refetch whatever they may have missed.
 */
import { EventEmitter } from "node:events";
import pg from "pg";
import { decodeEvent, encodeEvent, EVENT_CHANNEL, type ConsoleEvent, type EventTopic } from "./console-events";

export type EventListener = (e: ConsoleEvent) => void;

export class EventBus {
  private readonly emitter = new EventEmitter();
  private client: pg.Client | null = null;
  private connecting: Promise<void> | null = null;
  private stopped = false;
  private retryMs = 250;
  private retryTimer: NodeJS.Timeout | null = null;
  /** Whether the LISTEN connection is up (shown in the console, probed by readiness). */
  connected = false;

  constructor(private readonly connectionString: string) {
    this.emitter.setMaxListeners(0);
  }

  /** Starts listening (idempotent); resolves once LISTEN is in place. */
  start(): Promise<void> {
    this.stopped = false;
    this.connecting ??= this.connect().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.connectionString });
    client.on("notification", (msg) => {
      if (msg.channel !== EVENT_CHANNEL || !msg.payload) return;
      const e = decodeEvent(msg.payload);
      if (e) this.emitter.emit("event", e);
    });
    client.on("error", () => this.lost(client));
    client.on("end", () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${EVENT_CHANNEL}`);
    } catch {
      this.lost(client);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    const wasReconnect = this.retryMs > 250;
    this.client = client;
    this.connected = true;
    this.retryMs = 250;
    // Anything committed while we were away was not heard: ask everyone to refetch.
    if (wasReconnect) this.emitter.emit("event", { topics: ["audit", "keys", "mesh", "approvals"], truncated: true } satisfies ConsoleEvent);
  }

  private lost(client: pg.Client): void {
    if (this.client === client) this.client = null;
    this.connected = false;
    client.removeAllListeners("notification");
    client.end().catch(() => undefined);
    if (this.stopped || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.start();
    }, this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, 5_000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const c = this.client;
    this.client = null;
    this.connected = false;
    await c?.end().catch(() => undefined);
  }

  /** Calls `listener` for every event touching one of `topics` until the returned function is called. */
  subscribe(topics: readonly EventTopic[], listener: EventListener): () => void {
    const wanted = new Set(topics);
    const handler = (e: ConsoleEvent) => {
      if (e.topics.some((t) => wanted.has(t))) listener(e);
    };
    this.emitter.on("event", handler);
    return () => this.emitter.off("event", handler);
  }

  /**
   * The events for `topics` as an async iterable that ends when `signal` aborts
   * (a tRPC subscription). Events arriving faster than the consumer reads are
   * queued up to a bound, then coalesced into one resync event.
   */
  async *stream(topics: readonly EventTopic[], signal: AbortSignal | undefined): AsyncGenerator<ConsoleEvent> {
    const queue: ConsoleEvent[] = [];
    let wake: (() => void) | null = null;
    const unsubscribe = this.subscribe(topics, (e) => {
      if (queue.length >= 256) queue.splice(0, queue.length, { topics: [...topics], truncated: true });
      else queue.push(e);
      wake?.();
    });
    const onAbort = () => wake?.();
    signal?.addEventListener("abort", onAbort);
    try {
      while (!signal?.aborted) {
        const next = queue.shift();
        if (next) {
          yield next;
          continue;
        }
        await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
      }
    } finally {
      unsubscribe();
      signal?.removeEventListener("abort", onAbort);
    }
  }
}

/** Sends an event from outside a runner batch (e.g. a simulation tick), optionally inside the caller's transaction. */
export async function notify(client: pg.ClientBase | pg.Pool, e: ConsoleEvent): Promise<void> {
  await client.query("SELECT pg_notify($1, $2)", [EVENT_CHANNEL, encodeEvent(e)]);
}
