/**
 * Encryption at rest of key material under the master key (AES-256-GCM).
 *
 * The AAD is the key row's id, binding each ciphertext to its row: copying a
 * sealed blob onto another key row makes it fail authentication instead of
 * silently handing out the wrong key.
 */

import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { KeyMaterialError } from "./errors";
import { zeroise } from "./zeroise";

const ALGORITHM = "aes-256-gcm";
const MASTER_KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export interface SealedMaterial {
  /** GCM ciphertext with the 16-byte authentication tag appended. */
  ciphertext: Buffer;
  nonce: Buffer;
}

function assertMasterKey(masterKey: Buffer): void {
  if (!Buffer.isBuffer(masterKey) || masterKey.length !== MASTER_KEY_BYTES) {
    throw new KeyMaterialError(
      "INVALID_MASTER_KEY",
      `Master key must be exactly ${MASTER_KEY_BYTES} bytes (256 bits).`,
    );
  }
}

export function sealMaterial(masterKey: Buffer, material: Buffer, aad: string): SealedMaterial {
  assertMasterKey(masterKey);
  // Random 96-bit nonces are safe for well under 2^32 seals per master key,
  // far beyond what a key lifecycle engine produces.
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv(ALGORITHM, masterKey, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, "utf8"));
  const ciphertext = Buffer.concat([cipher.update(material), cipher.final(), cipher.getAuthTag()]);
  return { ciphertext, nonce };
}

export function openMaterial(masterKey: Buffer, sealed: SealedMaterial, aad: string): Buffer {
  assertMasterKey(masterKey);
  const { ciphertext, nonce } = sealed;
  // A truncated blob or a foreign nonce size is indistinguishable from tampering
  // as far as the caller is concerned, so report it the same way.
  if (
    !Buffer.isBuffer(ciphertext) ||
    !Buffer.isBuffer(nonce) ||
    ciphertext.length < TAG_BYTES ||
    nonce.length !== NONCE_BYTES
  ) {
    throw authFailure();
  }
  const body = ciphertext.subarray(0, ciphertext.length - TAG_BYTES);
  const tag = ciphertext.subarray(ciphertext.length - TAG_BYTES);
  const decipher = createDecipheriv(ALGORITHM, masterKey, nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(aad, "utf8"));
  decipher.setAuthTag(tag);
  // update() yields plaintext before the tag is checked; it must not escape
  // (or linger in memory) if final() rejects it.
  const head = decipher.update(body);
  let tail: Buffer;
  try {
    tail = decipher.final();
  } catch {
    zeroise(head);
    throw authFailure();
  }
  if (tail.length === 0) return head;
  const plaintext = Buffer.concat([head, tail]);
  zeroise(head);
  zeroise(tail);
  return plaintext;
}

function authFailure(): KeyMaterialError {
  return new KeyMaterialError(
    "MATERIAL_AUTHENTICATION_FAILED",
    "Sealed key material failed authentication (wrong master key, tampered ciphertext, or ciphertext bound to a different key id).",
  );
}
