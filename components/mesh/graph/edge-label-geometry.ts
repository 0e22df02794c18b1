/**
 * Where a link's label goes: at the middle of the part of the line that is
 * not under either node card, and only if the label fits there. Short links
 * between big cards get the compact label (QBER only) or none at all, so a
 * label never covers a node (the details are one click away in the panel).
 */
export interface Box {
  cx: number;
  cy: number;
  width: number;
  height: number;
}

export type LabelFit = "full" | "compact" | "none";

export interface LabelPlacement {
  x: number;
  y: number;
  fit: LabelFit;
}

/** Estimated label sizes in flow units (the label is HTML in the flow's coordinate system). */
export const FULL_LABEL = { width: 132, height: 46 };
export const FULL_LABEL_WITH_VIA = { width: 150, height: 64 };
export const COMPACT_LABEL = { width: 58, height: 24 };
const CLEARANCE = 10;

/** Fraction of the segment from a card's centre to where the line leaves the card (plus clearance). */
function exitFraction(box: Box, dx: number, dy: number): number {
  const tx = dx === 0 ? Infinity : (box.width / 2 + CLEARANCE) / Math.abs(dx);
  const ty = dy === 0 ? Infinity : (box.height / 2 + CLEARANCE) / Math.abs(dy);
  return Math.min(tx, ty);
}

/** How much of the line a label of this size takes up, measured along the line. */
function spanAlong(size: { width: number; height: number }, ux: number, uy: number): number {
  return Math.abs(size.width * ux) + Math.abs(size.height * uy);
}

export function placeLabel(source: Box, target: Box, full: { width: number; height: number }): LabelPlacement {
  const dx = target.cx - source.cx;
  const dy = target.cy - source.cy;
  const length = Math.hypot(dx, dy);
  if (length === 0) return { x: source.cx, y: source.cy, fit: "none" };
  const t0 = exitFraction(source, dx, dy);
  const t1 = 1 - exitFraction(target, dx, dy);
  const x = source.cx + dx * ((t0 + t1) / 2);
  const y = source.cy + dy * ((t0 + t1) / 2);
  if (t1 <= t0) return { x, y, fit: "none" };
  const free = (t1 - t0) * length;
  const ux = dx / length;
  const uy = dy / length;
  if (free >= spanAlong(full, ux, uy)) return { x, y, fit: "full" };
  if (free >= spanAlong(COMPACT_LABEL, ux, uy)) return { x, y, fit: "compact" };
  return { x, y, fit: "none" };
}
