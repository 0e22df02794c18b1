/**
 * The receipt MAC of the one-time-pad relay: HMAC-SHA-256 keyed with the key
 * the endpoint decrypted (or the hub sent) over the receipt context. The tag
 * reveals nothing usable about the key and differs, but for a 2^-256 chance,
 * when a single bit of the key differs, so a desynchronised pad anywhere on the
 * route fails the receipt. Outside server/domain because it uses node:crypto;
 * the pure relay (server/domain/quantum-channel/otp-relay.ts) takes it as a
 * ReceiptTagger.
 */
import { hmacSha256 } from "./hmac-sha256";
import type { ReceiptTagger } from "../domain/quantum-channel/otp-relay";

export const hmacReceiptTagger: ReceiptTagger = (key, context) => new Uint8Array(hmacSha256(key, context));
