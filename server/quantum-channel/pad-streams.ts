/**
 * One node's ends of the one-time-pad key streams (issue 18). A link carries
 * two streams, one per direction (`${linkId}:A>B`: the A end sends); each end
 * of a stream has its own simulated QKD device (the same bytes at the same
 * index at both ends: keyStreamBytes under HMAC(channel seed, stream id)) and
 * a PadLedger that hands each byte out once, whichever side uses it.
 *
 * The device's production, kept simple but honest: its buffer holds at most
 * the link's capacity beyond the highest byte used; it is full when this end
 * first sees the link (a device pair fills its buffer before its link is put
 * into service, and goes on producing while its agent restarts), and it
 * refills at the link's secret key rate as bytes are used. Both ends use the same figures
 * (the hub tells each agent its link ends) and the same offsets, so they stay
 * close; neither hands out a byte its own device has not produced yet; a
 * range past it is refused (SHORT) and the hop fails. Bytes are pulled from the device lazily, up to
 * the end of the range used, so a device fault (skip) shifts the bytes of
 * every later use. The ledgers' state (delivered count and used ranges) is
 * what an agent persists before it answers (snapshot/restore).
 */
import type { PadEndLevel, PadDirection } from "./pad-levels";
import type { LinkEnd } from "../domain/quantum-channel/qkd-stream";
import { PadLedger } from "../domain/quantum-channel/pad-ledger";
import { keyStreamBytes, streamSeed } from "./qkd-device";

/** What a node knows of one of its link ends (sent by the hub in the welcome and heartbeat answers). */
export interface LinkEndConfig {
  linkId: string;
  end: LinkEnd;
  peerNodeId: string;
  /** Secret key rate in bit/s. */
  rateBps: number;
  /** Device buffer: bytes it holds at most beyond the highest byte used. */
  capacityBytes: number;
  /** When the link's devices started (ms since the epoch). */
  epochMs: number;
}

/**
 * How far behind the newest range an end keeps unused bytes (keys of one distribution may arrive out of order);
 * older unused bytes are given up (their far end moved on), so an end's memory stays bounded.
 */
export const REORDER_WINDOW_BYTES = 256 * 1024;

export const DIRECTIONS: readonly PadDirection[] = ["A>B", "B>A"];

export const streamIdOf = (linkId: string, direction: PadDirection) => `${linkId}:${direction}`;
/** The direction of a hop over a link that leaves from `fromEnd`. */
export const directionFrom = (fromEnd: LinkEnd): PadDirection => (fromEnd === "A" ? "A>B" : "B>A");

export type PadUse = { ok: true; pad: Uint8Array } | { ok: false; reason: "UNKNOWN_LINK" | "SHORT" | "REUSE" | "GAP" | "BAD_LENGTH" };

export interface PadSnapshot {
  v: 1;
  streams: Record<string, { linkId: string; end: LinkEnd; direction: PadDirection; floor?: number; delivered: number; used: Array<[number, number]> }>;
}

interface StreamEnd {
  linkId: string;
  direction: PadDirection;
  ledger: PadLedger;
  seed: Uint8Array;
  /** Device fault: this end's bytes at i are the stream's at i + shift. */
  shift: number;
  /** The device's production so far (bytes, fractional: it accrues at the rate), null until this end first looks. */
  produced: number | null;
  /** When `produced` was last brought up to date (ms). */
  producedAtMs: number;
}

export class PadStreams {
  private readonly configs = new Map<string, LinkEndConfig>();
  private readonly streams = new Map<string, StreamEnd>();

  constructor(
    readonly nodeId: string,
    private readonly channelSeed: Uint8Array,
    snapshot?: PadSnapshot,
  ) {
    for (const [id, s] of Object.entries(snapshot?.streams ?? {})) {
      const st = this.newStream(s.linkId, s.direction, s.end);
      const floor = Math.min(s.floor ?? 0, s.delivered);
      st.ledger.discardBelow(floor);
      if (s.delivered > floor) st.ledger.deliver({ index: floor, bytes: keyStreamBytes(st.seed, floor, s.delivered - floor) });
      for (const [start, end] of s.used) st.ledger.claim({ start, end });
      this.streams.set(id, st);
    }
  }

  /** The node's link ends now (the mesh can be rewired): replaces the configs, keeps every ledger. */
  configure(ends: readonly LinkEndConfig[]): void {
    this.configs.clear();
    for (const e of ends) this.configs.set(e.linkId, { ...e });
  }

  ends(): LinkEndConfig[] {
    return [...this.configs.values()];
  }

  endOf(linkId: string): LinkEndConfig | undefined {
    return this.configs.get(linkId);
  }

  /** The pad bytes [offset, offset + n) of this end of the stream, used once and never again. */
  use(linkId: string, direction: PadDirection, offset: number, n: number, nowMs: number): PadUse {
    const cfg = this.configs.get(linkId);
    if (!cfg) return { ok: false, reason: "UNKNOWN_LINK" };
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(n) || n <= 0) return { ok: false, reason: "BAD_LENGTH" };
    const s = this.stream(linkId, direction, cfg.end);
    const target = offset + n;
    if (target > this.produced(cfg, s, nowMs, offset)) return { ok: false, reason: "SHORT" };
    if (target - REORDER_WINDOW_BYTES > s.ledger.floor) s.ledger.discardBelow(target - REORDER_WINDOW_BYTES);
    if (s.ledger.delivered < target) {
      const from = s.ledger.delivered;
      const d = s.ledger.deliver({ index: from, bytes: keyStreamBytes(s.seed, from + s.shift, target - from) });
      if (!d.ok) return d;
    }
    const r = s.ledger.claim({ start: offset, end: target });
    return r.ok ? { ok: true, pad: r.slice.bytes } : r;
  }

  /** Fault (tests and demos): this end's device loses `bytes` on both streams of the link; both ends disagree from then on. */
  skip(linkId: string, bytes: number): boolean {
    const cfg = this.configs.get(linkId);
    if (!cfg) return false;
    for (const d of DIRECTIONS) this.stream(linkId, d, cfg.end).shift += bytes;
    return true;
  }

  /**
   * The device realigned with its peer (the resynchronisation a real QKD pair runs after losing frames): its bytes
   * at index i are the stream's at i again. Ranges used before stay used; the hub's cursors are already past them.
   */
  realign(linkId: string): boolean {
    const cfg = this.configs.get(linkId);
    if (!cfg) return false;
    for (const d of DIRECTIONS) this.stream(linkId, d, cfg.end).shift = 0;
    return true;
  }

  /** Levels of every configured end, per direction (what heartbeats report). */
  levels(nowMs: number): PadEndLevel[] {
    return this.levelsOf(this.ends(), nowMs);
  }

  /** Levels of the named links' ends only (after a use: what changed), per direction. */
  levelsOfLinks(linkIds: Iterable<string>, nowMs: number): PadEndLevel[] {
    const cfgs: LinkEndConfig[] = [];
    for (const id of new Set(linkIds)) {
      const cfg = this.configs.get(id);
      if (cfg) cfgs.push(cfg);
    }
    return this.levelsOf(cfgs, nowMs);
  }

  private levelsOf(ends: readonly LinkEndConfig[], nowMs: number): PadEndLevel[] {
    return ends.flatMap((cfg) =>
      DIRECTIONS.map((direction) => {
        const s = this.stream(cfg.linkId, direction, cfg.end);
        return { linkId: cfg.linkId, end: cfg.end, direction, deliveredBytes: this.produced(cfg, s, nowMs), usedBytes: s.ledger.usedBytes };
      }),
    );
  }

  snapshot(): PadSnapshot {
    const streams: PadSnapshot["streams"] = {};
    for (const [id, s] of this.streams) {
      streams[id] = { linkId: s.linkId, end: s.ledger.end, direction: s.direction, floor: s.ledger.floor, delivered: s.ledger.delivered, used: s.ledger.usedRanges().map((r) => [r.start, r.end]) };
    }
    return { v: 1, streams };
  }

  /**
   * What this end's device has produced by now (never less than what it already handed over): its buffer holds
   * `capacityBytes` beyond the highest byte taken, or beyond `from` (a ledger that starts afresh, such as the hub's
   * own after a restart, does not know how far its device's far end has moved on); full at first sight, then
   * refilled at the link's rate since the last look.
   */
  private produced(cfg: LinkEndConfig, s: StreamEnd, nowMs: number, from = 0): number {
    const base = Math.max(s.ledger.nextFree, from);
    const full = base + cfg.capacityBytes;
    if (s.produced === null) s.produced = full;
    else s.produced = Math.max(s.produced, Math.min(full, s.produced + (cfg.rateBps * Math.max(0, nowMs - s.producedAtMs)) / 8000));
    s.producedAtMs = Math.max(s.producedAtMs, nowMs);
    return Math.max(s.ledger.delivered, Math.floor(s.produced));
  }

  private stream(linkId: string, direction: PadDirection, end: LinkEnd): StreamEnd {
    const id = streamIdOf(linkId, direction);
    let s = this.streams.get(id);
    if (!s || s.ledger.end !== end) {
      // A link rewired with this node at its other end is a new stream end; offsets still never repeat (the hub's
      // cursor per link direction only grows).
      s = this.newStream(linkId, direction, end);
      this.streams.set(id, s);
    }
    return s;
  }

  private newStream(linkId: string, direction: PadDirection, end: LinkEnd): StreamEnd {
    return { linkId, direction, ledger: new PadLedger(linkId, end), seed: streamSeed(this.channelSeed, streamIdOf(linkId, direction)), shift: 0, produced: null, producedAtMs: 0 };
  }
}
