"use client";
/**
 * Level of detail by zoom: zoomed out (a 500-node mesh on one screen) cards
 * drop their text and links their labels. The selector returns a boolean, so
 * panning and zooming re-render a node or edge only when the threshold is crossed.
 */
import { useStore, type ReactFlowState } from "@xyflow/react";
import { useWallMode, WALL_SCALE } from "./wall-mode";

export const DETAIL_ZOOM = 0.45;
/** Wall cards are WALL_SCALE times bigger, so their text stays readable down to a lower zoom. */
export const WALL_DETAIL_ZOOM = DETAIL_ZOOM / WALL_SCALE;

const showsDetail = (s: ReactFlowState) => s.transform[2] >= DETAIL_ZOOM;
const showsWallDetail = (s: ReactFlowState) => s.transform[2] >= WALL_DETAIL_ZOOM;

export function useShowsDetail(): boolean {
  return useStore(useWallMode() ? showsWallDetail : showsDetail);
}
