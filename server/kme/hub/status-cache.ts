/**
 * What status (and enc_keys's pre-check) would otherwise read on every call: a
 * pool's plain count and an application's revocation notices, kept per hub
 * process and reused while the audit head has not moved. Every change of a
 * pool key (claimed, activated, revoked, rotated, destroyed) and every notice
 * appends to the chain in the transaction that makes it, so a figure read
 * after the head was at seq N is still true while the head is at N. The head
 * is read before the figure, in the request's first query (registryView):
 * a change that lands between the two only makes the figure fresher than its
 * tag, and the next call reads again. Hub processes share nothing but the
 * database, which is what makes this hold across them.
 */
import type { RevokedNoticeRow } from "./pool-queries";

/** The most entries each map keeps (the oldest goes first). */
const MAX_ENTRIES = 10_000;

export class StatusCache {
  /** Per pool label: its plain count up to `limit`, read after the head was at `head`. */
  private readonly counts = new Map<string, { head: string; n: number; limit: number }>();
  /** Per SAE: its notices since `since` (ms), read after the head was at `head`. */
  private readonly notices = new Map<string, { head: string; since: number; list: RevokedNoticeRow[] }>();

  /** The pool's plain count up to `limit` as `read` answers it, reused while `head` is the same (null: not cached). */
  async count(pool: string, head: string | null, limit: number, read: (limit: number) => Promise<number>): Promise<number> {
    if (head === null) return read(limit);
    const hit = this.counts.get(pool);
    // A count that stopped at its limit says only "at least": it serves calls that ask no further.
    if (hit && hit.head === head && (hit.n < hit.limit || hit.limit >= limit)) return Math.min(hit.n, limit);
    const n = await read(limit);
    if (!(hit && hit.head === head && hit.limit > limit)) remember(this.counts, pool, { head, n, limit });
    return n;
  }

  /** The SAE's notices since `since` as `read` answers them, reused while `head` is the same (null: not cached). */
  async noticesOf(saeId: string, head: string | null, since: Date, read: () => Promise<RevokedNoticeRow[]>): Promise<RevokedNoticeRow[]> {
    if (head === null) return read();
    const hit = this.notices.get(saeId);
    // Read with an earlier start of the window: what it lacks is older than the window still.
    if (hit && hit.head === head && hit.since <= since.getTime()) return hit.list.filter((n) => n.revokedAt >= since);
    const list = await read();
    remember(this.notices, saeId, { head, since: since.getTime(), list });
    return list;
  }
}

function remember<V>(cache: Map<string, V>, key: string, value: V): void {
  cache.delete(key);
  cache.set(key, value);
  if (cache.size > MAX_ENTRIES) cache.delete(cache.keys().next().value!);
}
