/**
 * Deliveries per minute (the wall's chart): how many key copies reached node
 * agents in each whole minute of a window, and how many distributions failed
 * after their copies were sent. A delivery is a confirmed receipt (proof of
 * possession), stamped once per copy in key_participants.confirmed_at (indexed
 * for this); a failed delivery is a KEY_DISTRIBUTION_FAILED entry of the audit
 * chain from DISTRIBUTED (copies were sent, a receipt was missing or wrong),
 * read through the chain's (action, at) index. Failures at routing (nothing was
 * sent) are not deliveries and are not counted.
 *
 * PostgreSQL counts per minute (at most one row per minute and series); the
 * window and its empty minutes are laid out by `perMinute`, which is pure.
 * Series are named so that copies delivered to applications (ETSI 014, a
 * later issue) become one more series, not another shape.
 */
import { poolOf, type Db } from "../db/client";
import type { Clock } from "../time/clock";

/** What is counted; "toApplications" joins when applications get keys. */
export const DELIVERY_SERIES = ["toAgents", "failed"] as const;
export type DeliverySeries = (typeof DELIVERY_SERIES)[number];
export type DeliveryCounts = Record<DeliverySeries, number>;

/** The windows callers may ask for, in minutes. */
export const MIN_WINDOW_MINUTES = 5;
export const MAX_WINDOW_MINUTES = 24 * 60;

const MINUTE_MS = 60_000;

/** A count for one series in one minute; `minute` is whole minutes since the epoch (UTC). */
export interface MinuteCount {
  minute: number;
  series: DeliverySeries;
  count: number;
}

export interface DeliveryPoint {
  /** The minute's start; the point counts [at, at + 1 min). */
  at: Date;
  counts: DeliveryCounts;
}

export interface DeliveryHistory {
  series: readonly DeliverySeries[];
  /** Every whole minute of the window, oldest first: `minutes` points from `from` to `to` (exclusive). */
  points: DeliveryPoint[];
  from: Date;
  to: Date;
  /** The minute under way (from `to` until now), apart: a partial minute drawn as a point would look like a drop. */
  thisMinute: DeliveryCounts;
  /** Sums over the whole minutes of the window. */
  totals: DeliveryCounts;
  /** When the figures were read, on the server's clock. */
  now: Date;
}

export function zeroDeliveries(): DeliveryCounts {
  return { toAgents: 0, failed: 0 };
}

/** The whole minute an instant falls in (an instant on the minute starts it). */
export function minuteOf(at: Date): number {
  return Math.floor(at.getTime() / MINUTE_MS);
}

/** The window of `minutes` whole minutes that ends where the minute of `now` begins. */
export function windowOf(now: Date, minutes: number): { from: Date; to: Date } {
  const to = minuteOf(now) * MINUTE_MS;
  return { from: new Date(to - minutes * MINUTE_MS), to: new Date(to) };
}

/**
 * Lays per-minute counts out over the window ending at `now`: one point per
 * whole minute (zero where nothing happened), the minute under way apart,
 * counts outside the window (older, or later than now's minute) left out.
 */
export function perMinute(counts: readonly MinuteCount[], now: Date, minutes: number): DeliveryHistory {
  const { from, to } = windowOf(now, minutes);
  const first = minuteOf(from);
  const current = minuteOf(now);
  const points: DeliveryPoint[] = Array.from({ length: minutes }, (_, i) => ({ at: new Date((first + i) * MINUTE_MS), counts: zeroDeliveries() }));
  const thisMinute = zeroDeliveries();
  const totals = zeroDeliveries();
  for (const c of counts) {
    if (c.minute === current) thisMinute[c.series] += c.count;
    else if (c.minute >= first && c.minute < current) {
      points[c.minute - first]!.counts[c.series] += c.count;
      totals[c.series] += c.count;
    }
  }
  return { series: DELIVERY_SERIES, points, from, to, thisMinute, totals, now };
}

/**
 * Both series counted per minute in one statement, from the window's start
 * to now (inclusive; a stamp after now is not counted). Each side is a range
 * of one index: key_participants(confirmed_at) and audit_entries(action, at).
 */
const COUNTS_SQL = `
  SELECT floor(extract(epoch FROM confirmed_at) / 60)::bigint AS minute, 'toAgents' AS series, count(*)::int AS count
    FROM key_participants
   WHERE confirmed_at >= $1 AND confirmed_at <= $2
   GROUP BY 1
  UNION ALL
  SELECT floor(extract(epoch FROM at) / 60)::bigint, 'failed', count(*)::int
    FROM audit_entries
   WHERE action = 'KEY_DISTRIBUTION_FAILED' AND from_state = 'DISTRIBUTED' AND at >= $1 AND at <= $2
   GROUP BY 1`;

export async function deliveryHistory(db: Db, clock: Clock, minutes: number): Promise<DeliveryHistory> {
  const now = clock();
  const { from } = windowOf(now, minutes);
  const { rows } = await poolOf(db).query<{ minute: string; series: DeliverySeries; count: number }>({
    name: "qecnet-deliveries-per-minute",
    text: COUNTS_SQL,
    values: [from, now],
  });
  return perMinute(rows.map((r) => ({ minute: Number(r.minute), series: r.series, count: r.count })), now, minutes);
}
