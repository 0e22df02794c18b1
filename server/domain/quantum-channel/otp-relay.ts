/**
 * Hop-by-hop one-time-pad relay of a key over trusted nodes. The hub encrypts
 * the key with the first link's pad (XOR), each relay decrypts with the
 * incoming link's pad and re-encrypts with the outgoing link's pad (it sees
 * the key in the clear: that is what "trusted relay" means), the endpoint
 * decrypts with the last link's pad. Every message carries the pad index the
 * sender used, so the receiver uses the same offsets.
 *
 * A pad desynchronisation (one end's bytes differ from the other's at the same
 * index) cannot be seen by a relay: XOR with a wrong pad yields different but
 * plausible bytes. It is caught end to end by the receipt: the endpoint
 * answers with a tag of the key it decrypted, computed by a keyed MAC
 * (`ReceiptTagger`, HMAC-SHA-256 in server/quantum-channel/receipt-tag.ts,
 * passed in because a MAC needs a hash and server/domain has none); the hub
 * computes the tag of the key it sent and compares. A mismatch is a
 * distribution failure: the key is destroyed, never activated. Pure: no I/O.
 */
import type { LinkEnd, PadSlice } from "./qkd-stream";

export interface RouteNode {
  id: string;
  role: "HUB" | "RELAY" | "ENDPOINT";
}

export interface RouteLink {
  id: string;
  aNodeId: string;
  bNodeId: string;
}

/** One hop of a route: over `linkId` from `from` (at link end `fromEnd`) to `to`. */
export interface RouteHop {
  linkId: string;
  from: string;
  to: string;
  fromEnd: LinkEnd;
  toEnd: LinkEnd;
}

/** What travels over one link: the key XOR the pad at `index`. */
export interface HopMessage {
  keyId: string;
  linkId: string;
  index: number;
  ciphertext: Uint8Array;
}

/** A keyed MAC: tag(key, context). */
export type ReceiptTagger = (key: Uint8Array, context: string) => Uint8Array;

export interface Receipt {
  keyId: string;
  attempt: number;
  tag: Uint8Array;
}

export class RouteError extends Error {
  override readonly name = "RouteError";
}

export class PadMismatchError extends Error {
  override readonly name = "PadMismatchError";
}

/**
 * The hops of a route [hub, r1, ..., endpoint]: consecutive nodes must share a
 * link, the first node is the hub, every node in between can relay (not an
 * endpoint), and no node appears twice.
 */
export function planHops(route: readonly string[], nodes: ReadonlyMap<string, RouteNode>, links: Iterable<RouteLink>): RouteHop[] {
  if (route.length < 2) throw new RouteError("A route has at least two nodes");
  if (new Set(route).size !== route.length) throw new RouteError(`A route visits a node twice: ${route.join(" > ")}`);
  for (const id of route) if (!nodes.has(id)) throw new RouteError(`Unknown node ${id}`);
  if (nodes.get(route[0]!)!.role !== "HUB") throw new RouteError(`A route starts at the hub, not ${route[0]}`);
  for (const id of route.slice(1, -1)) if (nodes.get(id)!.role === "ENDPOINT") throw new RouteError(`Endpoint ${id} cannot relay`);
  const byPair = new Map<string, RouteLink>();
  for (const l of links) {
    const k = pairKey(l.aNodeId, l.bNodeId);
    if (!byPair.has(k)) byPair.set(k, l);
  }
  const hops: RouteHop[] = [];
  for (let i = 0; i + 1 < route.length; i++) {
    const from = route[i]!;
    const to = route[i + 1]!;
    const link = byPair.get(pairKey(from, to));
    if (!link) throw new RouteError(`No link between ${from} and ${to}`);
    const fromEnd: LinkEnd = link.aNodeId === from ? "A" : "B";
    hops.push({ linkId: link.id, from, to, fromEnd, toEnd: fromEnd === "A" ? "B" : "A" });
  }
  return hops;
}

const pairKey = (a: string, b: string) => (a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`);

/** data XOR pad; the lengths must match (a one-time pad is exactly as long as the key). */
export function xor(data: Uint8Array, pad: Uint8Array): Uint8Array {
  if (data.length !== pad.length) throw new PadMismatchError(`Pad of ${pad.length} bytes for ${data.length} bytes of key`);
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i]! ^ pad[i]!;
  return out;
}

/** The hub: the key encrypted with the first link's pad. */
export function encryptHop(keyId: string, key: Uint8Array, linkId: string, pad: PadSlice): HopMessage {
  return { keyId, linkId, index: pad.index, ciphertext: xor(key, pad.bytes) };
}

function openHop(msg: HopMessage, pad: PadSlice): Uint8Array {
  if (pad.index !== msg.index) throw new PadMismatchError(`Pad at index ${pad.index} for a message at index ${msg.index} on ${msg.linkId}`);
  return xor(msg.ciphertext, pad.bytes);
}

/** A trusted relay: decrypt with the incoming link's pad, re-encrypt with the outgoing link's; `seen` is the key as the relay saw it. */
export function relayHop(incoming: HopMessage, incomingPad: PadSlice, outgoingLinkId: string, outgoingPad: PadSlice): { outgoing: HopMessage; seen: Uint8Array } {
  const seen = openHop(incoming, incomingPad);
  return { outgoing: encryptHop(incoming.keyId, seen, outgoingLinkId, outgoingPad), seen };
}

/** The endpoint: decrypt with the last link's pad. */
export function decryptAtEndpoint(msg: HopMessage, pad: PadSlice): Uint8Array {
  return openHop(msg, pad);
}

/** What both sides MAC: binds the receipt to the key and the attempt, so an old receipt does not confirm new material. */
export function receiptContext(keyId: string, attempt: number): string {
  return `qecnet/receipt/v1/${keyId}/${attempt}`;
}

/** The endpoint's receipt for the key it decrypted. */
export function makeReceipt(keyId: string, attempt: number, decrypted: Uint8Array, tagger: ReceiptTagger): Receipt {
  return { keyId, attempt, tag: tagger(decrypted, receiptContext(keyId, attempt)) };
}

/** The hub's check: does the receipt confirm the key it sent? (Compared in constant time.) */
export function verifyReceipt(keyId: string, attempt: number, sent: Uint8Array, receipt: Receipt, tagger: ReceiptTagger): boolean {
  if (receipt.keyId !== keyId || receipt.attempt !== attempt) return false;
  return sameBytes(tagger(sent, receiptContext(keyId, attempt)), receipt.tag);
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
