/**
 * A simulation driver for the quantum channel: plays the hop-by-hop one-time-pad
 * distribution of a list of keys, each over its recorded route, against the
 * link devices (the QkdDevices port) and one pad ledger per link end, in
 * simulated time. For each key: wait (advancing simulated time) until every
 * hop has pad for it, or give up after `maxWaitMs` without touching a pad;
 * then the hub draws fresh key material, encrypts it for the first hop, each
 * relay claims the announced offsets on its incoming link and takes the next
 * offsets on its outgoing one, the endpoint decrypts and answers a receipt the
 * hub verifies. A refused pad (reuse, not delivered) or a receipt mismatch
 * destroys that material and the key is retried with new material, up to
 * `maxAttempts`. The report says, per key and attempt, what was delivered
 * against what the hub sent, which offsets each hop used at each end, and which
 * nodes saw which key bytes (a leaking relay's log); keys are reported in the
 * order given, played in order of `atMs`. Pure: devices, receipt MAC
 * and key material come in as arguments; no I/O, no clock.
 */
import { GYS_PARAMETERS, secretKeyRateBps, type DecoyStateLink } from "../mesh/decoy-state";
import type { Prng } from "../mesh/prng";
import {
  decryptAtEndpoint,
  encryptHop,
  makeReceipt,
  planHops,
  relayHop,
  RouteError,
  sameBytes,
  verifyReceipt,
  type HopMessage,
  type ReceiptTagger,
  type RouteHop,
  type RouteLink,
  type RouteNode,
} from "./otp-relay";
import { PadLedger, type LedgerRefusal, type PadRange } from "./pad-ledger";
import type { LinkEnd, PadSlice, QkdKeyStream, SimulatedQkdDevices } from "./qkd-stream";

export interface ChannelLink extends RouteLink {
  /** Secret key rate in bit/s. */
  secretKeyRateBps: number;
}

export interface ChannelMesh {
  nodes: ReadonlyMap<string, RouteNode>;
  links: ReadonlyMap<string, ChannelLink>;
}

export interface KeyRequest {
  keyId: string;
  sizeBytes: number;
  /** The recorded route [hub, relays..., destination]. */
  route: readonly string[];
  /** Simulated time the hub starts distributing (ms). */
  atMs: number;
}

export interface SimulationOptions {
  devices: SimulatedQkdDevices;
  tagger: ReceiptTagger;
  /** The hub's key material (a seeded generator in simulation). */
  rng: Prng;
  maxAttempts?: number;
  maxWaitMs?: number;
  waitStepMs?: number;
  /** Called when simulated time reaches atMs (before the key distributed at that time), e.g. to inject a device fault. */
  faults?: readonly { atMs: number; inject: () => void }[];
}

/** Offsets one hop used: at the sender's end and (if it got that far) the receiver's. */
export interface HopUse extends RouteHop {
  sender: PadRange;
  receiver: PadRange | null;
}

export type AttemptFailure = { kind: "RECEIPT_MISMATCH" } | { kind: "PAD_REFUSED"; linkId: string; end: LinkEnd; reason: LedgerRefusal };

export interface AttemptReport {
  attempt: number;
  atMs: number;
  hubKey: Uint8Array;
  /** What the destination decrypted (null if the key never got there). */
  delivered: Uint8Array | null;
  /** DELIVERED once the hub verified the receipt; otherwise the material is destroyed. */
  outcome: "DELIVERED" | "DESTROYED";
  failure: AttemptFailure | null;
  hops: HopUse[];
}

export type KeyOutcome = "DELIVERED" | "FAILED" | "PADS_SHORT" | "BAD_ROUTE";

export interface KeyReport {
  keyId: string;
  route: readonly string[];
  outcome: KeyOutcome;
  attempts: AttemptReport[];
  /** For a delivered key: the destination holds exactly the hub's bytes. */
  deliveredEqualsHub: boolean | null;
  /** The key's bytes (hub's = destination's) when delivered. */
  key: Uint8Array | null;
  error?: string;
}

/** What a node (other than the hub) saw in the clear: it relayed or received these bytes. */
export interface Sighting {
  keyId: string;
  attempt: number;
  bytes: Uint8Array;
}

export interface LedgerSummary {
  linkId: string;
  end: LinkEnd;
  delivered: number;
  used: number;
  usedRanges: PadRange[];
}

export interface SimulationReport {
  keys: KeyReport[];
  sightings: Map<string, Sighting[]>;
  ledgers: LedgerSummary[];
  endMs: number;
}

/** Link rates from the decoy-state model (GYS parameters, the link's fibre loss); an eavesdropper's link yields nothing. */
export function decoyStateRateBps(link: { lengthKm: number; lossDbPerKm?: number; eavesdropper?: boolean }, params: Omit<DecoyStateLink, "lengthKm"> = GYS_PARAMETERS): number {
  return secretKeyRateBps({ ...params, lengthKm: link.lengthKm, lossDbPerKm: link.lossDbPerKm ?? params.lossDbPerKm }, link.eavesdropper ?? false);
}

const ledgerKey = (linkId: string, end: LinkEnd) => `${linkId}\u0000${end}`;

export function simulateRelay(mesh: ChannelMesh, keys: readonly KeyRequest[], opts: SimulationOptions): SimulationReport {
  const maxAttempts = opts.maxAttempts ?? 3;
  const maxWaitMs = opts.maxWaitMs ?? 10_000;
  const waitStepMs = opts.waitStepMs ?? 100;
  const ledgers = new Map<string, PadLedger>();
  const streams = new Map<string, QkdKeyStream>();
  for (const l of mesh.links.values()) {
    for (const end of ["A", "B"] as const) {
      ledgers.set(ledgerKey(l.id, end), new PadLedger(l.id, end));
      streams.set(ledgerKey(l.id, end), opts.devices.open(l.id, end));
    }
  }
  const sightings = new Map<string, Sighting[]>();
  const faults = [...(opts.faults ?? [])].sort((a, b) => a.atMs - b.atMs);
  let nextFault = 0;
  let now = 0;
  const advance = (to: number) => {
    while (nextFault < faults.length && faults[nextFault]!.atMs <= to) {
      const f = faults[nextFault++]!;
      if (f.atMs > now) {
        now = f.atMs;
        opts.devices.advanceTo(now);
      }
      f.inject();
    }
    if (to > now) {
      now = to;
      opts.devices.advanceTo(now);
    }
  };

  /** Pull from the device until the ledger has delivered up to `upTo` (or the device has no more). */
  const topUp = (linkId: string, end: LinkEnd, upTo: number) => {
    const ledger = ledgers.get(ledgerKey(linkId, end))!;
    const stream = streams.get(ledgerKey(linkId, end))!;
    const want = Math.min(upTo - ledger.delivered, stream.available());
    if (want <= 0) return;
    const got = stream.getKey(want);
    if (got.status !== "OK") return;
    const r = ledger.deliver(got);
    if (!r.ok) throw new Error(`Device on ${linkId}/${end} delivered out of order (${r.reason})`);
  };
  /** Can every hop carry n bytes now (sender has unused pad, or its device can deliver it; same for the receiver)? */
  const hopsReady = (hops: RouteHop[], n: number) =>
    hops.every((h) => {
      const s = ledgers.get(ledgerKey(h.linkId, h.fromEnd))!;
      const r = ledgers.get(ledgerKey(h.linkId, h.toEnd))!;
      const sendStream = streams.get(ledgerKey(h.linkId, h.fromEnd))!;
      const recvStream = streams.get(ledgerKey(h.linkId, h.toEnd))!;
      return s.delivered + sendStream.available() >= s.nextFree + n && r.delivered + recvStream.available() >= s.nextFree + n;
    });

  const reports: KeyReport[] = new Array<KeyReport>(keys.length);
  const ordered = keys.map((k, i) => ({ k, i })).sort((x, y) => x.k.atMs - y.k.atMs || x.i - y.i);
  for (const { k, i: at } of ordered) {
    advance(k.atMs);
    let hops: RouteHop[];
    try {
      if (!Number.isInteger(k.sizeBytes) || k.sizeBytes <= 0) throw new RouteError(`Bad key size ${k.sizeBytes}`);
      hops = planHops(k.route, mesh.nodes, mesh.links.values());
    } catch (e) {
      reports[at] = { keyId: k.keyId, route: k.route, outcome: "BAD_ROUTE", attempts: [], deliveredEqualsHub: null, key: null, error: (e as Error).message };
      continue;
    }
    const attempts: AttemptReport[] = [];
    let outcome: KeyOutcome = "FAILED";
    let key: Uint8Array | null = null;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const waitUntil = now + maxWaitMs;
      while (!hopsReady(hops, k.sizeBytes) && now < waitUntil) advance(Math.min(waitUntil, now + waitStepMs));
      if (!hopsReady(hops, k.sizeBytes)) {
        outcome = attempts.length ? "FAILED" : "PADS_SHORT";
        break;
      }
      const a = runAttempt(k, attempt, hops);
      attempts.push(a);
      if (a.outcome === "DELIVERED") {
        outcome = "DELIVERED";
        key = a.hubKey;
        break;
      }
    }
    const last = attempts[attempts.length - 1];
    reports[at] = {
      keyId: k.keyId,
      route: k.route,
      outcome,
      attempts,
      deliveredEqualsHub: outcome === "DELIVERED" && last?.delivered ? sameBytes(last.delivered, last.hubKey) : null,
      key,
    };
  }

  function runAttempt(k: KeyRequest, attempt: number, hops: RouteHop[]): AttemptReport {
    const hubKey = new Uint8Array(k.sizeBytes);
    for (let i = 0; i < hubKey.length; i++) hubKey[i] = opts.rng.int(0, 256);
    const uses: HopUse[] = [];
    const report = (delivered: Uint8Array | null, failure: AttemptFailure | null): AttemptReport => ({
      attempt, atMs: now, hubKey, delivered, outcome: failure ? "DESTROYED" : "DELIVERED", failure, hops: uses,
    });
    const send = (h: RouteHop): PadSlice | AttemptFailure => {
      const ledger = ledgers.get(ledgerKey(h.linkId, h.fromEnd))!;
      topUp(h.linkId, h.fromEnd, ledger.nextFree + k.sizeBytes);
      const r = ledger.take(k.sizeBytes);
      return r.ok ? r.slice : { kind: "PAD_REFUSED", linkId: h.linkId, end: h.fromEnd, reason: r.reason };
    };
    const receive = (h: RouteHop, msg: HopMessage): PadSlice | AttemptFailure => {
      const range = { start: msg.index, end: msg.index + msg.ciphertext.length };
      topUp(h.linkId, h.toEnd, range.end);
      const r = ledgers.get(ledgerKey(h.linkId, h.toEnd))!.claim(range);
      return r.ok ? r.slice : { kind: "PAD_REFUSED", linkId: h.linkId, end: h.toEnd, reason: r.reason };
    };
    const saw = (node: string, bytes: Uint8Array) => {
      const list = sightings.get(node) ?? [];
      list.push({ keyId: k.keyId, attempt, bytes });
      sightings.set(node, list);
    };

    const first = send(hops[0]!);
    if (!("bytes" in first)) return report(null, first);
    let msg = encryptHop(k.keyId, hubKey, hops[0]!.linkId, first);
    uses.push({ ...hops[0]!, sender: rangeOf(first), receiver: null });
    for (let i = 0; i < hops.length; i++) {
      const h = hops[i]!;
      const incoming = receive(h, msg);
      if (!("bytes" in incoming)) return report(null, incoming);
      uses[i]!.receiver = rangeOf(incoming);
      if (i === hops.length - 1) {
        const delivered = decryptAtEndpoint(msg, incoming);
        saw(h.to, delivered);
        const receipt = makeReceipt(k.keyId, attempt, delivered, opts.tagger);
        const ok = verifyReceipt(k.keyId, attempt, hubKey, receipt, opts.tagger);
        return report(delivered, ok ? null : { kind: "RECEIPT_MISMATCH" });
      }
      const next = hops[i + 1]!;
      const outgoing = send(next);
      if (!("bytes" in outgoing)) {
        saw(h.to, decryptAtEndpoint(msg, incoming));
        return report(null, outgoing);
      }
      const relayed = relayHop(msg, incoming, next.linkId, outgoing);
      saw(h.to, relayed.seen);
      uses.push({ ...next, sender: rangeOf(outgoing), receiver: null });
      msg = relayed.outgoing;
    }
    throw new Error("unreachable: a route has at least one hop");
  }

  const summaries: LedgerSummary[] = [...ledgers.values()].map((l) => ({ linkId: l.linkId, end: l.end, delivered: l.delivered, used: l.usedBytes, usedRanges: l.usedRanges() }));
  return { keys: reports, sightings, ledgers: summaries, endMs: now };
}

const rangeOf = (s: PadSlice): PadRange => ({ start: s.index, end: s.index + s.bytes.length });

/**
 * The keys a node's log compromises: delivered keys whose bytes it saw in the
 * clear (destroyed material compromises nothing).
 */
export function compromisedBy(report: SimulationReport, nodeId: string): Set<string> {
  const delivered = new Map(report.keys.filter((k) => k.key).map((k) => [k.keyId, k.key!]));
  const out = new Set<string>();
  for (const s of report.sightings.get(nodeId) ?? []) {
    const key = delivered.get(s.keyId);
    if (key && sameBytes(key, s.bytes)) out.add(s.keyId);
  }
  return out;
}

/** The blast radius of a node from the recorded routes alone: delivered keys whose route crosses it (relayed or held). */
export function routeBlastRadius(report: SimulationReport, nodeId: string): Set<string> {
  return new Set(report.keys.filter((k) => k.outcome === "DELIVERED" && k.route.slice(1).includes(nodeId)).map((k) => k.keyId));
}
