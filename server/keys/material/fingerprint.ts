/**
 * Public identifiers derived from key material: the fingerprint shown in the
 * console and stored in the DB, and the receipt MAC with which a participant
 * node proves it holds a key without ever sending the key itself.
 */

import { createHash, createHmac, timingSafeEqual } from "node:crypto";

// Domain separation: the fingerprint must not equal SHA-256(material), which
// could collide with a hash computed over the same key elsewhere.
const FINGERPRINT_DOMAIN = Buffer.from("QECNET-KEY-FINGERPRINT-V1\0", "utf8");
const RECEIPT_DOMAIN = "QECNET-RECEIPT-V1\0";
const MAC_HEX_PATTERN = /^[0-9a-fA-F]{64}$/;

export function fingerprintOf(material: Buffer): string {
  const digest = createHash("sha256").update(FINGERPRINT_DOMAIN).update(material).digest("hex");
  // 128 bits is ample to tell keys apart while keeping the display short.
  return `SHA256:${digest.slice(0, 32)}`;
}

export function receiptMac(material: Buffer, keyId: string, nodeId: string): string {
  // NUL separators keep (keyId, nodeId) pairs unambiguous, e.g. ("ab","c") vs ("a","bc").
  return createHmac("sha256", material)
    .update(`${RECEIPT_DOMAIN}${keyId}\0${nodeId}`, "utf8")
    .digest("hex");
}

/** Never throws: malformed input from a remote node is simply "not verified". */
export function verifyReceiptMac(
  material: Buffer,
  keyId: string,
  nodeId: string,
  mac: string,
): boolean {
  try {
    if (typeof mac !== "string" || !MAC_HEX_PATTERN.test(mac)) return false;
    const expected = Buffer.from(receiptMac(material, keyId, nodeId), "hex");
    const presented = Buffer.from(mac, "hex");
    if (presented.length !== expected.length) return false;
    return timingSafeEqual(expected, presented);
  } catch {
    return false;
  }
}

const INTEGRITY_DOMAIN = "QECNET-INTEGRITY-V1\0";

/**
 * A node's answer to an integrity challenge with a nonce (the agent protocol's
 * `integrity.nonce`): "PROOF:" + HMAC-SHA256 under the key over the nonce, key id
 * and node id. Only a holder of the material can compute it for a nonce it has
 * never seen, so a replayed old answer fails; the hub recomputes and compares.
 */
export function integrityProof(material: Buffer, keyId: string, nodeId: string, nonceHex: string): string {
  const mac = createHmac("sha256", material).update(`${INTEGRITY_DOMAIN}${nonceHex}\0${keyId}\0${nodeId}`, "utf8").digest("hex");
  return `PROOF:${mac}`;
}

/** Never throws: compares a presented integrity proof with the one the material gives. */
export function verifyIntegrityProof(material: Buffer, keyId: string, nodeId: string, nonceHex: string, presented: string): boolean {
  if (typeof presented !== "string" || !/^PROOF:[0-9a-f]{64}$/.test(presented)) return false;
  const expected = Buffer.from(integrityProof(material, keyId, nodeId, nonceHex), "utf8");
  return timingSafeEqual(expected, Buffer.from(presented, "utf8"));
}
