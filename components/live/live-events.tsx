"use client";
/**
 * One live connection per browser tab: a tRPC subscription (server-sent events)
 * to the server's event bus. What an event means for the cached queries:
 * - a simulation tick with a delta (every second): its link figures and
 *   statuses are applied to the cached mesh state and open panels (a new chart
 *   sample is appended), nothing is refetched but the panel of a link whose
 *   QBER crossing the tick audited (its event list grew);
 * - any other event invalidates the queries of its topics (a topology or key
 *   change refetches the mesh state, which the server computes once for every
 *   viewer), bursts coalesced into one refetch per query family;
 * - a tick that does not follow the cached one, a truncated event, or the
 *   stream coming back after a break refetches what is shown, after a random
 *   delay of up to RESYNC_SPREAD_MS so hundreds of tabs do not ask at once.
 * Polling (useLiveRefetchInterval) runs only while the stream is not live.
 * Components that want the events themselves (e.g. to animate a key
 * travelling over the mesh) listen with useLiveEvent.
 */
import { useQueryClient, type QueryClient, type QueryKey } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import { createContext, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { decodeEvent, type ConsoleEvent, type EventTopic, type MeshTickDelta } from "@/server/domain/events/console-events";
import { applyTickToLinkDetail, applyTickToNodeDetail, catchUpState } from "@/server/domain/mesh/mesh-tick-delta";
import type { MeshLinkDetail, MeshNodeDetail, MeshStateView } from "@/server/domain/mesh/mesh-views";
import { LIVE_REFETCH_MS } from "@/components/trpc/query-client";
import { useTRPC } from "@/components/trpc/trpc-context";

type Listener = (e: ConsoleEvent) => void;
export type LiveStatus = "connecting" | "live" | "reconnecting";

interface LiveContextValue {
  status: LiveStatus;
  listen(l: Listener): () => void;
}

const LiveContext = createContext<LiveContextValue>({ status: "connecting", listen: () => () => undefined });

/** Query-key prefixes of tRPC queries (tRPC keys are [path, { input, type }]). */
const ROUTER = (r: string): QueryKey => [[r]];
const MESH_STATE: QueryKey = [["mesh", "state"]];
const MESH_LINK: QueryKey = [["mesh", "link"]];
const MESH_NODE: QueryKey = [["mesh", "node"]];
const MESH_PADS: QueryKey = [["mesh", "pads"]];

/** Which queries each topic makes stale (a tick with a delta is applied instead). */
const TOPIC_QUERIES: Record<EventTopic, QueryKey[]> = {
  // Application registry changes are audit entries with no other topic; deliveries change keys.
  audit: [ROUTER("audit"), ROUTER("applications")],
  // Held-key counts are part of the mesh state.
  keys: [ROUTER("keys"), MESH_STATE, ROUTER("applications")],
  mesh: [ROUTER("mesh"), ROUTER("nodes")],
  routes: [],
  approvals: [ROUTER("approvals")],
  incidents: [ROUTER("incidents"), ROUTER("keys")],
};

/** Resyncs are spread over this long, so a server restart does not bring every tab back in the same instant. */
const RESYNC_SPREAD_MS = 2_000;
/** Recent ticks' deltas kept to bring a late-arriving mesh state up to date (a loaded server answers seconds late). */
const RECENT_DELTAS = 30;

/** The tick of an event when the event is nothing but a tick with a delta, as far as the mesh is concerned. */
function tickWithDelta(e: ConsoleEvent): { delta: MeshTickDelta; crossed: string[] } | null {
  if (e.truncated || !e.events) return null;
  const mesh = e.events.filter((x) => x.topic === "mesh");
  const tick = mesh.find((x) => x.type === "tick");
  if (mesh.length !== 1 || !tick?.delta) return null;
  const crossed = tick.data?.crossed;
  return { delta: tick.delta, crossed: Array.isArray(crossed) ? crossed : [] };
}

/**
 * An event whose only mesh news is pad levels (issue 18; ends report with every heartbeat): it makes only the pad
 * queries stale, not the whole mesh.
 */
function padLevelsOnly(e: ConsoleEvent): boolean {
  const mesh = e.events?.filter((x) => x.topic === "mesh") ?? [];
  return !e.truncated && mesh.length > 0 && mesh.every((x) => x.type === "pad-levels");
}

/** Fans events out to listeners, applies tick deltas, and turns bursts of other events into one refetch per query family. */
export class LiveHub {
  readonly listeners = new Set<Listener>();
  private readonly pending = new Map<string, QueryKey>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private resyncTimer: ReturnType<typeof setTimeout> | null = null;
  /** The last ticks' deltas, oldest first (the stream delivers each once, in order). */
  private recent: MeshTickDelta[] = [];
  /** Queries invalidated while a fetch of theirs was in flight: that answer may predate the event, so one more read follows it. */
  private readonly refetchAfterLanding = new Set<string>();

  constructor(private readonly queryClient: QueryClient) {}

  /**
   * A fetched mesh state is as old as the moment the server read it: the ticks heard while it travelled are applied
   * to it as soon as it lands, so a slow answer does not start another refetch, and then another. Returns the unwatch.
   */
  watchFetchedStates(): () => void {
    const queryClient = this.queryClient;
    return queryClient.getQueryCache().subscribe((ev) => {
      if (ev.type !== "updated" || ev.action.type !== "success" || ev.action.manual) return;
      const key = ev.query.queryKey;
      if (!Array.isArray(key[0]) || key[0][0] !== "mesh" || key[0][1] !== "state") return;
      const data = ev.query.state.data as MeshStateView | undefined;
      const r = data ? catchUpState(data, this.recent) : null;
      if (r?.kind === "applied") queueMicrotask(() => queryClient.setQueryData(key, r.state));
    });
  }

  /**
   * An event that arrives while a query's fetch is in flight may be newer than what that fetch read, and invalidating
   * a fetching query does not fetch again (its landing clears the mark). Without this, a page could keep "EXECUTING"
   * or "ROTATING" after the change that ended it: the answer to the previous event landed after the last event.
   * So a query invalidated mid-flight is read once more when that fetch lands (once per burst, never a restart loop).
   */
  watchLandings(): () => void {
    const queryClient = this.queryClient;
    return queryClient.getQueryCache().subscribe((ev) => {
      if (ev.type !== "updated" || !this.refetchAfterLanding.has(ev.query.queryHash)) return;
      if (ev.action.type === "success" && ev.action.manual) return; // a tick applied to the cache, not the fetch landing
      if (ev.action.type !== "success" && ev.action.type !== "error") return;
      this.refetchAfterLanding.delete(ev.query.queryHash);
      const queryKey = ev.query.queryKey;
      queueMicrotask(() => void queryClient.invalidateQueries({ queryKey, exact: true }, { cancelRefetch: false }));
    });
  }

  /** Invalidates (no key: every query), remembering the queries whose fetch is in flight so they are read once more. */
  private invalidate(queryKey?: QueryKey): void {
    for (const q of this.queryClient.getQueryCache().findAll(queryKey ? { queryKey } : {})) {
      if (q.state.fetchStatus === "fetching") this.refetchAfterLanding.add(q.queryHash);
    }
    void this.queryClient.invalidateQueries(queryKey ? { queryKey } : undefined, { cancelRefetch: false });
  }

  onEvent(e: ConsoleEvent): void {
    const tick = tickWithDelta(e);
    const padsOnly = padLevelsOnly(e);
    for (const t of e.topics) {
      for (const key of t === "mesh" && padsOnly ? [MESH_PADS] : TOPIC_QUERIES[t]) {
        if (t === "mesh" && tick) continue;
        this.pending.set(JSON.stringify(key), key);
      }
    }
    if (tick) this.applyTick(tick.delta, tick.crossed);
    if (e.truncated && !e.seq) this.resync(); // the server's bus was away: anything may have changed
    else if (this.pending.size > 0) this.timer ??= setTimeout(() => this.flush(), 100);
    for (const l of this.listeners) l(e);
  }

  private applyTick(d: MeshTickDelta, crossed: string[]): void {
    const qc = this.queryClient;
    let gap = false;
    let refetch = false;
    this.recent = [...this.recent.filter((x) => x.tick < d.tick).slice(1 - RECENT_DELTAS), d];
    for (const [key, data] of qc.getQueriesData<MeshStateView>({ queryKey: MESH_STATE })) {
      if (!data) continue;
      const r = catchUpState(data, this.recent);
      if (r.kind === "applied") qc.setQueryData(key, r.state);
      else if (r.kind === "gap") gap = true;
    }
    for (const [key, data] of qc.getQueriesData<MeshLinkDetail>({ queryKey: MESH_LINK })) {
      const minutes = (key[1] as { input?: { minutes?: number } } | undefined)?.input?.minutes ?? 30;
      if (!data) continue;
      qc.setQueryData(key, applyTickToLinkDetail(data, d, minutes));
      // The crossing's audit entry is in this panel's event list: only a read brings it.
      if (crossed.includes(data.link.id)) {
        this.pending.set(JSON.stringify(key), key);
        refetch = true;
      }
    }
    for (const [key, data] of qc.getQueriesData<MeshNodeDetail>({ queryKey: MESH_NODE })) {
      if (data) qc.setQueryData(key, applyTickToNodeDetail(data, d));
    }
    // A missed tick: the delta holds only what moved in its own tick, so the cached state cannot catch up by itself.
    if (gap) {
      this.pending.set(JSON.stringify(MESH_STATE), MESH_STATE);
      refetch = true;
    }
    if (refetch) this.timer ??= setTimeout(() => this.flush(), 100);
  }

  private flush(): void {
    this.timer = null;
    const keys = [...this.pending.values()];
    this.pending.clear();
    // An in-flight refetch is kept, not cancelled and restarted: on a loaded server, events arriving faster
    // than answers would otherwise restart the same request forever (and keep waiting mutations pending).
    for (const queryKey of keys) this.invalidate(queryKey);
  }

  /** Refetches every active query once, after a random delay (many tabs resyncing at once would stampede). */
  resync(): void {
    this.resyncTimer ??= setTimeout(() => {
      this.resyncTimer = null;
      this.pending.clear();
      this.invalidate();
    }, Math.random() * RESYNC_SPREAD_MS);
  }

  listen(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.resyncTimer) clearTimeout(this.resyncTimer);
  }
}

export function LiveEvents({ children }: { children: ReactNode }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [hub] = useState(() => new LiveHub(queryClient));
  useEffect(() => () => hub.dispose(), [hub]);
  useEffect(() => hub.watchFetchedStates(), [hub]);
  useEffect(() => hub.watchLandings(), [hub]);
  const sub = useSubscription(
    trpc.events.stream.subscriptionOptions(undefined, {
      onData: (text) => {
        const e = decodeEvent(text);
        if (e) hub.onEvent(e);
      },
    }),
  );

  const status: LiveStatus = sub.status === "pending" ? "live" : sub.status === "error" ? "reconnecting" : "connecting";
  // Back from a break (connecting again, or failed and retrying): events were missed while the stream was down.
  const phase = useRef<"never-live" | "live" | "down">("never-live");
  useEffect(() => {
    if (status === "live") {
      if (phase.current === "down") hub.resync();
      phase.current = "live";
    } else if (phase.current === "live") phase.current = "down";
  }, [status, hub]);
  const value = useMemo<LiveContextValue>(() => ({ status, listen: (l) => hub.listen(l) }), [status, hub]);
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}

export function useLiveStatus(): LiveStatus {
  return useContext(LiveContext).status;
}

/**
 * The refetchInterval of a live view: none while the event stream is live
 * (events keep it current), LIVE_REFETCH_MS while it is not.
 */
export function useLiveRefetchInterval(): number | false {
  return useLiveStatus() === "live" ? false : LIVE_REFETCH_MS;
}

/** Calls `onEvent` for each live event (the latest callback; no resubscription on re-render). */
export function useLiveEvent(onEvent: Listener): void {
  const { listen } = useContext(LiveContext);
  const latest = useRef(onEvent);
  useEffect(() => {
    latest.current = onEvent;
  });
  useEffect(() => listen((e) => latest.current(e)), [listen]);
}
