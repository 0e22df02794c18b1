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

export function placeLabel(source: Box, target: Box, full: Size, compact: Size = COMPACT_LABEL): LabelPlacement {
  const at = (t: number) => ({ x: source.cx + (target.cx - source.cx) * t, y: source.cy + (target.cy - source.cy) * t });
  if (source.cx === target.cx && source.cy === target.cy) return { ...at(0), fit: "none" };
  const wide = freeStretch(source, target, full);
  if (wide) return { ...at((wide[0] + wide[1]) / 2), fit: "full" };
  const narrow = freeStretch(source, target, compact);
  if (narrow) return { ...at((narrow[0] + narrow[1]) / 2), fit: "compact" };
  return { ...at(0.5), fit: "none" };
}

/** Whether a label of `size` centred at `p` overlaps `box` grown by the clearance. */
export function labelOverlaps(p: { x: number; y: number }, size: Size, box: Box): boolean {
  return Math.abs(p.x - box.cx) < (size.width + box.width) / 2 + CLEARANCE && Math.abs(p.y - box.cy) < (size.height + box.height) / 2 + CLEARANCE;
}

/** Where along the free stretch to try a label: the middle first, then outwards. */
const TRIES = [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8, 0.1, 0.9, 0, 1];

/**
 * As placeLabel, and clear of every other card too: a link that passes under
 * a third card gets its label at the first spot along its free stretch that
 * no card covers (full, then compact), or none.
 */
export function placeLabelAmong(source: Box, target: Box, full: Size, compact: Size, cards: readonly Box[]): LabelPlacement {
  const at = (t: number) => ({ x: source.cx + (target.cx - source.cx) * t, y: source.cy + (target.cy - source.cy) * t });
  if (source.cx === target.cx && source.cy === target.cy) return { ...at(0), fit: "none" };
  // Only cards near the segment can be in the way.
  const reach = Math.max(full.width, full.height) + CLEARANCE;
  const x0 = Math.min(source.cx, target.cx) - reach, x1 = Math.max(source.cx, target.cx) + reach;
  const y0 = Math.min(source.cy, target.cy) - reach, y1 = Math.max(source.cy, target.cy) + reach;
  const near = cards.filter((c) => c !== source && c !== target && c.cx + c.width / 2 > x0 && c.cx - c.width / 2 < x1 && c.cy + c.height / 2 > y0 && c.cy - c.height / 2 < y1);
  for (const [size, fit] of [[full, "full"], [compact, "compact"]] as const) {
    const stretch = freeStretch(source, target, size);
    if (!stretch) continue;
    for (const f of TRIES) {
      const p = at(stretch[0] + (stretch[1] - stretch[0]) * f);
      if (!near.some((c) => labelOverlaps(p, size, c))) return { ...p, fit };
    }
  }
  return { ...at(0.5), fit: "none" };
}
