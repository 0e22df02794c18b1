import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { fingerprintOf, receiptMac, verifyReceiptMac } from "./fingerprint";

const material = randomBytes(32);

describe("fingerprintOf", () => {
  it("is stable and has the SHA256:<32 hex> shape", () => {
    const fp = fingerprintOf(material);
    expect(fp).toMatch(/^SHA256:[0-9a-f]{32}$/);
    expect(fingerprintOf(Buffer.from(material))).toBe(fp);
  });

  it("matches the domain-separated definition and not a plain hash of the key", () => {
    const fp = fingerprintOf(material);
    const plain = createHash("sha256").update(material).digest("hex");
    expect(fp.slice(7)).not.toBe(plain.slice(0, 32));
    const expected = createHash("sha256")
      .update(Buffer.concat([Buffer.from("QECNET-KEY-FINGERPRINT-V1\0"), material]))
      .digest("hex")
      .slice(0, 32);
    expect(fp).toBe(`SHA256:${expected}`);
  });

  it("differs for different material", () => {
    expect(fingerprintOf(randomBytes(32))).not.toBe(fingerprintOf(material));
  });
});

describe("receiptMac / verifyReceiptMac", () => {
  const mac = receiptMac(material, "key_1", "node-a");

  it("is a 64-char hex HMAC that verifies for the same inputs", () => {
    expect(mac).toMatch(/^[0-9a-f]{64}$/);
    expect(verifyReceiptMac(material, "key_1", "node-a", mac)).toBe(true);
    expect(verifyReceiptMac(material, "key_1", "node-a", mac.toUpperCase())).toBe(true);
  });

  it("rejects a different key, key id or node", () => {
    expect(verifyReceiptMac(randomBytes(32), "key_1", "node-a", mac)).toBe(false);
    expect(verifyReceiptMac(material, "key_2", "node-a", mac)).toBe(false);
    expect(verifyReceiptMac(material, "key_1", "node-b", mac)).toBe(false);
  });

  it("keeps the key id / node id boundary unambiguous", () => {
    expect(receiptMac(material, "ab", "c")).not.toBe(receiptMac(material, "a", "bc"));
  });

  it("returns false, never throws, for malformed MACs", () => {
    const flipped = `${mac.slice(0, -1)}${mac.endsWith("0") ? "1" : "0"}`;
    for (const bad of [flipped, "", mac.slice(0, 62), `${mac}00`, `${mac.slice(0, 63)}g`, "zz".repeat(32)]) {
      expect(verifyReceiptMac(material, "key_1", "node-a", bad)).toBe(false);
    }
    expect(verifyReceiptMac(material, "key_1", "node-a", undefined as unknown as string)).toBe(false);
  });
});
