/**
 * Tells open Mesh pages that pad levels moved: every change of the PadLevels
 * store (an end's report, a desync found or cleared) becomes one console event
 * on topic "mesh", type "pad-levels", naming the links that changed, at most
 * once per `minIntervalMs` (ends report with every heartbeat; a burst of
 * reports is one event, sent once the interval since the last one is over).
 * Browsers refetch only the pad levels on it (components/live/live-events.tsx).
 * Counts and link ids only: never pad bytes.
 */
import type { ConsoleEvent } from "../domain/events/console-events";
import type { Clock } from "../time/clock";
import type { PadLevels } from "./pad-levels";

export const PAD_LEVELS_EVENT = "pad-levels";
/** Above this many links an event names none (NOTIFY payloads are small); viewers refetch every link then. */
export const MAX_NAMED_LINKS = 50;

export interface PadLevelEventOptions {
  clock: Clock;
  /** Shortest time between two events (default 1 s). */
  minIntervalMs?: number;
  /** A failed send is reported here by error name (the next change sends again). */
  onError?: (err: Error) => void;
}

export function padLevelsEvent(linkIds: readonly string[]): ConsoleEvent {
  const named = linkIds.length <= MAX_NAMED_LINKS;
  return {
    topics: ["mesh"],
    events: [{ topic: "mesh", type: PAD_LEVELS_EVENT, data: named ? { linkIds: [...linkIds].sort() } : { linkIds: [], links: linkIds.length } }],
  };
}

/** Subscribes to `levels` and sends throttled events through `send`; returns the function that stops it. */
export function publishPadLevelChanges(levels: PadLevels, send: (e: ConsoleEvent) => Promise<void>, opts: PadLevelEventOptions): () => void {
  const minIntervalMs = opts.minIntervalMs ?? 1_000;
  const changed = new Set<string>();
  let lastSentAt = -Infinity;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stopped = false;

  const flush = () => {
    timer = null;
    if (stopped || changed.size === 0) return;
    const ids = [...changed];
    changed.clear();
    lastSentAt = opts.clock().getTime();
    send(padLevelsEvent(ids)).catch((err: unknown) => opts.onError?.(err as Error));
  };

  const unsubscribe = levels.subscribe((linkIds) => {
    for (const id of linkIds) changed.add(id);
    if (timer || stopped) return;
    const wait = Math.max(0, lastSentAt + minIntervalMs - opts.clock().getTime());
    timer = setTimeout(flush, wait);
  });

  return () => {
    stopped = true;
    unsubscribe();
    if (timer) clearTimeout(timer);
    timer = null;
  };
}
