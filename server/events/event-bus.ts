/**
 * PostgreSQL LISTEN/NOTIFY fanned out to the subscribers of this process.
 * Every server instance on the database LISTENs on exactly one dedicated
 * connection, whatever the number of subscriptions, page reloads and
 * reconnects: `start()` is idempotent in every state (connecting, connected,
 * waiting to reconnect), and a connection is only ever replaced after the old
 * one is gone. Each notification is emitted once to the subscribers of this
 * process, so each committed event reaches each subscriber exactly once; an
 * unsubscribed listener is dropped at once and leaves nothing behind.
 * The connection is re-established with exponential backoff and full jitter
 * when it drops (many instances restarted together do not reconnect in step);
 * subscribers are then told (a "resync" event) to refetch what they may have missed.
 */
import { EventEmitter } from "node:events";
import pg from "pg";
import { decodeEvent, encodeEvent, EVENT_CHANNEL, type ConsoleEvent, type EventTopic } from "../domain/events/console-events";
import { EventStreamSource } from "./event-stream";
import { PerEventValue } from "./per-event-value";
import { sseDataFrame } from "./sse-frames";
import { reconnectDelay } from "../domain/events/reconnect-delay";

/**
 * A listener gets the event, its JSON text and its server-sent-events frame
 * (each encoded once per process, shared by every subscriber).
 */
export type EventListener = (e: ConsoleEvent, text: string, frame: Uint8Array) => void;

export interface EventBusOptions {
  /** First reconnect delay; doubles per failed attempt up to `maxRetryMs`. */
  minRetryMs?: number;
  maxRetryMs?: number;
  /** Uniform [0, 1) source for the jitter (tests pass a fixed one). */
  random?: () => number;
}

/** The resync event: anything committed while the bus was away was not heard. */
export const RESYNC_EVENT: ConsoleEvent = { topics: ["audit", "keys", "mesh", "approvals", "incidents"], truncated: true };

export class EventBus {
  private readonly emitter = new EventEmitter();
  /** The one LISTEN connection (null while connecting or away). */
  private client: pg.Client | null = null;
  private connecting: Promise<void> | null = null;
  private stopped = true;
  private attempt = 0;
  private everConnected = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly minRetryMs: number;
  private readonly maxRetryMs: number;
  private readonly random: () => number;
  /** Whether the LISTEN connection is up (shown in the console, probed by readiness). */
  connected = false;
  /** Connections opened over the bus's life (diagnostics and the leak test). */
  connectionsOpened = 0;
  /** Events heard per topic over the bus's life: a value read before the latest event of its topics is stale. */
  private readonly heard = new Map<EventTopic, number>();
  private readonly sharedValues = new Map<string, PerEventValue<unknown>>();

  constructor(
    private readonly connectionString: string,
    opts: EventBusOptions = {},
  ) {
    this.emitter.setMaxListeners(0);
    this.minRetryMs = opts.minRetryMs ?? 250;
    this.maxRetryMs = opts.maxRetryMs ?? 5_000;
    this.random = opts.random ?? Math.random;
  }

  /** How many listeners are subscribed right now. */
  get subscriberCount(): number {
    return this.emitter.listenerCount("event");
  }

  /**
   * Starts listening; resolves once LISTEN is in place or the first attempt
   * failed (the bus then keeps retrying on its own). Idempotent: while a
   * connection is up, being made, or waiting for its backoff, it opens nothing.
   */
  start(): Promise<void> {
    this.stopped = false;
    if (this.client || this.retryTimer) return Promise.resolve();
    this.connecting ??= this.connect().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.connectionString, application_name: "qecnet-events" });
    this.connectionsOpened++;
    let dead = false;
    const onLost = () => {
      if (dead) return;
      dead = true;
      this.lost(client);
    };
    client.on("notification", (msg) => {
      if (dead || msg.channel !== EVENT_CHANNEL || !msg.payload) return;
      const e = decodeEvent(msg.payload);
      if (e) this.emit(e);
    });
    client.on("error", onLost);
    client.on("end", onLost);
    try {
      await client.connect();
      await client.query(`LISTEN ${EVENT_CHANNEL}`);
    } catch {
      onLost();
      return;
    }
    if (this.stopped || dead) {
      dead = true;
      await client.end().catch(() => undefined);
      return;
    }
    const wasReconnect = this.everConnected;
    this.client = client;
    this.connected = true;
    this.everConnected = true;
    this.attempt = 0;
    // Anything committed while we were away was not heard: ask everyone to refetch.
    if (wasReconnect) this.emit(RESYNC_EVENT);
  }

  private emit(e: ConsoleEvent): void {
    // Before any subscriber hears it: whoever reads a shared value on this event reads it anew.
    for (const t of e.topics) this.heard.set(t, (this.heard.get(t) ?? 0) + 1);
    const text = JSON.stringify(e);
    this.emitter.emit("event", e, text, sseDataFrame(text));
  }

  /** How many events touching `topics` this bus has heard (a shared value is current while this stays). */
  generation(topics: readonly EventTopic[]): number {
    let n = 0;
    for (const t of topics) n += this.heard.get(t) ?? 0;
    return n;
  }

  /**
   * A value read at most once per event of `topics` for the whole process,
   * however many subscribers ask for it on that event (e.g. the approvals
   * badge's open requests: one query per approvals event, not one per open
   * badge). `name` identifies it in this process; the first caller's `load` is kept.
   */
  shared<T>(name: string, topics: readonly EventTopic[], load: () => Promise<T>): PerEventValue<T> {
    let v = this.sharedValues.get(name);
    if (!v) this.sharedValues.set(name, (v = new PerEventValue(this, topics, load)));
    return v as PerEventValue<T>;
  }

  private lost(client: pg.Client): void {
    client.removeAllListeners("notification");
    client.end().catch(() => undefined);
    if (this.client !== null && this.client !== client) return; // a stale client: the current one is fine
    this.client = null;
    this.connected = false;
    if (this.stopped || this.retryTimer) return;
    const delay = reconnectDelay(this.attempt++, this.minRetryMs, this.maxRetryMs, this.random);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.stopped) void this.start();
    }, delay);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    await this.connecting?.catch(() => undefined);
    const c = this.client;
    this.client = null;
    this.connected = false;
    await c?.end().catch(() => undefined);
  }

  /** Calls `listener` for every event touching one of `topics` until the returned function is called. */
  subscribe(topics: readonly EventTopic[], listener: EventListener): () => void {
    const wanted = new Set(topics);
    const handler = (e: ConsoleEvent, text: string, frame: Uint8Array) => {
      if (e.topics.some((t) => wanted.has(t))) listener(e, text, frame);
    };
    this.emitter.on("event", handler);
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      this.emitter.off("event", handler);
    };
  }

  /**
   * The events for `topics` as an async iterable that ends when `signal` aborts.
   * Events arriving faster than the consumer reads are queued up to a bound,
   * then coalesced into one resync event.
   */
  stream(topics: readonly EventTopic[], signal: AbortSignal | undefined): AsyncGenerator<ConsoleEvent> {
    return this.queued(topics, signal, (e) => e);
  }

  /**
   * The same as JSON text, for a tRPC subscription: the text is encoded once
   * per event for the whole process, so pushing an event to hundreds of
   * browsers costs one small string write each instead of serialising the
   * event's object once per subscriber.
   */
  streamText(topics: readonly EventTopic[], signal: AbortSignal | undefined): AsyncGenerator<string> {
    return this.queued(topics, signal, (_e, text) => text);
  }

  /** The events for `topics` as one browser's stream: an iterable of JSON text, or a server-sent-events response of shared frames. */
  source(topics: readonly EventTopic[], signal: AbortSignal | undefined): EventStreamSource {
    return new EventStreamSource(this, topics, signal);
  }

  /** One generator per subscription (no layers on top: each is one more step per event and subscriber). */
  private async *queued<T>(topics: readonly EventTopic[], signal: AbortSignal | undefined, pick: (e: ConsoleEvent, text: string) => T): AsyncGenerator<T> {
    const queue: T[] = [];
    let wake: (() => void) | null = null;
    const unsubscribe = this.subscribe(topics, (e, text) => {
      if (queue.length >= 256) {
        const resync: ConsoleEvent = { topics: [...topics], truncated: true };
        queue.splice(0, queue.length, pick(resync, JSON.stringify(resync)));
      } else queue.push(pick(e, text));
      wake?.();
    });
    const onAbort = () => wake?.();
    signal?.addEventListener("abort", onAbort);
    try {
      while (!signal?.aborted) {
        if (queue.length > 0) {
          yield queue.shift()!;
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
