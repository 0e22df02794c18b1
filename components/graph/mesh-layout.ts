/**
 * Where the cards go. Stored coordinates come in whatever unit their author
 * used (the demo in screen-ish units, generated meshes in km); one scale per
 * mesh spreads them so that neighbouring cards do not overlap: the median
 * nearest-neighbour distance becomes TARGET_SPACING flow units. The scale
 * depends only on the positions, so live updates never move anything.
 */
const TARGET_SPACING = 235;
/** Enough nodes to estimate the median spacing; the rest follow the same scale. */
const SAMPLE = 400;

export interface Point {
  x: number;
  y: number;
}

export function layoutScale(points: readonly Point[]): number {
  if (points.length < 2) return 1;
  const step = Math.max(1, Math.floor(points.length / SAMPLE));
  const nearest: number[] = [];
  for (let i = 0; i < points.length; i += step) {
    const p = points[i]!;
    let best = Infinity;
    for (let j = 0; j < points.length; j++) {
      if (j === i) continue;
      const q = points[j]!;
      const d = Math.hypot(p.x - q.x, p.y - q.y);
      if (d > 0 && d < best) best = d;
    }
    if (Number.isFinite(best)) nearest.push(best);
  }
  if (nearest.length === 0) return 1;
  nearest.sort((a, b) => a - b);
  const median = nearest[Math.floor(nearest.length / 2)]!;
  return TARGET_SPACING / median;
}
