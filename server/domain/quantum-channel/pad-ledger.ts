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

export class PadLedger {
  /** Delivered bytes for offsets [base, delivered); bytes below `base` were used and dropped. */
  private store = new Uint8Array(0);
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

  /** A copy of the used ranges. */
  usedRanges(): PadRange[] {
    return this.used.map((r) => ({ ...r }));
  }

  /** Bytes from the device; they must continue the delivered run. */
  deliver(slice: PadSlice): { ok: true } | { ok: false; reason: LedgerRefusal } {
    if (slice.index !== this.deliveredEnd) return { ok: false, reason: slice.index < this.deliveredEnd ? "REUSE" : "GAP" };
    if (slice.bytes.length === 0) return { ok: true };
    const keep = this.deliveredEnd - this.base;
    const next = new Uint8Array(keep + slice.bytes.length);
    next.set(this.store.subarray(0, keep));
    next.set(slice.bytes, keep);
    this.store = next;
    this.deliveredEnd += slice.bytes.length;
    return { ok: true };
  }

  /**
   * Gives up every byte below `index` (an end whose far end moved on will never be asked for them, and holding them
   * would grow the store without bound): unused ones are wiped and can never be used after, as if used; `usedBytes`
   * does not count them. Moves the delivered run forward when `index` lies beyond it.
   */
  discardBelow(index: number): void {
    if (!Number.isSafeInteger(index) || index <= this.base) return;
    const from = Math.min(index, this.deliveredEnd) - this.base;
    this.store.fill(0, 0, from);
    this.store = this.store.slice(from);
    this.base = index;
    if (this.deliveredEnd < index) this.deliveredEnd = index;
    this.used = this.used.filter((u) => u.end > index).map((u) => ({ start: Math.max(u.start, index), end: u.end }));
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

  private overlapsUsed(r: PadRange): boolean {
    return this.used.some((u) => u.start < r.end && r.start < u.end);
  }

  /** Copies the bytes out, wipes them in the store, records the range and drops what lies below every gap. */
  private use(r: PadRange): PadSlice {
    const from = r.start - this.base;
    const bytes = this.store.slice(from, from + (r.end - r.start));
    this.store.fill(0, from, from + (r.end - r.start));
    this.used.push({ ...r });
    this.used.sort((x, y) => x.start - y.start);
    const merged: PadRange[] = [];
    for (const u of this.used) {
      const last = merged[merged.length - 1];
      if (last && last.end === u.start) last.end = u.end;
      else merged.push({ ...u });
    }
    this.used = merged;
    this.usedTotal += r.end - r.start;
    // The used run at the base can be dropped from the store (its bytes are wiped and never read again).
    const first = this.used[0];
    if (first && first.start <= this.base && first.end - this.base >= 4096) {
      this.store = this.store.slice(first.end - this.base);
      this.base = first.end;
    }
    return { index: r.start, bytes };
  }
}
