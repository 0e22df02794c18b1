/**
 * HMAC-SHA-256 (RFC 2104) from two one-shot SHA-256 digests, for the relay's many small MACs: the simulated devices'
 * key stream (one HMAC per 32 bytes of pad), hop tags and receipt tags. node:crypto's createHmac builds a MAC context
 * for every call, which took about a third of the time of carrying keys hop by hop (its "init" the largest single part
 * of a profile of a recovery's deliveries); two one-shot digests (sha256Bytes, the Merkle hasher's) over the padded key and the message do the same work
 * without it. The answer is createHmac's, byte for byte (hmac-sha256.test.ts).
 */
import { sha256Bytes } from "../audit/merkle/node-hasher";

const BLOCK_BYTES = 64;
const DIGEST_BYTES = 32;

/**
 * A key ready for many MACs: its inner and outer padded blocks, computed once, each at the head of the buffer its
 * digest's input is built in (the message after the inner block, the inner digest after the outer one). For a
 * long-lived key (a device stream's seed), or one MAC of a key used once (hmacSha256, which wipes it): the blocks are
 * derived from the key and stay in memory until wipe().
 */
export class HmacSha256Key {
  private first: Buffer;
  // allocUnsafe: from Node's pool (Buffer.alloc makes a new ArrayBuffer each time, ~1 µs); every byte read is written first.
  private readonly second = Buffer.allocUnsafe(BLOCK_BYTES + DIGEST_BYTES).fill(0x5c, 0, BLOCK_BYTES);

  constructor(key: Uint8Array | string, messageRoom = 64) {
    const given = typeof key === "string" ? Buffer.from(key, "utf8") : key;
    const k = given.length > BLOCK_BYTES ? sha256Bytes(given) : given;
    this.first = Buffer.allocUnsafe(BLOCK_BYTES + messageRoom).fill(0x36, 0, BLOCK_BYTES);
    for (let i = 0; i < k.length; i++) {
      this.first[i]! ^= k[i]!;
      this.second[i]! ^= k[i]!;
    }
    // Copies made here of the key's material go now (the caller's own bytes are the caller's to wipe).
    if (k !== key) k.fill(0);
    if (given !== key && given !== k) given.fill(0);
  }

  /** HMAC-SHA-256 of `message` (a string is taken as UTF-8). */
  mac(message: Uint8Array | string): Buffer {
    const n = typeof message === "string" ? Buffer.byteLength(message, "utf8") : message.length;
    if (BLOCK_BYTES + n > this.first.length) {
      const grown = Buffer.allocUnsafe(BLOCK_BYTES + n);
      this.first.copy(grown, 0, 0, BLOCK_BYTES);
      this.first.fill(0);
      this.first = grown;
    }
    if (typeof message === "string") this.first.write(message, BLOCK_BYTES, "utf8");
    else this.first.set(message, BLOCK_BYTES);
    this.second.set(sha256Bytes(this.first.subarray(0, BLOCK_BYTES + n)), BLOCK_BYTES);
    const out = sha256Bytes(this.second);
    return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  }

  /** Overwrites the padded blocks (the key's material) and what was built after them with zeros; unusable afterwards. */
  wipe(): void {
    this.first.fill(0);
    this.second.fill(0);
  }
}

/** HMAC-SHA-256(key, message) for a key used once (a relayed key): its padded blocks are wiped before returning. */
export function hmacSha256(key: Uint8Array | string, message: Uint8Array | string): Buffer {
  const k = new HmacSha256Key(key, typeof message === "string" ? Buffer.byteLength(message, "utf8") : message.length);
  try {
    return k.mac(message);
  } finally {
    k.wipe();
  }
}
