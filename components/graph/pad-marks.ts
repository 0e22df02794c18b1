"use client";
/**
 * Each link's pad levels (issue 18) where its edge can read them: the Mesh
 * page puts the latest mesh.pads answer here, and each edge reads its own
 * entry through useSyncExternalStore, so only the edges whose pads changed
 * re-render (React Query keeps unchanged entries' identity). Outside the Mesh
 * page (the explorer) there is no store and edges show no pad marks.
 */
import { createContext, useContext, useSyncExternalStore } from "react";
import type { LinkPadsView } from "@/components/trpc/router-types";

export class PadMarks {
  private byLink: ReadonlyMap<string, LinkPadsView> = new Map();
  private readonly listeners = new Set<() => void>();

  set(pads: readonly LinkPadsView[]): void {
    this.byLink = new Map(pads.map((p) => [p.linkId, p]));
    for (const l of this.listeners) l();
  }

  get(linkId: string): LinkPadsView | null {
    return this.byLink.get(linkId) ?? null;
  }

  readonly subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };
}

export const PadMarksContext = createContext<PadMarks | null>(null);

const none = () => () => undefined;

/** The link's pads, or null when nothing was reported (or no store: not the live Mesh page). */
export function useLinkPadMarks(linkId: string): LinkPadsView | null {
  const store = useContext(PadMarksContext);
  return useSyncExternalStore(store ? store.subscribe : none, () => store?.get(linkId) ?? null, () => null);
}

/** Whether this page shows pads at all (the explorer does not). */
export function useShowsPads(): boolean {
  return useContext(PadMarksContext) !== null;
}
