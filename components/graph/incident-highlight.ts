"use client";
/**
 * The parts of the mesh involved in open (and just resolved) compromise
 * recoveries: the graph rings them in red so a SOC wall screen shows where the
 * incident is. Stable sets; a change re-renders only the elements whose answer
 * changed (memoised nodes and edges read it through useIncidentMarked).
 */
import { createContext, useContext } from "react";

export interface IncidentHighlight {
  nodeIds: ReadonlySet<string>;
  linkIds: ReadonlySet<string>;
}

export const NO_HIGHLIGHT: IncidentHighlight = { nodeIds: new Set(), linkIds: new Set() };

export const IncidentHighlightContext = createContext<IncidentHighlight>(NO_HIGHLIGHT);

export function useIncidentMarked(kind: "node" | "link", id: string): boolean {
  const h = useContext(IncidentHighlightContext);
  return (kind === "node" ? h.nodeIds : h.linkIds).has(id);
}
