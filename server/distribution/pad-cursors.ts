/**
 * The hub's pad cursors (link_pad_cursors): each key's hops take their pad
 * ranges here, and the ranges are recorded with the key's routes
 * (key_routes.pad_offsets) before a byte is sent.
 *
 * A cursor only ever grows, in PostgreSQL, so no offset is handed out twice,
 * across restarts and hub instances alike. Every key crossing a link in one
 * direction takes from the same row; one UPSERT per hop made every concurrent
 * key wait for that row's lock and a commit of its own (bench:recovery: ~1 s of
 * a 300-key redistribution's 1.1 s went to allocation, ~0 ms to relaying).
 * So requests are coalesced: while one batch is in the database the next one
 * gathers, and a batch is two statements whatever its size: one UPSERT that
 * advances each cursor it touches once, by the sum of its requests (rows
 * locked in (link, direction) order, so two hub instances cannot deadlock),
 * and one UPDATE recording every route's offsets. Within a batch the ranges of
 * a cursor are laid out in the order the requests came.
 *
 * A crash between the two statements (or before the pads are used) only skips
 * pad, never reuses it. Offsets are the caller's to use once this resolves.
 */
import type { Db } from "../db/client";
import { poolOf } from "../db/client";
import type { PadDirection } from "../quantum-channel/pad-levels";

export interface HopCursor {
  linkId: string;
  direction: PadDirection;
}

interface Request {
  keyId: string;
  nodeId: string;
  hops: readonly HopCursor[];
  bytes: number;
  resolve: (offsets: number[]) => void;
  reject: (err: unknown) => void;
}

export class PadCursors {
  private queue: Request[] = [];
  private flushing = false;

  constructor(
    private readonly db: Db,
    /** Told the end of each cursor's new reservations (the pool figures count them as used). */
    private readonly onReserved: (linkId: string, direction: PadDirection, upTo: number) => void = () => undefined,
  ) {}

  /** Takes `bytes` from each hop's cursor for the route of `keyId` to `nodeId`, and records the offsets with that route. */
  take(keyId: string, nodeId: string, hops: readonly HopCursor[], bytes: number): Promise<number[]> {
    // A cursor only ever grows: a length that is not a positive whole number of bytes would move it back (or poison
    // the batch it joins), so it is refused here, before it reaches the database.
    if (!Number.isSafeInteger(bytes) || bytes <= 0) return Promise.reject(new RangeError(`pad length ${bytes} for key ${keyId} is not a positive whole number of bytes`));
    if (hops.length === 0) return Promise.resolve([]);
    return new Promise<number[]>((resolve, reject) => {
      this.queue.push({ keyId, nodeId, hops, bytes, resolve, reject });
      if (!this.flushing) {
        this.flushing = true;
        // Let the requests of this turn of the event loop join the first batch.
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        try {
          const offsets = await this.allocate(batch);
          batch.forEach((r, i) => r.resolve(offsets[i]!));
        } catch (err) {
          for (const r of batch) r.reject(err);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  private async allocate(batch: readonly Request[]): Promise<number[][]> {
    // Each cursor's total, and each hop's place within it, in request order.
    const totals = new Map<string, { linkId: string; direction: PadDirection; total: number }>();
    const relative = batch.map((r) => r.hops.map((h) => {
      const id = `${h.linkId}\u0000${h.direction}`;
      let c = totals.get(id);
      if (!c) totals.set(id, (c = { linkId: h.linkId, direction: h.direction, total: 0 }));
      const at = c.total;
      c.total += r.bytes;
      return { id, at };
    }));
    const cursors = [...totals.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const pool = poolOf(this.db);
    const { rows } = await pool.query<{ link_id: string; direction: string; next_offset: string }>(
      `INSERT INTO link_pad_cursors (link_id, direction, next_offset)
       SELECT l, d, n FROM unnest($1::text[], $2::text[], $3::bigint[]) WITH ORDINALITY AS c(l, d, n, i) ORDER BY i
       ON CONFLICT (link_id, direction) DO UPDATE SET next_offset = link_pad_cursors.next_offset + EXCLUDED.next_offset
       RETURNING link_id, direction, next_offset::text`,
      [cursors.map(([, c]) => c.linkId), cursors.map(([, c]) => c.direction), cursors.map(([, c]) => c.total)],
    );
    const start = new Map<string, number>();
    for (const row of rows) {
      const id = `${row.link_id}\u0000${row.direction}`;
      const end = Number(row.next_offset);
      start.set(id, end - totals.get(id)!.total);
      this.onReserved(row.link_id, row.direction as PadDirection, end);
    }
    const offsets = relative.map((hops) => hops.map(({ id, at }) => {
      const s = start.get(id);
      if (s === undefined) throw new Error(`pad cursor ${id.replace("\u0000", " ")} was not advanced`);
      return s + at;
    }));
    await pool.query(
      `UPDATE key_routes r SET pad_offsets = v.offsets::bigint[]
         FROM unnest($1::uuid[], $2::text[], $3::text[]) AS v(key_id, node_id, offsets)
        WHERE r.key_id = v.key_id AND r.node_id = v.node_id`,
      [batch.map((r) => r.keyId), batch.map((r) => r.nodeId), offsets.map((o) => `{${o.join(",")}}`)],
    );
    return offsets;
  }
}
