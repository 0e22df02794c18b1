"use client";
/**
 * Level of detail by zoom: zoomed out (a 500-node mesh on one screen) cards
 * drop their text and links their labels. The selector returns a boolean, so
 * panning and zooming re-render a node or edge only when the threshold is crossed.
 */
import { useStore, type ReactFlowState } from "@xyflow/react";

export const DETAIL_ZOOM = 0.45;

const showsDetail = (s: ReactFlowState) => s.transform[2] >= DETAIL_ZOOM;

export function useShowsDetail(): boolean {
  return useStore(showsDetail);
}
