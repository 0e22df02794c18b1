/**
 * Source of fresh key material.
 *
 * The OS CSPRNG is always used. When a hardware RNG is present its output is
 * mixed in through HKDF, so a faulty or backdoored device can only add
 * entropy, never weaken the result below the CSPRNG alone.
 */

import { constants, closeSync, fstatSync, openSync, readSync } from "node:fs";
import { hkdfSync, randomBytes } from "node:crypto";
import { KeyMaterialError } from "./errors";
import { zeroise } from "./zeroise";

export const DEFAULT_HWRNG_PATH = "/dev/hwrng";
const MIN_KEY_BITS = 256;
const HKDF_SALT = Buffer.from("QECNET-KEYGEN-V1", "utf8");
const HKDF_INFO = Buffer.from("key-material", "utf8");
// Enough to prove the device yields data without draining it for a status check.
const PROBE_BYTES = 32;
// HKDF-SHA256 cannot expand beyond 255 hash blocks.
const MAX_HKDF_BYTES = 255 * 32;

export interface EntropyOptions {
  hwrngPath?: string;
}

export interface DrawnKeyMaterial {
  material: Buffer;
  entropySource: string;
}

export interface EntropySourceStatus {
  /** Sources a draw would currently use, e.g. ["os-csprng", "hwrng:/dev/hwrng"]. */
  sources: string[];
  csprng: { available: true };
  hwrng: { path: string; available: boolean };
}

export function drawKeyMaterial(sizeBits: number, opts: EntropyOptions = {}): DrawnKeyMaterial {
  if (!Number.isInteger(sizeBits) || sizeBits < MIN_KEY_BITS || sizeBits % 8 !== 0) {
    throw new KeyMaterialError(
      "INVALID_KEY_SIZE",
      `Key size must be an integer number of bits, a multiple of 8 and at least ${MIN_KEY_BITS}; got ${String(sizeBits)}.`,
    );
  }
  const sizeBytes = sizeBits / 8;
  const hwrngPath = opts.hwrngPath ?? DEFAULT_HWRNG_PATH;
  const csprng = randomBytes(sizeBytes);

  // Past the HKDF output limit, mixing is impossible; the CSPRNG alone is still sound.
  const hw = sizeBytes <= MAX_HKDF_BYTES ? readHwrng(hwrngPath, sizeBytes) : null;
  if (hw === null) {
    return { material: csprng, entropySource: "os-csprng" };
  }

  const ikm = Buffer.concat([csprng, hw]);
  try {
    const material = Buffer.from(hkdfSync("sha256", ikm, HKDF_SALT, HKDF_INFO, sizeBytes));
    return { material, entropySource: `os-csprng+hwrng:${hwrngPath}` };
  } finally {
    zeroise(ikm);
    zeroise(csprng);
    zeroise(hw);
  }
}

export function detectEntropySources(opts: EntropyOptions = {}): EntropySourceStatus {
  const path = opts.hwrngPath ?? DEFAULT_HWRNG_PATH;
  const probe = readHwrng(path, PROBE_BYTES);
  const available = probe !== null;
  if (probe) zeroise(probe);
  return {
    sources: available ? ["os-csprng", `hwrng:${path}`] : ["os-csprng"],
    csprng: { available: true },
    hwrng: { path, available },
  };
}

/**
 * Open hardware RNG devices by path: a character device stays open between
 * draws (opening it for every key cost more than the read), and is closed and
 * forgotten on any failure but "no data yet", so the next draw opens it
 * afresh. A device that has run dry (EAGAIN: a virtual RNG gives a few hundred
 * bytes at a time) is not asked again for DRY_BACKOFF_MS: draws meanwhile use
 * the CSPRNG alone, as they would after asking, and say so in their source.
 * A regular file (tests stand one in for the device) is opened for every read.
 */
const openDevices = new Map<string, { fd: number; dryUntil: number }>();
const DRY_BACKOFF_MS = 50;

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Nothing useful to do; the read result already decides availability.
  }
}

/**
 * Returns exactly `length` bytes from the device, or null if it is absent,
 * unreadable, or would block / come up short. Key generation must never stall
 * waiting on a device, hence O_NONBLOCK and no retries on EAGAIN.
 */
function readHwrng(path: string, length: number): Buffer | null {
  const device = openDevices.get(path);
  if (device && performance.now() < device.dryUntil) return null;
  let fd = device?.fd;
  let keep = fd !== undefined;
  const buf = Buffer.alloc(length);
  try {
    if (fd === undefined) {
      fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
      keep = fstatSync(fd).isCharacterDevice();
      if (keep) openDevices.set(path, { fd, dryUntil: 0 });
    }
    let filled = 0;
    while (filled < length) {
      const n = readSync(fd, buf, filled, length - filled, null);
      if (n <= 0) break;
      filled += n;
    }
    if (filled === length) return buf;
    keep = false;
    zeroise(buf);
    return null;
  } catch (err) {
    const dry = (err as NodeJS.ErrnoException).code === "EAGAIN";
    const open = openDevices.get(path);
    if (dry && open && open.fd === fd) open.dryUntil = performance.now() + DRY_BACKOFF_MS;
    else keep = false;
    zeroise(buf);
    return null;
  } finally {
    if (fd !== undefined && !keep) {
      if (openDevices.get(path)?.fd === fd) openDevices.delete(path);
      closeQuietly(fd);
    }
  }
}
