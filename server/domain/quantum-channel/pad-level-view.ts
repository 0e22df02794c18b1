/**
 * What the console shows of a link's one-time pads (issue 18): per reporting
 * end and per direction, the bytes its QKD device delivered, the bytes used,
 * and what is left (delivered - used), also as whole 256-bit keys; the link's
 * bottleneck (the fewest keys left on any reported stream); and whether its
 * ends disagree. Input is the hub's PadLevels store as the mesh router returns
 * it (counts only, never pad bytes). Pure and browser-safe.
 */
import type { LinkEnd } from "./qkd-stream";

/** A relayed key is 256 bits: one key uses 32 pad bytes on every hop. */
export const KEY_BYTES = 32;

export type PadDirectionName = "A>B" | "B>A";

/** One end's report on one stream, as the PadLevels store holds it. */
export interface PadEndReportInput {
  end: LinkEnd;
  direction: PadDirectionName;
  nodeId: string;
  deliveredBytes: number;
  usedBytes: number;
  reportedAt: string;
}

export interface PadDesyncInput {
  direction: PadDirectionName;
  keyId: string;
  detectedAt: string;
}

export interface LinkPadsInput {
  linkId: string;
  ends: readonly PadEndReportInput[];
  desync: PadDesyncInput | null;
}

export interface PadStreamView {
  direction: PadDirectionName;
  deliveredBytes: number;
  usedBytes: number;
  availableBytes: number;
  /** Whole 256-bit keys the remaining pad can still carry over this hop. */
  availableKeys: number;
  reportedAt: string;
}

export interface PadEndView {
  end: LinkEnd;
  nodeId: string;
  /** Its streams, A>B first. */
  streams: PadStreamView[];
  /** Its latest report. */
  reportedAt: string;
}

export interface LinkPadsView {
  linkId: string;
  /** The ends that reported, A first; empty when neither did. */
  ends: PadEndView[];
  desync: PadDesyncInput | null;
  /** The fewest keys left on any reported stream (the link's bottleneck), null when nothing was reported. */
  availableKeys: number | null;
}

export function padStreamView(r: PadEndReportInput): PadStreamView {
  const availableBytes = Math.max(0, r.deliveredBytes - r.usedBytes);
  return { direction: r.direction, deliveredBytes: r.deliveredBytes, usedBytes: r.usedBytes, availableBytes, availableKeys: Math.floor(availableBytes / KEY_BYTES), reportedAt: r.reportedAt };
}

export function linkPadsView(l: LinkPadsInput): LinkPadsView {
  const ends: PadEndView[] = [];
  for (const end of ["A", "B"] as const) {
    const reports = l.ends.filter((r) => r.end === end).sort((x, y) => x.direction.localeCompare(y.direction));
    if (reports.length === 0) continue;
    const latest = reports.reduce((a, b) => (b.reportedAt > a.reportedAt ? b : a));
    ends.push({ end, nodeId: latest.nodeId, streams: reports.map(padStreamView), reportedAt: latest.reportedAt });
  }
  const keys = ends.flatMap((e) => e.streams.map((s) => s.availableKeys));
  return { linkId: l.linkId, ends, desync: l.desync ? { direction: l.desync.direction, keyId: l.desync.keyId, detectedAt: l.desync.detectedAt } : null, availableKeys: keys.length ? Math.min(...keys) : null };
}

/**
 * The hub's pool figure for a link, from what its two ends reported (issue 18): on each direction both ends
 * reported, the pad bytes both devices delivered beyond the furthest byte used at either end or already reserved
 * by the hub for a key under way; the link's figure is its scarcer direction, in bits, never more than its
 * capacity (a device buffers at most that much). Null while no direction has a report from both ends: the hub
 * then keeps its own model of the link's pool.
 */
export function reportedPoolBits(
  ends: readonly Pick<PadEndReportInput, "end" | "direction" | "deliveredBytes" | "usedBytes">[],
  reservedUpTo: Partial<Record<PadDirectionName, number>>,
  capacityBits: number,
): number | null {
  let bytes: number | null = null;
  for (const direction of ["A>B", "B>A"] as const) {
    const a = ends.find((r) => r.end === "A" && r.direction === direction);
    const b = ends.find((r) => r.end === "B" && r.direction === direction);
    if (!a || !b) continue;
    const taken = Math.max(a.usedBytes, b.usedBytes, reservedUpTo[direction] ?? 0);
    const left = Math.max(0, Math.min(a.deliveredBytes, b.deliveredBytes) - taken);
    bytes = bytes === null ? left : Math.min(bytes, left);
  }
  return bytes === null ? null : Math.max(0, Math.min(capacityBits, bytes * 8));
}
