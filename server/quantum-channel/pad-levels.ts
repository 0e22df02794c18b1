/**
 * What the hub knows of the one-time pads at every link end (issue 18): the
 * levels each end reports (agent processes with their heartbeats, in-process
 * agents and the hub's own ends directly), and the links whose two ends were
 * found to disagree (a hop whose receiver decrypted something else than its
 * sender encrypted). Pads travel as bytes only between a link's two ends; the
 * hub holds no pad bytes of links it is not an end of, and this store holds
 * no bytes at all: counts and offsets only. In memory, per console process:
 * ends report again within one heartbeat after a restart.
 */
import { reportedPoolBits } from "../domain/quantum-channel/pad-level-view";
import type { LinkEnd } from "../domain/quantum-channel/qkd-stream";

/** A link carries two key streams, one per direction (A>B: A's end sends, B's end receives). */
export type PadDirection = "A>B" | "B>A";

/** One end's level on one of its link's streams. */
export interface PadEndLevel {
  linkId: string;
  /** The reporting end (A = the link's aNodeId). */
  end: LinkEnd;
  direction: PadDirection;
  /** Bytes its QKD device delivered on this stream so far (one past the highest index it holds). */
  deliveredBytes: number;
  /** Bytes used at this end on this stream so far (each used once, then wiped). */
  usedBytes: number;
}

export interface PadEndReport extends PadEndLevel {
  nodeId: string;
  /** ISO time of the report (the hub's clock when it was recorded). */
  reportedAt: string;
}

export interface PadDesync {
  linkId: string;
  direction: PadDirection;
  /** The key whose hop over this link decrypted to other bytes than were sent. */
  keyId: string;
  detectedAt: string;
}

export interface LinkPads {
  linkId: string;
  ends: PadEndReport[];
  /** Set while the link's ends disagree (cleared when the link is resynchronised). */
  desync: PadDesync | null;
}

type Listener = (linkIds: readonly string[]) => void;

/** A report older than this no longer counts for a link's pool (agents report with every heartbeat, every few seconds). */
export const REPORT_MAX_AGE_MS = 30_000;

export class PadLevels {
  private readonly byLink = new Map<string, Map<string, PadEndReport>>();
  private readonly desyncs = new Map<string, PadDesync>();
  /** Per link and direction, one past the highest pad byte the hub reserved for a key (its cursor, as last seen). */
  private readonly reserved = new Map<string, Partial<Record<PadDirection, number>>>();
  private readonly listeners = new Set<Listener>();

  /** Replaces what `nodeId` reported for each (link, end, direction) it names; listeners hear of the links that changed. */
  record(nodeId: string, levels: readonly PadEndLevel[], at: Date): void {
    const touched = new Set<string>();
    const reportedAt = at.toISOString();
    for (const l of levels) {
      let ends = this.byLink.get(l.linkId);
      if (!ends) this.byLink.set(l.linkId, (ends = new Map()));
      const key = `${l.end}|${l.direction}`;
      const before = ends.get(key);
      // Built field by field: a spread with added fields ({ ...l, nodeId, reportedAt }) cost ten times as much in V8,
      // and every relay step and delivery of an in-process agent reports here.
      ends.set(key, { linkId: l.linkId, end: l.end, direction: l.direction, deliveredBytes: l.deliveredBytes, usedBytes: l.usedBytes, nodeId, reportedAt });
      // Only a change is news (ends in this process report every simulator tick; a full buffer stays as it is).
      if (!before || before.nodeId !== nodeId || before.deliveredBytes !== l.deliveredBytes || before.usedBytes !== l.usedBytes) touched.add(l.linkId);
    }
    if (touched.size > 0) this.emit([...touched]);
  }

  /** The hub reserved pad bytes up to (not including) `upTo` on a link direction for a key under way. */
  noteReserved(linkId: string, direction: PadDirection, upTo: number): void {
    let r = this.reserved.get(linkId);
    if (!r) this.reserved.set(linkId, (r = {}));
    r[direction] = Math.max(r[direction] ?? 0, upTo);
  }

  /**
   * The link's pool in bits as its ends report it (both ends on a direction, less what the hub reserved since),
   * capped at `capacityBits`; null until both ends reported (the mesh simulator keeps its own model then).
   */
  poolBits(linkId: string, capacityBits: number, now: Date, maxAgeMs = REPORT_MAX_AGE_MS): number | null {
    const ends = this.byLink.get(linkId);
    if (!ends) return null;
    // An end that stopped reporting (its agent gone) no longer vouches for its pad.
    const since = new Date(now.getTime() - maxAgeMs).toISOString();
    const fresh = [...ends.values()].filter((r) => r.reportedAt >= since);
    return reportedPoolBits(fresh, this.reserved.get(linkId) ?? {}, capacityBits);
  }

  markDesync(d: PadDesync): void {
    this.desyncs.set(d.linkId, d);
    this.emit([d.linkId]);
  }

  clearDesync(linkId: string): boolean {
    const had = this.desyncs.delete(linkId);
    if (had) this.emit([linkId]);
    return had;
  }

  /** Forgets a link (removed from the mesh). */
  forget(linkId: string): void {
    this.reserved.delete(linkId);
    const hadLevels = this.byLink.delete(linkId);
    const hadDesync = this.desyncs.delete(linkId);
    if (hadLevels || hadDesync) this.emit([linkId]);
  }

  /** The links whose ends were found to disagree (routes avoid them until they are resynchronised). */
  desyncedLinkIds(): string[] {
    return [...this.desyncs.keys()];
  }

  get(linkId: string): LinkPads {
    return { linkId, ends: [...(this.byLink.get(linkId)?.values() ?? [])], desync: this.desyncs.get(linkId) ?? null };
  }

  all(): LinkPads[] {
    const ids = new Set([...this.byLink.keys(), ...this.desyncs.keys()]);
    return [...ids].sort().map((id) => this.get(id));
  }

  /** Called with the links whose levels or desync state changed; returns the unsubscribe function. */
  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  private emit(linkIds: readonly string[]): void {
    for (const l of this.listeners) l(linkIds);
  }
}
