/**
 * The simulated QKD device pairs of a mesh, the only simulated part of the
 * quantum channel: one pair per link, behind the ETSI GS QKD 004 style port of
 * server/domain/quantum-channel/qkd-stream.ts, so a real device driver can
 * take its place. Both ends of a pair deliver the same key stream, byte for
 * byte at the same index: HMAC-SHA-256 in counter mode under a per-link secret
 * seed (itself HMAC(network seed, link id)), which stands in for the sifted,
 * error-corrected and privacy-amplified key a real pair distils. Key appears
 * at the link's secret key rate (bits = simulated elapsed time x rate) and
 * stops when the device buffer is full (capacity counted from the end that
 * has taken less). Faults for tests: an end that skips bytes (its stream is
 * shifted from then on, a classic desynchronisation) or flips a byte at an
 * index. Outside server/domain because it hashes with node:crypto; it has no
 * clock of its own (the caller advances simulated time).
 */
import { createHmac } from "node:crypto";
import { HmacSha256Key } from "./hmac-sha256";
import type { GetKeyResult, LinkEnd, QkdKeyStream, SimulatedQkdDevices } from "../domain/quantum-channel/qkd-stream";

export interface DeviceLink {
  id: string;
  /** Secret key rate in bit/s (from the decoy-state model). */
  secretKeyRateBps: number;
}

export type DesyncFault =
  /** From now on this end's bytes at index i are the stream's bytes at i + bytes (it lost a frame). */
  | { kind: "skip"; end: LinkEnd; bytes: number }
  /** The byte at `index` at this end is XORed with `mask` (default 0x01) when taken. */
  | { kind: "flip"; end: LinkEnd; index: number; mask?: number };

const BLOCK = 32;

export class QkdDevicePair {
  private producedBits: number;
  private lastMs: number;
  private readonly next: Record<LinkEnd, number> = { A: 0, B: 0 };
  private readonly shift: Record<LinkEnd, number> = { A: 0, B: 0 };
  private readonly flips: Record<LinkEnd, Map<number, number>> = { A: new Map(), B: new Map() };
  private readonly opened: Record<LinkEnd, boolean> = { A: false, B: false };

  constructor(
    readonly linkId: string,
    private readonly seed: Uint8Array,
    readonly rateBps: number,
    readonly capacityBytes: number,
    opts: { startMs?: number; initialBytes?: number } = {},
  ) {
    if (!(rateBps >= 0) || !Number.isFinite(rateBps)) throw new RangeError(`Bad key rate ${rateBps} for ${linkId}`);
    if (!Number.isInteger(capacityBytes) || capacityBytes <= 0) throw new RangeError(`Bad buffer capacity ${capacityBytes} for ${linkId}`);
    this.lastMs = opts.startMs ?? 0;
    this.producedBits = Math.min(capacityBytes, opts.initialBytes ?? 0) * 8;
  }

  /** Bytes produced so far (both ends can take up to this index). */
  get producedBytes(): number {
    return Math.floor(this.producedBits / 8);
  }

  advanceTo(nowMs: number): void {
    if (nowMs < this.lastMs) throw new RangeError(`Simulated time went back on ${this.linkId}: ${nowMs} < ${this.lastMs}`);
    const cap = (Math.min(this.next.A, this.next.B) + this.capacityBytes) * 8;
    this.producedBits = Math.max(this.producedBits, Math.min(cap, this.producedBits + (this.rateBps * (nowMs - this.lastMs)) / 1000));
    this.lastMs = nowMs;
  }

  available(end: LinkEnd): number {
    return Math.max(0, this.producedBytes - this.next[end]);
  }

  take(end: LinkEnd, nBytes: number): GetKeyResult {
    if (!Number.isInteger(nBytes) || nBytes <= 0) throw new RangeError(`GET_KEY of ${nBytes} bytes`);
    const available = this.available(end);
    if (nBytes > available) return { status: "INSUFFICIENT_KEY", available };
    const index = this.next[end];
    const bytes = this.streamBytes(index + this.shift[end], nBytes);
    for (const [at, mask] of this.flips[end]) if (at >= index && at < index + nBytes) bytes[at - index]! ^= mask;
    this.next[end] = index + nBytes;
    return { status: "OK", index, bytes };
  }

  injectFault(fault: DesyncFault): void {
    if (fault.kind === "skip") this.shift[fault.end] += fault.bytes;
    else this.flips[fault.end].set(fault.index, (fault.mask ?? 0x01) & 0xff || 0x01);
  }

  open(end: LinkEnd): QkdKeyStream {
    if (this.opened[end]) throw new Error(`Key stream ${this.linkId}/${end} is already open`);
    this.opened[end] = true;
    return {
      keyStreamId: this.linkId,
      linkId: this.linkId,
      end,
      available: () => this.available(end),
      getKey: (n) => {
        if (!this.opened[end]) throw new Error(`Key stream ${this.linkId}/${end} is closed`);
        return this.take(end, n);
      },
      close: () => {
        this.opened[end] = false;
      },
    };
  }

  private streamBytes(offset: number, n: number): Uint8Array {
    return keyStreamBytes(this.seed, offset, n);
  }
}

/** The per-stream secret: HMAC(network seed, stream id); a link's stream id is its id, or `${linkId}:A>B` per direction. */
export function streamSeed(networkSeed: string | Uint8Array, streamId: string): Uint8Array {
  return new Uint8Array(createHmac("sha256", networkSeed).update(`qecnet/qkd-link-seed/v1/${streamId}`).digest());
}

/** Each stream seed's HMAC key, keyed once (a seed lives as long as its stream end, which holds it). */
const keyedSeeds = new WeakMap<Uint8Array, HmacSha256Key>();

/** The shared stream at [offset, offset + n): HMAC-SHA-256(seed, block number) for each 32-byte block. */
export function keyStreamBytes(seed: Uint8Array, offset: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let cachedBlock = -1;
  let cached: Buffer = Buffer.alloc(0);
  let mac = keyedSeeds.get(seed);
  if (mac === undefined) keyedSeeds.set(seed, (mac = new HmacSha256Key(seed)));
  const counter = Buffer.alloc(8);
  for (let i = 0; i < n; ) {
    const block = Math.floor((offset + i) / BLOCK);
    const within = (offset + i) % BLOCK;
    if (cachedBlock !== block) {
      counter.writeBigUInt64BE(BigInt(block));
      cached = mac.mac(counter);
      cachedBlock = block;
    }
    const count = Math.min(BLOCK - within, n - i);
    out.set(cached.subarray(within, within + count), i);
    i += count;
  }
  return out;
}

/** All pairs of a mesh; implements the port the pure core uses. */
export class SimulatedQkdNetwork implements SimulatedQkdDevices {
  private readonly pairs = new Map<string, QkdDevicePair>();

  constructor(opts: { seed: string | Uint8Array; links: Iterable<DeviceLink>; capacityBytes: number; startMs?: number; initialBytes?: number }) {
    for (const l of opts.links) {
      const linkSeed = streamSeed(opts.seed, l.id);
      this.pairs.set(l.id, new QkdDevicePair(l.id, linkSeed, l.secretKeyRateBps, opts.capacityBytes, { startMs: opts.startMs, initialBytes: opts.initialBytes }));
    }
  }

  pair(linkId: string): QkdDevicePair {
    const p = this.pairs.get(linkId);
    if (!p) throw new Error(`No QKD device pair on link ${linkId}`);
    return p;
  }

  open(linkId: string, end: LinkEnd): QkdKeyStream {
    return this.pair(linkId).open(end);
  }

  advanceTo(nowMs: number): void {
    for (const p of this.pairs.values()) p.advanceTo(nowMs);
  }

  injectFault(linkId: string, fault: DesyncFault): void {
    this.pair(linkId).injectFault(fault);
  }
}
