/**
 * Key states over time (the Keys page's chart): how many keys stood in each
 * state at even steps over a window, rebuilt backwards from today's counts and
 * the audited state changes since (every transition is in the audit chain with
 * its from/to state), so no history table is needed and the figures agree with
 * the chain. `countsOverTime` is pure; `keyStateHistory` reads what it needs,
 * newest first, in bounded pages of the chain's primary key.
 */
import type { Db } from "../db/client";
import { KEY_STATES, isKeyState, type KeyState } from "../domain/lifecycle/key-states";
import type { Clock } from "../time/clock";

export type StateCounts = Record<KeyState, number>;

/** One audited change of a key's state; `from` null for a key's creation, `to` null for a record purged after retention. */
export interface StateChange {
  at: Date;
  from: KeyState | null;
  to: KeyState | null;
}

export interface StateHistoryPoint {
  at: Date;
  counts: StateCounts;
}

export interface StateHistory {
  points: StateHistoryPoint[];
  /** The window's start as drawn: later than asked when the chain was read only back to `readBackTo` (see `complete`). */
  from: Date;
  to: Date;
  /** False when the window held more changes than one request reads; the points then start where reading stopped. */
  complete: boolean;
}

export function zeroCounts(): StateCounts {
  return Object.fromEntries(KEY_STATES.map((s) => [s, 0])) as StateCounts;
}

/**
 * Counts at `steps + 1` even instants from `from` to `to` (the last is `to`,
 * equal to `current`). `changes` are newest first and all at or before `to`;
 * each change after an instant is undone to get the counts at that instant.
 */
export function countsOverTime(current: StateCounts, changes: readonly StateChange[], from: Date, to: Date, steps: number): StateHistoryPoint[] {
  const span = to.getTime() - from.getTime();
  const counts = { ...current };
  const points: StateHistoryPoint[] = new Array(steps + 1);
  let next = 0;
  for (let i = steps; i >= 0; i--) {
    const at = new Date(from.getTime() + Math.round((span * i) / steps));
    while (next < changes.length && changes[next]!.at.getTime() > at.getTime()) {
      const c = changes[next++]!;
      if (c.to) counts[c.to] = Math.max(0, counts[c.to] - 1);
      if (c.from) counts[c.from] += 1;
    }
    points[i] = { at, counts: { ...counts } };
  }
  return points;
}

/** Audit rows read per page, and at most this many pages per request (a busy window is drawn from where reading stopped). */
const PAGE = 5_000;
const MAX_PAGES = 20;

export async function keyStateHistory(db: Db, clock: Clock, hours: number, steps = 72): Promise<StateHistory> {
  const to = clock();
  const since = new Date(to.getTime() - hours * 3_600_000);
  // Today's counts and the chain's head in one snapshot, so no change falls between them.
  const [groups, head] = await db.$transaction(
    async (tx) => [await tx.key.groupBy({ by: ["state"], _count: { _all: true } }), await tx.auditHead.findUnique({ where: { id: 1 } })] as const,
    { isolationLevel: "RepeatableRead" },
  );
  const current = zeroCounts();
  for (const g of groups) current[g.state] = g._count._all;

  const changes: StateChange[] = [];
  let below = head ? head.seq + 1n : 0n;
  let complete = true;
  let readBackTo = since;
  for (let page = 0; ; page++) {
    if (page === MAX_PAGES) {
      complete = false;
      readBackTo = changes.length > 0 ? changes[changes.length - 1]!.at : to;
      break;
    }
    const rows = await db.auditEntry.findMany({
      where: { seq: { lt: below } },
      orderBy: { seq: "desc" },
      take: PAGE,
      select: { seq: true, at: true, subjectType: true, fromState: true, toState: true },
    });
    let done = rows.length < PAGE;
    for (const r of rows) {
      if (r.at.getTime() < since.getTime()) {
        done = true;
        break;
      }
      if (r.subjectType !== "key" || r.fromState === r.toState) continue;
      const fromState = r.fromState !== null && isKeyState(r.fromState) ? r.fromState : null;
      const toState = r.toState !== null && isKeyState(r.toState) ? r.toState : null;
      if (fromState || toState) changes.push({ at: r.at, from: fromState, to: toState });
    }
    if (done || rows.length === 0) break;
    below = rows[rows.length - 1]!.seq;
  }
  const start = complete ? since : readBackTo;
  return { points: countsOverTime(current, changes, start, to, steps), from: start, to, complete };
}
