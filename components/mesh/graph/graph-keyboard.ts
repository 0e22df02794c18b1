/**
 * Keyboard moves inside the mesh graph, which is one tab stop: an arrow key
 * moves the keyboard focus to the nearest node in the arrow's direction,
 * geometrically (screen axes: y grows downwards). Pure, so it is unit-tested
 * apart from React Flow.
 */

export type ArrowKey = "ArrowUp" | "ArrowDown" | "ArrowLeft" | "ArrowRight";

export interface GraphPoint {
  id: string;
  x: number;
  y: number;
}

const DIRECTIONS: Record<ArrowKey, { dx: number; dy: number }> = {
  ArrowRight: { dx: 1, dy: 0 },
  ArrowLeft: { dx: -1, dy: 0 },
  ArrowDown: { dx: 0, dy: 1 },
  ArrowUp: { dx: 0, dy: -1 },
};

export function isArrowKey(key: string): key is ArrowKey {
  return key in DIRECTIONS;
}

/** Sideways distance weighs more than distance along the arrow: the move feels straight. */
const SIDEWAYS_WEIGHT = 2;

/**
 * The node an arrow key moves to from `from`: among the nodes ahead in the
 * arrow's direction, those within 45° of it first, and of those the one with
 * the smallest distance ahead plus twice the sideways distance. Null when
 * nothing lies that way (the focus stays put).
 */
export function nearestInDirection(from: GraphPoint, points: readonly GraphPoint[], key: ArrowKey): string | null {
  const { dx, dy } = DIRECTIONS[key];
  let best: { id: string; cone: boolean; score: number } | null = null;
  for (const p of points) {
    if (p.id === from.id) continue;
    const ahead = (p.x - from.x) * dx + (p.y - from.y) * dy;
    if (ahead <= 0) continue;
    const sideways = Math.abs((p.x - from.x) * dy - (p.y - from.y) * dx);
    const cone = sideways <= ahead;
    const score = ahead + SIDEWAYS_WEIGHT * sideways;
    if (!best || (cone && !best.cone) || (cone === best.cone && score < best.score)) best = { id: p.id, cone, score };
  }
  return best?.id ?? null;
}

/** The node nearest a point (where the keyboard focus starts: the middle of what is on screen). */
export function nearestTo(x: number, y: number, points: readonly GraphPoint[]): string | null {
  let best: { id: string; d: number } | null = null;
  for (const p of points) {
    const d = (p.x - x) ** 2 + (p.y - y) ** 2;
    if (!best || d < best.d) best = { id: p.id, d };
  }
  return best?.id ?? null;
}
