"use client";
/**
 * Every link label's place, computed once per layout for the whole graph so
 * that a label avoids every card, not only its link's two ends (a line that
 * passes under a third card must not put its label there). Edges read their
 * placement from this context; the map changes only when the geometry does
 * (positions, roles, links, desk or wall sizes), not on live figure updates.
 */
import { createContext, useContext } from "react";
import type { MeshLinkView, MeshNodeView } from "@/components/trpc/router-types";
import type { NodeRole } from "./mesh-styles";
import { placeLabelAmong, type Box, type LabelPlacement, type Size } from "./edge-label-geometry";
import type { LabelSizes } from "./wall-mode";

export type LabelPlacements = ReadonlyMap<string, LabelPlacement>;

export function placeAllLabels(
  nodes: readonly MeshNodeView[], links: readonly MeshLinkView[], scale: number, sizes: Record<NodeRole, Size>, labels: LabelSizes,
): LabelPlacements {
  const cards = new Map<string, Box>(nodes.map((n) => [n.id, { cx: n.x * scale, cy: n.y * scale, ...sizes[n.role] }]));
  const all = [...cards.values()];
  const out = new Map<string, LabelPlacement>();
  for (const l of links) {
    const a = cards.get(l.aNodeId);
    const b = cards.get(l.bNodeId);
    if (!a || !b) continue;
    out.set(l.id, placeLabelAmong(a, b, l.viaNodeId ? labels.withVia : labels.full, labels.compact, all));
  }
  return out;
}

/** What the placement depends on, as one string: the memo key. */
export function geometryKey(nodes: readonly MeshNodeView[], links: readonly MeshLinkView[], wall: boolean): string {
  return `${wall}|${nodes.map((n) => `${n.id}:${n.x}:${n.y}:${n.role}`).join(",")}|${links.map((l) => `${l.id}:${l.aNodeId}:${l.bNodeId}:${l.viaNodeId ?? ""}`).join(",")}`;
}

export const LabelPlacementContext = createContext<LabelPlacements | null>(null);

export function useLabelPlacement(linkId: string): LabelPlacement | undefined {
  return useContext(LabelPlacementContext)?.get(linkId);
}
