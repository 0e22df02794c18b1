/**
 * Where a link's label goes: on the line, between the two cards, never over
 * either of them. A label box centred at P misses a card exactly when P lies
 * outside the card grown by half the label's size on every side, so the label
 * fits when the line leaves the grown source card before it enters the grown
 * target card; it goes halfway between. Short links between big cards get the
 * compact label (QBER only) or none at all (the panel has every figure).
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

export interface Size {
  width: number;
  height: number;
}

/** Label sizes in flow units (the label is HTML in the flow's coordinate system), a little generous. */
export const FULL_LABEL: Size = { width: 132, height: 46 };
export const FULL_LABEL_WITH_VIA: Size = { width: 150, height: 64 };
export const COMPACT_LABEL: Size = { width: 58, height: 24 };
/** Space kept between a label and a card. */
export const CLEARANCE = 6;

/** Fraction of the centre-to-centre segment at which it leaves `box` grown by half of `label` (plus clearance). */
function exitFraction(box: Box, label: Size, dx: number, dy: number): number {
  const tx = dx === 0 ? Infinity : (box.width / 2 + label.width / 2 + CLEARANCE) / Math.abs(dx);
  const ty = dy === 0 ? Infinity : (box.height / 2 + label.height / 2 + CLEARANCE) / Math.abs(dy);
  return Math.min(tx, ty);
}

/** The free stretch of the line for a label of this size, as fractions [from, to], or null if there is none. */
function freeStretch(source: Box, target: Box, label: Size): [number, number] | null {
  const dx = target.cx - source.cx;
  const dy = target.cy - source.cy;
  const from = exitFraction(source, label, dx, dy);
  const to = 1 - exitFraction(target, label, dx, dy);
  return from < to ? [from, to] : null;
}

export function placeLabel(source: Box, target: Box, full: Size): LabelPlacement {
  const at = (t: number) => ({ x: source.cx + (target.cx - source.cx) * t, y: source.cy + (target.cy - source.cy) * t });
  if (source.cx === target.cx && source.cy === target.cy) return { ...at(0), fit: "none" };
  const wide = freeStretch(source, target, full);
  if (wide) return { ...at((wide[0] + wide[1]) / 2), fit: "full" };
  const narrow = freeStretch(source, target, COMPACT_LABEL);
  if (narrow) return { ...at((narrow[0] + narrow[1]) / 2), fit: "compact" };
  return { ...at(0.5), fit: "none" };
}
