/**
 * One browser's live event stream. As an async iterable it yields each
 * event's JSON text (what tRPC and createCaller consume); as a response it
 * writes the bus's shared server-sent-events frames straight into the HTTP
 * body: per event and viewer one enqueue of bytes encoded once for the whole
 * process, instead of tRPC's chain of async generators, per-subscriber JSON
 * encoding, a TransformStream and a TextEncoderStream (three to five small
 * writes per event and viewer). That per-viewer cost is what limits how many
 * viewers one process holds (bench/live.ts). A viewer that does not keep up
 * gets, once it has read what is queued, one resync event instead of the
 * events it missed, as the iterable does.
 */
import type { ConsoleEvent, EventTopic } from "../domain/events/console-events";
import { SSE_HEADERS, SSE_PING_FRAME, sseConnectedFrame, sseDataFrame } from "./sse-frames";

/** Frames a viewer may have queued (unread) before the rest is replaced by one resync. */
const MAX_QUEUED_FRAMES = 256;

export interface EventStreamOptions {
  /** A ping this often keeps the stream alive (tRPC's `sse.ping.intervalMs`). */
  pingMs: number;
  /** Sent to the browser in the `connected` frame (tRPC's `sse.client`). */
  client: { reconnectAfterInactivityMs?: number };
}

/**
 * Marks a source across module instances: Next.js bundles the route handler
 * and the instrumentation hook that builds the process's services separately,
 * so a source made by the services' bus is not `instanceof` the route's class.
 */
const SOURCE_BRAND = Symbol.for("qecnet.eventStreamSource");

/** Whether a procedure's result is an event stream source (from any bundle of this process). */
export function isEventStreamSource(value: unknown): value is EventStreamSource {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[SOURCE_BRAND] === true;
}

/**
 * What a stream needs of the event bus (event-bus.ts implements it): the shared
 * frames of each event for its topics, and the text stream for tRPC's own path.
 * An interface of its own, so the bus can hand out sources without the two
 * files importing each other.
 */
export interface EventFrameSource {
  subscribe(topics: readonly EventTopic[], listener: (e: ConsoleEvent, text: string, frame: Uint8Array) => void): () => void;
  streamText(topics: readonly EventTopic[], signal: AbortSignal | undefined): AsyncIterator<string>;
}

export class EventStreamSource implements AsyncIterable<string> {
  readonly [SOURCE_BRAND] = true;

  constructor(
    private readonly bus: EventFrameSource,
    private readonly topics: readonly EventTopic[],
    private readonly signal: AbortSignal | undefined,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<string> {
    return this.bus.streamText(this.topics, this.signal);
  }

  /** The stream as a server-sent-events response, ending when `signal` aborts or the browser goes away. */
  response(opts: EventStreamOptions): Response {
    const { bus, topics, signal } = this;
    let done = false;
    let overflowed = false;
    let unsubscribe: () => void = () => undefined;
    let ping: NodeJS.Timeout | undefined;
    const end = () => {
      if (done) return;
      done = true;
      unsubscribe();
      clearInterval(ping);
      signal?.removeEventListener("abort", onAbort);
    };
    let close: () => void = end;
    const onAbort = () => close();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        close = () => {
          if (done) return;
          end();
          try {
            controller.close();
          } catch {
            // already closed or errored by the reader going away
          }
        };
        if (signal?.aborted) return close();
        controller.enqueue(sseConnectedFrame(opts.client));
        unsubscribe = bus.subscribe(topics, (_e, _text, frame) => {
          if (overflowed) return;
          // With a high-water mark of 0, -desiredSize is the number of frames queued and not yet read.
          if (-(controller.desiredSize ?? 0) >= MAX_QUEUED_FRAMES) overflowed = true;
          else controller.enqueue(frame);
        });
        ping = setInterval(() => {
          if (!overflowed) controller.enqueue(SSE_PING_FRAME);
        }, opts.pingMs);
        signal?.addEventListener("abort", onAbort);
      },
      // Called when the reader waits on an empty queue: a viewer that fell behind resyncs from here.
      pull(controller) {
        if (!overflowed || done) return;
        overflowed = false;
        const resync: ConsoleEvent = { topics: [...topics], truncated: true };
        controller.enqueue(sseDataFrame(JSON.stringify(resync)));
      },
      cancel: end,
    }, new CountQueuingStrategy({ highWaterMark: 0 }));
    return new Response(body, { status: 200, headers: SSE_HEADERS });
  }
}
