"use client";
/**
 * One live connection per browser tab: a tRPC subscription (server-sent events)
 * to the server's event bus. Each event invalidates the queries of its topics,
 * so every view refreshes within a moment of a change committed by any server
 * instance; components that want the events themselves (e.g. to animate a key
 * travelling over the mesh) listen with useLiveEvent. Polling stays on as a
 * slow safety net in case the stream is down.
 */
import { useQueryClient } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import { createContext, useContext, useEffect, useMemo, useRef, type ReactNode } from "react";
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
};

export function LiveEvents({ children }: { children: ReactNode }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const listeners = useRef(new Set<Listener>());
  const pending = useRef(new Set<string>());
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const sub = useSubscription(
    trpc.events.stream.subscriptionOptions(undefined, {
      onData(e) {
        for (const t of e.topics) for (const r of TOPIC_ROUTERS[t]) pending.current.add(r);
        // Coalesce bursts (a simulation tick plus a batch) into one refetch per router.
        timer.current ??= setTimeout(() => {
          timer.current = null;
          const routers = [...pending.current];
          pending.current.clear();
          for (const r of routers) void queryClient.invalidateQueries({ queryKey: [[r]] });
        }, 100);
        for (const l of listeners.current) l(e);
      },
    }),
  );
  useEffect(() => () => {
    if (timer.current) clearTimeout(timer.current);
  }, []);

  const status: LiveStatus = sub.status === "pending" ? "live" : sub.status === "connecting" ? "connecting" : sub.status === "error" ? "reconnecting" : "connecting";
  const value = useMemo<LiveContextValue>(
    () => ({
      status,
      listen(l) {
        listeners.current.add(l);
        return () => listeners.current.delete(l);
      },
    }),
    [status],
  );
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
