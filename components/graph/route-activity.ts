"use client";
/**
 * Which links a key is travelling over right now: a key-routed event marks
 * its links for a few seconds, and each edge reads its own entry through
 * useSyncExternalStore. Only the edges of the route re-render, twice (on and
 * off); the motion itself is SVG animation, never React state per frame.
 */
import { createContext, useContext, useSyncExternalStore } from "react";

export const ROUTE_ANIMATION_MS = 3_000;

export class RouteActivity {
  /** linkId -> the node the key entered the link from */
  private readonly active = new Map<string, string>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly listeners = new Set<() => void>();

  /** A route as the server reports it: nodeIds in travel order, linkIds[i] joins nodeIds[i] and nodeIds[i + 1]. */
  markRoute(linkIds: readonly string[], nodeIds: readonly string[]): void {
    linkIds.forEach((linkId, i) => {
      this.active.set(linkId, nodeIds[i] ?? "");
      const old = this.timers.get(linkId);
      if (old) clearTimeout(old);
      this.timers.set(linkId, setTimeout(() => this.clear(linkId), ROUTE_ANIMATION_MS));
    });
    if (linkIds.length) this.notify();
  }

  private clear(linkId: string): void {
    this.timers.delete(linkId);
    if (this.active.delete(linkId)) this.notify();
  }

  private notify(): void {
    for (const l of this.listeners) l();
  }

  readonly subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };

  /** The node a key entered this link from, or null when no key is travelling over it. */
  enteredFrom(linkId: string): string | null {
    return this.active.get(linkId) ?? null;
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.active.clear();
  }
}

const idle = new RouteActivity();
export const RouteActivityContext = createContext<RouteActivity>(idle);

export function useRouteEnteredFrom(linkId: string): string | null {
  const activity = useContext(RouteActivityContext);
  return useSyncExternalStore(activity.subscribe, () => activity.enteredFrom(linkId), () => null);
}
