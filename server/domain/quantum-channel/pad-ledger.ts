/**
 * The pad ledger of one link end: the pad bytes its QKD device delivered (a
 * contiguous run of the link's key stream, by index) and the offset ranges
 * already used. A sender takes the next unused range (`take`), a receiver
 * uses exactly the range the sender announced (`claim`); either refuses
 * rather than going past what the device delivered (a pool never goes
 * negative) or touching a byte used before (a pad byte is used once). Used
 * bytes are wiped. Pure: no I/O, no clock.
 */
import type { PadSlice } from "./qkd-stream";

/** Offsets [start, end) into the link's key stream. */
export interface PadRange {
  start: number;
  end: number;
}

export type LedgerRefusal =
  /** Fewer unused bytes delivered than asked for: wait for the device, or fail. */
  | "SHORT"
  /** The range overlaps bytes already used at this end. */
  | "REUSE"
  /** The device handed over bytes that do not continue the delivered run. */
  | "GAP"
  | "BAD_LENGTH";

export type LedgerResult = { ok: true; slice: PadSlice } | { ok: false; reason: LedgerRefusal };

/** An empty store up to this size is kept for the next bytes; a bigger one is let go. */
const KEPT_STORE_BYTES = 4096;

export class PadLedger {
  /**
   * Delivered bytes for offsets [base, deliveredEnd) lie at buf[head, head + deliveredEnd - base); every other
   * byte of buf is zero. Appends go at the end and dropping bytes below moves `head`, so neither copies the store:
   * it is reallocated (doubling) or compacted only when full, which is amortised over the bytes appended or
   * dropped since. It was copied whole by every delivery and every drop, an allocation each time.
   */
  private buf = new Uint8Array(0);
  private head = 0;
  private base = 0;
  private deliveredEnd = 0;
  /** Used ranges, sorted and disjoint (adjacent ranges merged). */
  private used: PadRange[] = [];
  private usedTotal = 0;

  constructor(
    readonly linkId: string,
    readonly end: "A" | "B",
  ) {}

  /** Offset one past the last byte the device delivered. */
  get delivered(): number {
    return this.deliveredEnd;
  }

  /** Offsets below this can never be used again (used, wiped, or given up by discardBelow). */
  get floor(): number {
    return this.base;
  }

  /** Bytes used at this end so far (never more than delivered). */
  get usedBytes(): number {
    return this.usedTotal;
  }

  /** The offset the next `take` starts at: one past the highest used byte. */
  get nextFree(): number {
    return this.used.length ? this.used[this.used.length - 1]!.end : this.base;
  }

  /** Bytes a sender can take now; never negative. */
  get available(): number {
    return Math.max(0, this.deliveredEnd - this.nextFree);
  }

  /** Bytes this ledger holds in memory (diagnostics and tests: it follows the unused bytes kept, not the stream's length). */
  get storeBytes(): number {
    return this.buf.length;
  }

  /** A copy of the used ranges. */
  usedRanges(): PadRange[] {
    return this.used.map((r) => ({ ...r }));
  }

  /** Bytes from the device; they must continue the delivered run. */
  deliver(slice: PadSlice): { ok: true } | { ok: false; reason: LedgerRefusal } {
    if (slice.index !== this.deliveredEnd) return { ok: false, reason: slice.index < this.deliveredEnd ? "REUSE" : "GAP" };
    const n = slice.bytes.length;
    if (n === 0) return { ok: true };
    const live = this.deliveredEnd - this.base;
    if (this.head + live + n > this.buf.length) this.makeRoom(live, n);
    this.buf.set(slice.bytes, this.head + live);
    this.deliveredEnd += n;
    return { ok: true };
  }

  /**
   * Gives up every byte below `index` (an end whose far end moved on will never be asked for them, and holding them
   * would grow the store without bound): unused ones are wiped and can never be used after, as if used; `usedBytes`
   * does not count them. Moves the delivered run forward when `index` lies beyond it.
   */
  discardBelow(index: number): void {
    if (!Number.isSafeInteger(index) || index <= this.base) return;
    this.dropBelow(index);
    let gone = 0;
    while (gone < this.used.length && this.used[gone]!.end <= index) gone++;
    if (gone > 0) this.used.splice(0, gone);
    const first = this.used[0];
    if (first && first.start < index) this.used[0] = { start: index, end: first.end };
  }

  /** Sender side: the next n unused bytes, marked used. */
  take(n: number): LedgerResult {
    if (!Number.isInteger(n) || n <= 0) return { ok: false, reason: "BAD_LENGTH" };
    const start = this.nextFree;
    if (start + n > this.deliveredEnd) return { ok: false, reason: "SHORT" };
    return { ok: true, slice: this.use({ start, end: start + n }) };
  }

  /** Receiver side: exactly the range the sender announced; refused if any byte of it was used or not delivered. */
  claim(range: PadRange): LedgerResult {
    const n = range.end - range.start;
    if (!Number.isInteger(range.start) || !Number.isInteger(n) || range.start < 0 || n <= 0) return { ok: false, reason: "BAD_LENGTH" };
    if (range.start < this.base || this.overlapsUsed(range)) return { ok: false, reason: "REUSE" };
    if (range.end > this.deliveredEnd) return { ok: false, reason: "SHORT" };
    return { ok: true, slice: this.use(range) };
  }

  /** Index of the first used range starting after `offset` (binary search: ranges are sorted). */
  private after(offset: number): number {
    let lo = 0;
    let hi = this.used.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.used[mid]!.start <= offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Ranges are disjoint and sorted, so the last one starting before r ends is the only one that can reach into it. */
  private overlapsUsed(r: PadRange): boolean {
    const before = this.after(r.end - 1) - 1;
    return before >= 0 && this.used[before]!.end > r.start;
  }

  /** Copies the bytes out, wipes them in the store, records the range and drops what lies below every gap. */
  private use(r: PadRange): PadSlice {
    const from = this.head + (r.start - this.base);
    const len = r.end - r.start;
    const bytes = this.buf.slice(from, from + len);
    this.buf.fill(0, from, from + len);
    this.insertUsed(r);
    this.usedTotal += len;
    // The used run at the base is dropped from the store (its bytes are wiped and never read again).
    const first = this.used[0]!;
    if (first.start <= this.base && first.end > this.base) this.dropBelow(first.end);
    return { index: r.start, bytes };
  }

  /** Records a range that overlaps none used, merged with the ranges it touches. */
  private insertUsed(r: PadRange): void {
    const i = this.after(r.start);
    const prev = this.used[i - 1];
    const next = this.used[i];
    const joinsPrev = prev !== undefined && prev.end === r.start;
    const joinsNext = next !== undefined && next.start === r.end;
    if (joinsPrev && joinsNext) {
      prev.end = next.end;
      this.used.splice(i, 1);
    } else if (joinsPrev) prev.end = r.end;
    else if (joinsNext) next.start = r.start;
    else this.used.splice(i, 0, { start: r.start, end: r.end });
  }

  /** Wipes and forgets the stored bytes below `index` (> base); the delivered run moves forward when it lies beyond. */
  private dropBelow(index: number): void {
    const gone = Math.min(index, this.deliveredEnd) - this.base;
    this.buf.fill(0, this.head, this.head + gone);
    this.head += gone;
    this.base = index;
    if (this.deliveredEnd < index) this.deliveredEnd = index;
    if (this.deliveredEnd === this.base) {
      // Nothing stored (every byte of buf is zero): start again at the front, in a small store if this one grew.
      this.head = 0;
      if (this.buf.length > KEPT_STORE_BYTES) this.buf = new Uint8Array(0);
    }
  }

  /**
   * Room for n more bytes after the `live` ones: compacts to the front when that frees enough, else reallocates
   * at twice what is needed (growing, or shrinking a store far larger than its bytes, so memory follows them).
   */
  private makeRoom(live: number, n: number): void {
    const need = live + n;
    const size = Math.max(256, need * 2);
    if (need <= this.buf.length >> 1 && this.buf.length <= size * 2) {
      this.buf.copyWithin(0, this.head, this.head + live);
      this.buf.fill(0, live, this.head + live);
    } else {
      const next = new Uint8Array(size);
      next.set(this.buf.subarray(this.head, this.head + live));
      this.buf.fill(0);
      this.buf = next;
    }
    this.head = 0;
  }
}
