/**
 * Best-effort wiping of plaintext key material.
 *
 * Every plaintext buffer (drawn material, opened material, the master key when
 * no longer needed) is overwritten as soon as it is done with, so that a later
 * heap dump or buffer-pool reuse does not leak it. JS strings cannot be wiped,
 * which is why key material is kept in Buffers throughout this module.
 */

export function zeroise(buf: Buffer): void {
  buf.fill(0);
}
