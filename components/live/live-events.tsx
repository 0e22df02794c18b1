"use client";
/**
 * One live connection per browser tab: a tRPC subscription (server-sent events)
 * to the server's event bus. Each event invalidates the queries of its topics,
 * so every view refreshes within a moment of a change committed by any server
 * instance; components that want the events themselves (e.g. to animate a key
 * travelling over the mesh) listen with useLiveEvent. Polling stays on as a
 * slow safety net in case the stream is down.
 */
import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import { createContext, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import type { ConsoleEvent, EventTopic } from "@/server/events/console-events";
import { useTRPC } from "@/components/trpc/trpc-context";

type Listener = (e: ConsoleEvent) => void;
export type LiveStatus = "connecting" | "live" | "reconnecting";

interface LiveContextValue {
  status: LiveStatus;
  listen(l: Listener): () => void;
}

const LiveContext = createContext<LiveContextValue>({ status: "connecting", listen: () => () => undefined });

/** Which tRPC routers' queries each topic makes stale. */
const TOPIC_ROUTERS: Record<EventTopic, string[]> = {
  audit: ["audit"],
  keys: ["keys"],
  mesh: ["mesh", "nodes"],
  routes: [],
  approvals: ["approvals"],
  incidents: ["incidents", "keys"],
};

/** Fans events out to listeners and turns bursts of them into one refetch per router. */
class LiveHub {
  readonly listeners = new Set<Listener>();
  private readonly pending = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly queryClient: QueryClient) {}

  onEvent(e: ConsoleEvent): void {
    for (const t of e.topics) for (const r of TOPIC_ROUTERS[t]) this.pending.add(r);
    this.timer ??= setTimeout(() => this.flush(), 100);
    for (const l of this.listeners) l(e);
  }

  private flush(): void {
    this.timer = null;
    const routers = [...this.pending];
    this.pending.clear();
    // An in-flight refetch is kept, not cancelled and restarted: on a loaded server, events arriving faster
    // than answers would otherwise restart the same request forever (and keep waiting mutations pending).
    for (const r of routers) void this.queryClient.invalidateQueries({ queryKey: [[r]] }, { cancelRefetch: false });
  }

  listen(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}

export function LiveEvents({ children }: { children: ReactNode }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [hub] = useState(() => new LiveHub(queryClient));
  useEffect(() => () => hub.dispose(), [hub]);
  const sub = useSubscription(trpc.events.stream.subscriptionOptions(undefined, { onData: (e) => hub.onEvent(e) }));

  const status: LiveStatus = sub.status === "pending" ? "live" : sub.status === "error" ? "reconnecting" : "connecting";
  const value = useMemo<LiveContextValue>(() => ({ status, listen: (l) => hub.listen(l) }), [status, hub]);
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}

export function useLiveStatus(): LiveStatus {
  return useContext(LiveContext).status;
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
