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

export class PadLevels {
  private readonly byLink = new Map<string, Map<string, PadEndReport>>();
  private readonly desyncs = new Map<string, PadDesync>();
  private readonly listeners = new Set<Listener>();

  /** Replaces what `nodeId` reported for each (link, end, direction) it names. */
  record(nodeId: string, levels: readonly PadEndLevel[], at: Date): void {
    const touched = new Set<string>();
    for (const l of levels) {
      let ends = this.byLink.get(l.linkId);
      if (!ends) this.byLink.set(l.linkId, (ends = new Map()));
      ends.set(`${l.end}|${l.direction}`, { ...l, nodeId, reportedAt: at.toISOString() });
      touched.add(l.linkId);
    }
    if (touched.size > 0) this.emit([...touched]);
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
    const had = this.byLink.delete(linkId) || this.desyncs.delete(linkId);
    if (had) this.emit([linkId]);
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
