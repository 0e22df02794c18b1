/**
 * C2SP signed-note framing of version-2 checkpoints (docs/audit-format.md),
 * byte for byte what golang.org/x/mod/sumdb/note writes and reads:
 *
 *   note          = body || "\n" || "— " || name || " " || base64(keyHash || signature) || "\n"
 *   keyHash       = first 4 bytes of SHA-256(name || "\n" || 0x01 || raw public key)
 *   verifier key  = name || "+" || hex(keyHash) || "+" || base64(0x01 || raw public key)
 *
 * 0x01 is the signed-note algorithm byte of Ed25519; the signature is the
 * same 64-byte Ed25519 signature over the body that the checkpoint carries.
 */
import { createHash } from "node:crypto";
import { checkpointNoteBody, NOTE_ORIGIN, type SignedCheckpoint } from "../../domain/audit/checkpoint-format";

const ED25519_ALG = 0x01;

/** The 4-byte key hash that names the key in a signature line. */
export function noteKeyHash(rawPublicKey: Uint8Array, name = NOTE_ORIGIN): Buffer {
  return createHash("sha256").update(name).update("\n").update(Uint8Array.of(ED25519_ALG)).update(rawPublicKey).digest().subarray(0, 4);
}

/** The verifier key string Go's note.NewVerifier (and witnesses) take. */
export function noteVerifierKey(rawPublicKey: Uint8Array, name = NOTE_ORIGIN): string {
  return `${name}+${noteKeyHash(rawPublicKey, name).toString("hex")}+${Buffer.concat([Uint8Array.of(ED25519_ALG), rawPublicKey]).toString("base64")}`;
}

/** The complete signed note of a version-2 checkpoint. */
export function signedNote(c: SignedCheckpoint, rawPublicKey: Uint8Array): string {
  if (c.v !== 2) throw new RangeError("only version-2 checkpoints are signed notes");
  const sig = Buffer.from(c.signature, "base64");
  return `${checkpointNoteBody(c)}\n\u2014 ${NOTE_ORIGIN} ${Buffer.concat([noteKeyHash(rawPublicKey), sig]).toString("base64")}\n`;
}
