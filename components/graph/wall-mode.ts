"use client";
/**
 * Wall mode: the graph drawn for a screen read from across the room. Cards
 * and link labels are WALL_SCALE times their desk size (same content, bigger
 * type), and cards keep their text down to a lower zoom, so the 24-node demo
 * reads at whole-mesh zoom. The label geometry is given the scaled sizes, so
 * a label still never lies under a card.
 */
import { createContext, useContext } from "react";
import { NODE_SIZES, type NodeRole } from "./mesh-styles";
import { COMPACT_LABEL, FULL_LABEL, FULL_LABEL_WITH_VIA, type Size } from "./edge-label-geometry";

export const WALL_SCALE = 1.6;

const scaled = (s: Size): Size => ({ width: s.width * WALL_SCALE, height: s.height * WALL_SCALE });

export const WALL_NODE_SIZES: Record<NodeRole, Size> = {
  HUB: scaled(NODE_SIZES.HUB),
  RELAY: scaled(NODE_SIZES.RELAY),
  ENDPOINT: scaled(NODE_SIZES.ENDPOINT),
};

export interface LabelSizes {
  full: Size;
  withVia: Size;
  compact: Size;
}

export const DESK_LABELS: LabelSizes = { full: FULL_LABEL, withVia: FULL_LABEL_WITH_VIA, compact: COMPACT_LABEL };
export const WALL_LABELS: LabelSizes = { full: scaled(FULL_LABEL), withVia: scaled(FULL_LABEL_WITH_VIA), compact: scaled(COMPACT_LABEL) };

export const WallModeContext = createContext(false);

export function useWallMode(): boolean {
  return useContext(WallModeContext);
}

export function nodeSizes(wall: boolean): Record<NodeRole, Size> {
  return wall ? WALL_NODE_SIZES : NODE_SIZES;
}
