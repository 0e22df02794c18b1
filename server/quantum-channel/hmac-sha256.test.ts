/**
 * The relay's HMAC-SHA-256 gives node:crypto's answer byte for byte: keys shorter than, as long as and longer than
 * SHA-256's 64-byte block (a longer key is hashed first), empty ones, messages of bytes and of UTF-8 text, a key used
 * many times; and it wipes the copies of the key it made.
 */
import { createHmac, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hmacSha256, HmacSha256Key } from "./hmac-sha256";
import { hopTag } from "./otp-hop";
import { hmacReceiptTagger } from "./receipt-tag";
import { keyStreamBytes } from "./qkd-device";

const reference = (key: Uint8Array | string, message: Uint8Array | string) => createHmac("sha256", key).update(message).digest();

describe("HMAC-SHA-256 from one-shot digests", () => {
  it("equals createHmac for every key length around the block size and messages of bytes or text", () => {
    const messages: Array<Uint8Array | string> = [
      new Uint8Array(0), randomBytes(1), randomBytes(8), randomBytes(55), randomBytes(56), randomBytes(64), randomBytes(65), randomBytes(300),
      "", "qecnet/hop-tag/v1/key-1/hub--relay-1", "Zürich ✓ 鍵 🔑", "x".repeat(1_000),
    ];
    for (const keyLength of [0, 1, 16, 32, 63, 64, 65, 100, 200]) {
      const key = randomBytes(keyLength);
      const keyed = new HmacSha256Key(key);
      for (const m of messages) {
        const expected = reference(key, m);
        expect(hmacSha256(key, m).equals(expected)).toBe(true);
        expect(keyed.mac(m).equals(expected)).toBe(true);
        // Used again: the same answer (nothing of one MAC leaks into the next).
        expect(keyed.mac(m).equals(expected)).toBe(true);
      }
    }
  });

  it("takes a text key as its UTF-8 bytes, as createHmac does", () => {
    for (const key of ["", "seed", "network seed ✓", "k".repeat(130)]) {
      expect(hmacSha256(key, "qecnet/qkd-link-seed/v1/hub--relay-1").equals(reference(key, "qecnet/qkd-link-seed/v1/hub--relay-1"))).toBe(true);
    }
  });

  it("leaves the caller's key as it was, and a wiped key object answers nothing like the key's MAC", () => {
    const key = randomBytes(32);
    const copy = Buffer.from(key);
    const keyed = new HmacSha256Key(key);
    const before = keyed.mac("m");
    expect(key.equals(copy)).toBe(true);
    keyed.wipe();
    expect(keyed.mac("m").equals(before)).toBe(false);
  });

  it("gives the relay's hop tags, receipt tags and device key stream their createHmac values", () => {
    const key = randomBytes(32);
    expect(hopTag(key, "key-1", "hub--relay-1").equals(reference(key, "qecnet/hop-tag/v1/key-1/hub--relay-1"))).toBe(true);
    expect(Buffer.from(hmacReceiptTagger(key, "receipt context")).equals(reference(key, "receipt context"))).toBe(true);
    const seed = new Uint8Array(randomBytes(32));
    // 100 bytes from offset 45: the end of block 1, blocks 2–3 whole, the start of block 4.
    const expected = Buffer.concat([1, 2, 3, 4].map((b) => {
      const counter = Buffer.alloc(8);
      counter.writeBigUInt64BE(BigInt(b));
      return reference(seed, counter);
    })).subarray(45 - 32, 45 - 32 + 100);
    expect(Buffer.from(keyStreamBytes(seed, 45, 100)).equals(expected)).toBe(true);
    // Asked again (the seed's key now kept), the same bytes.
    expect(Buffer.from(keyStreamBytes(seed, 45, 100)).equals(expected)).toBe(true);
  });
});
