import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { KeyMaterialError } from "./errors";
import { openMaterial, sealMaterial } from "./sealing";

const masterKey = randomBytes(32);
const material = randomBytes(64);
const aad = "key_01HZXAMPLE";

function expectAuthFailure(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(KeyMaterialError);
    expect((err as KeyMaterialError).code).toBe("MATERIAL_AUTHENTICATION_FAILED");
    return;
  }
  throw new Error("opening succeeded but should have failed");
}

describe("sealMaterial / openMaterial", () => {
  it("round-trips, with a 12-byte nonce and a 16-byte tag appended", () => {
    const sealed = sealMaterial(masterKey, material, aad);
    expect(sealed.nonce.length).toBe(12);
    expect(sealed.ciphertext.length).toBe(material.length + 16);
    expect(sealed.ciphertext.subarray(0, material.length).equals(material)).toBe(false);
    expect(openMaterial(masterKey, sealed, aad).equals(material)).toBe(true);
  });

  it("uses a fresh nonce for every seal", () => {
    const a = sealMaterial(masterKey, material, aad);
    const b = sealMaterial(masterKey, material, aad);
    expect(a.nonce.equals(b.nonce)).toBe(false);
    expect(a.ciphertext.equals(b.ciphertext)).toBe(false);
  });

  it("fails on a tampered ciphertext body or tag", () => {
    const sealed = sealMaterial(masterKey, material, aad);
    for (const index of [0, material.length - 1, sealed.ciphertext.length - 1]) {
      const ciphertext = Buffer.from(sealed.ciphertext);
      ciphertext[index] = (ciphertext[index] ?? 0) ^ 0x01;
      expectAuthFailure(() => openMaterial(masterKey, { ...sealed, ciphertext }, aad));
    }
    expectAuthFailure(() =>
      openMaterial(masterKey, { ...sealed, ciphertext: sealed.ciphertext.subarray(0, 10) }, aad),
    );
  });

  it("fails on a tampered nonce", () => {
    const sealed = sealMaterial(masterKey, material, aad);
    const nonce = Buffer.from(sealed.nonce);
    nonce[0] = (nonce[0] ?? 0) ^ 0x80;
    expectAuthFailure(() => openMaterial(masterKey, { ...sealed, nonce }, aad));
    expectAuthFailure(() => openMaterial(masterKey, { ...sealed, nonce: Buffer.alloc(16) }, aad));
  });

  it("fails with the wrong master key", () => {
    const sealed = sealMaterial(masterKey, material, aad);
    expectAuthFailure(() => openMaterial(randomBytes(32), sealed, aad));
  });

  it("fails when the ciphertext is moved onto another key id", () => {
    const sealed = sealMaterial(masterKey, material, aad);
    expectAuthFailure(() => openMaterial(masterKey, sealed, "key_other"));
    expectAuthFailure(() => openMaterial(masterKey, sealed, ""));
  });

  it("refuses a master key that is not 32 bytes", () => {
    try {
      sealMaterial(randomBytes(16), material, aad);
      throw new Error("accepted a 16-byte master key");
    } catch (err) {
      expect((err as KeyMaterialError).code).toBe("INVALID_MASTER_KEY");
    }
  });
});
