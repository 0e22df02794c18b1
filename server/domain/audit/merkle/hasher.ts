/**
 * RFC 6962 §2.1 hashing with domain separation:
 *   leaf = SHA-256(0x00 || data), node = SHA-256(0x01 || left || right),
 *   the empty tree's root = SHA-256("").
 * Parameterised over a SHA-256 function so the same code runs with
 * node:crypto on the server and a pure-TS SHA-256 in the browser.
 *
 * Pure: no I/O.
 */

export type Sha256 = (data: Uint8Array) => Uint8Array;

export interface MerkleHasher {
  emptyRoot(): Uint8Array;
  leaf(data: Uint8Array): Uint8Array;
  node(left: Uint8Array, right: Uint8Array): Uint8Array;
}

export const HASH_BYTES = 32;

export function merkleHasher(sha256: Sha256): MerkleHasher {
  return {
    emptyRoot: () => sha256(new Uint8Array(0)),
    leaf(data) {
      const buf = new Uint8Array(1 + data.length);
      buf[0] = 0x00;
      buf.set(data, 1);
      return sha256(buf);
    },
    node(left, right) {
      const buf = new Uint8Array(1 + left.length + right.length);
      buf[0] = 0x01;
      buf.set(left, 1);
      buf.set(right, 1 + left.length);
      return sha256(buf);
    },
  };
}

export function toHex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

const HEX32 = /^[0-9a-f]{64}$/;

/** 32 bytes from 64 lowercase hex characters; null for anything else. */
export function fromHex32(hex: unknown): Uint8Array | null {
  if (typeof hex !== "string" || !HEX32.test(hex)) return null;
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
