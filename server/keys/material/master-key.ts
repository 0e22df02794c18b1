/**
 * Loading (or first-run creation) of the 256-bit master key that seals all key
 * material at rest.
 *
 * Precedence: QECNET_MASTER_KEY (passed in as `envValue`) wins; otherwise the
 * key lives in `<dataDir>/master.key`, created on first start. Errors describe
 * the expected format but never echo the value or file contents.
 */

import { createHash, randomBytes } from "node:crypto";
import {
  closeSync,
  fstatSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { KeyMaterialError } from "./errors";
import { zeroise } from "./zeroise";

export const MASTER_KEY_FILE_NAME = "master.key";
const MASTER_KEY_BYTES = 32;
const KEY_ID_DOMAIN = Buffer.from("QECNET-MASTER-KEY-ID-V1", "utf8");
const HEX_KEY = /^[0-9a-fA-F]{64}$/;
// Canonical standard base64 of 32 bytes: 43 significant chars whose last one
// has its two low (padding) bits zero, plus one optional "=" pad. Anything
// else would decode to a different length or be a silently mangled key.
const BASE64_KEY = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=?$/;
const HEX_FILE = /^([0-9a-fA-F]{64})\r?\n?$/;

export interface LoadMasterKeyOptions {
  /** Raw value of QECNET_MASTER_KEY; undefined or empty means "not set". */
  envValue?: string;
  dataDir: string;
}

export interface LoadedMasterKey {
  key: Buffer;
  keyId: string;
  source: "env" | "file" | "created";
}

export function loadMasterKey(opts: LoadMasterKeyOptions): LoadedMasterKey {
  const envValue = opts.envValue?.trim();
  if (envValue) {
    const key = parseEnvKey(envValue);
    return { key, keyId: masterKeyId(key), source: "env" };
  }

  const path = join(opts.dataDir, MASTER_KEY_FILE_NAME);
  const existing = readKeyFile(path);
  if (existing) return { key: existing, keyId: masterKeyId(existing), source: "file" };

  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const created = createKeyFile(path);
  if (created) return { key: created, keyId: masterKeyId(created), source: "created" };

  // Another process won the creation race; its key is the one to use.
  const winner = readKeyFile(path);
  if (!winner) {
    throw new KeyMaterialError(
      "INVALID_MASTER_KEY",
      `Master key file ${path} disappeared while it was being created; restart to retry.`,
    );
  }
  return { key: winner, keyId: masterKeyId(winner), source: "file" };
}

/**
 * Identifies which master key sealed a row without revealing it; domain
 * separated so it is not a plain hash of the key.
 */
export function masterKeyId(key: Buffer): string {
  return createHash("sha256").update(KEY_ID_DOMAIN).update(key).digest("hex").slice(0, 16);
}

function parseEnvKey(value: string): Buffer {
  if (HEX_KEY.test(value)) return Buffer.from(value, "hex");
  if (BASE64_KEY.test(value)) {
    const key = Buffer.from(value, "base64");
    if (key.length === MASTER_KEY_BYTES) return key;
    zeroise(key);
  }
  throw new KeyMaterialError(
    "INVALID_MASTER_KEY",
    "QECNET_MASTER_KEY must be a 256-bit key encoded as 64 hexadecimal characters " +
      "or as standard base64 of exactly 32 bytes (44 characters ending in '='). " +
      "Generate one with: openssl rand -hex 32",
  );
}

/** Returns the key, or null if the file does not exist. */
function readKeyFile(path: string): Buffer | null {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (err) {
    if (isErrno(err, "ENOENT")) return null;
    throw err;
  }
  try {
    // fstat on the opened descriptor, so the checked file is the one we read.
    const stat = fstatSync(fd);
    if (!stat.isFile()) {
      throw new KeyMaterialError(
        "MASTER_KEY_FILE_INSECURE",
        `Master key path ${path} is not a regular file.`,
      );
    }
    // POSIX modes are meaningless on Windows, where Node reports 0o666 regardless.
    if (process.platform !== "win32" && (stat.mode & 0o077) !== 0) {
      throw new KeyMaterialError(
        "MASTER_KEY_FILE_INSECURE",
        `Master key file ${path} is accessible by group or others (mode ${formatMode(stat.mode)}); ` +
          `refusing to use it. Restrict it with: chmod 600 ${path}`,
      );
    }
    const raw = readFileSync(fd);
    try {
      const match = HEX_FILE.exec(raw.toString("latin1"));
      if (!match?.[1]) {
        throw new KeyMaterialError(
          "INVALID_MASTER_KEY",
          `Master key file ${path} is malformed: expected 64 hexadecimal characters with an optional trailing newline.`,
        );
      }
      return Buffer.from(match[1], "hex");
    } finally {
      zeroise(raw);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Creates the key file atomically, returning the new key, or null if another
 * process created it first. The key is written to a private temp file and then
 * hard-linked into place: link fails with EEXIST instead of overwriting, and a
 * concurrent reader never sees a half-written master.key.
 */
function createKeyFile(path: string): Buffer | null {
  const key = randomBytes(MASTER_KEY_BYTES);
  const tmpPath = `${path}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  const contents = Buffer.from(`${key.toString("hex")}\n`, "latin1");
  try {
    writeFileSync(tmpPath, contents, { mode: 0o600, flag: "wx" });
    syncFile(tmpPath);
    try {
      linkSync(tmpPath, path);
    } catch (err) {
      if (isErrno(err, "EEXIST")) {
        zeroise(key);
        return null;
      }
      throw err;
    }
    return key;
  } catch (err) {
    zeroise(key);
    throw err;
  } finally {
    zeroise(contents);
    try {
      unlinkSync(tmpPath);
    } catch {
      // Already gone or never created; nothing to clean up.
    }
  }
}

// Without fsync a crash right after first start could leave an empty key file
// while rows are already sealed under the key that was lost.
function syncFile(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function formatMode(mode: number): string {
  return `0${(mode & 0o777).toString(8).padStart(3, "0")}`;
}

function isErrno(err: unknown, code: string): boolean {
  return typeof err === "object" && err !== null && (err as NodeJS.ErrnoException).code === code;
}
