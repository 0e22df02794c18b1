/**
 * What a node does with one hop of a one-time-pad relay (issue 18), the same
 * for agent processes and in-process agents: a relay decrypts the incoming
 * ciphertext with its end of the incoming link's pad at the announced offset
 * and re-encrypts with its end of the outgoing link's pad, answering a hop
 * tag (an HMAC keyed with what it decrypted) so the hub can find the first hop
 * whose ends disagree; an endpoint decrypts the last hop. Each pad range is
 * used once whatever the outcome (the ledger refuses a second use). Errors
 * name links and offsets, never bytes.
 */
import { xor } from "../domain/quantum-channel/otp-relay";
import type { PadDirection } from "./pad-levels";
import type { PadStreams } from "./pad-streams";
import { hmacSha256 } from "./hmac-sha256";

/** Where a hop's pad lies: a link, a direction of it, an offset into that direction's key stream. */
export interface PadRef {
  linkId: string;
  direction: PadDirection;
  offset: number;
}

export interface OtpCiphertext extends PadRef {
  ciphertext: Uint8Array;
}

export type HopOutcome<T> = { ok: true; value: T } | { ok: false; code: "pad_refused"; message: string };

/** The tag a relay answers: HMAC-SHA-256 keyed with the key it decrypted, bound to the key id and the hop's link. */
export function hopTag(key: Uint8Array, keyId: string, linkId: string): Buffer {
  return hmacSha256(key, `qecnet/hop-tag/v1/${keyId}/${linkId}`);
}

function padFor(pads: PadStreams, ref: PadRef, n: number, nowMs: number): HopOutcome<Uint8Array> {
  const r = pads.use(ref.linkId, ref.direction, ref.offset, n, nowMs);
  if (r.ok) return { ok: true, value: r.pad };
  return { ok: false, code: "pad_refused", message: `pad ${ref.linkId} ${ref.direction} at ${ref.offset}+${n} refused at ${pads.nodeId}: ${r.reason}` };
}

/** A relay's step; `seen` is the key as it decrypted it (the caller wipes it). */
export function relayStep(pads: PadStreams, keyId: string, incoming: OtpCiphertext, out: PadRef, nowMs: number): HopOutcome<{ ciphertext: Uint8Array; tag: Buffer; seen: Buffer }> {
  const n = incoming.ciphertext.length;
  const inPad = padFor(pads, incoming, n, nowMs);
  if (!inPad.ok) return inPad;
  // Use the outgoing range even when the incoming one was fine: both ranges are spent at this end from here on.
  const outPad = padFor(pads, out, n, nowMs);
  const seen = Buffer.from(xor(incoming.ciphertext, inPad.value));
  inPad.value.fill(0);
  if (!outPad.ok) {
    seen.fill(0);
    return outPad;
  }
  const ciphertext = xor(seen, outPad.value);
  outPad.value.fill(0);
  return { ok: true, value: { ciphertext, tag: hopTag(seen, keyId, incoming.linkId), seen } };
}

/** The endpoint's step: the key, decrypted with its end of the last hop's pad (the caller wipes it). */
export function openStep(pads: PadStreams, incoming: OtpCiphertext, nowMs: number): HopOutcome<Buffer> {
  const pad = padFor(pads, incoming, incoming.ciphertext.length, nowMs);
  if (!pad.ok) return pad;
  const key = Buffer.from(xor(incoming.ciphertext, pad.value));
  pad.value.fill(0);
  return { ok: true, value: key };
}
