/**
 * Keyboard moves inside the mesh graph, which is one tab stop. The focus is on
 * a node or on a link: an arrow key moves it to the nearest element of the same
 * kind in the arrow's direction (a link counts at its midpoint), Shift+arrow
 * crosses over: from a node to one of its own links that way, from a link to
 * its end that way. Geometric, on screen axes (y grows downwards). Pure, so it
 * is unit-tested apart from React Flow.
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

/** What has the keyboard focus inside the graph. */
export interface GraphFocus {
  kind: "node" | "link";
  id: string;
}

export interface GraphLinkEnds {
  id: string;
  a: string;
  b: string;
}

/** A link's midpoint, where it stands for the arrow keys. */
function midpoint(l: GraphLinkEnds, at: ReadonlyMap<string, GraphPoint>): GraphPoint | null {
  const a = at.get(l.a);
  const b = at.get(l.b);
  return a && b ? { id: l.id, x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 } : null;
}

/**
 * Where a key press moves the graph's keyboard focus (null: it stays put).
 * Arrow: the nearest element of the same kind that way. Shift+arrow: from a
 * node, the nearest of its own links that way (by midpoint); from a link, its
 * end that way.
 */
export function moveFocus(
  focus: GraphFocus,
  nodes: readonly GraphPoint[],
  links: readonly GraphLinkEnds[],
  key: ArrowKey,
  cross: boolean,
): GraphFocus | null {
  const at = new Map(nodes.map((n) => [n.id, n]));
  if (focus.kind === "node") {
    const from = at.get(focus.id);
    if (!from) return null;
    if (!cross) {
      const id = nearestInDirection(from, nodes, key);
      return id ? { kind: "node", id } : null;
    }
    const own = links.filter((l) => l.a === focus.id || l.b === focus.id).flatMap((l) => midpoint(l, at) ?? []);
    const id = nearestInDirection(from, own, key);
    return id ? { kind: "link", id } : null;
  }
  const link = links.find((l) => l.id === focus.id);
  const from = link ? midpoint(link, at) : null;
  if (!link || !from) return null;
  if (cross) {
    const ends = [at.get(link.a), at.get(link.b)].filter((p): p is GraphPoint => p !== undefined);
    const id = nearestInDirection(from, ends, key);
    return id ? { kind: "node", id } : null;
  }
  const mids = links.flatMap((l) => midpoint(l, at) ?? []);
  const id = nearestInDirection(from, mids, key);
  return id ? { kind: "link", id } : null;
}
