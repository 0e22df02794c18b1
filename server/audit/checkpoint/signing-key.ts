/**
 * The hub's Ed25519 checkpoint signing key: loaded from
 * QECNET_AUDIT_SIGNING_KEY (PKCS#8 PEM, or the 32-byte seed as 64 hex
 * characters) or from `<data>/audit-signing.key` (PKCS#8 PEM), which is created
 * on first run with mode 0600, exactly like the master key: group- or
 * world-readable files are refused, creation is atomic (temp file + link), and
 * errors never echo key material.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from "node:crypto";
import { closeSync, fstatSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DomainError } from "../../domain/errors/domain-error";
import { checkpointMessage, keyIdInput, type CheckpointBody } from "../../domain/audit/checkpoint-format";

export const SIGNING_KEY_FILE_NAME = "audit-signing.key";
// PKCS#8 wrapping of a raw Ed25519 seed (RFC 8410 §7).
const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

export interface AuditSigningKey {
  /** Raw 32-byte public key, base64: the value an auditor pins. */
  publicKey: string;
  publicKeyPem: string;
  keyId: string;
  source: "env" | "file" | "created";
  sign(body: CheckpointBody): string;
}

function fail(message: string): never {
  throw new DomainError("AUDIT_UNAVAILABLE", message);
}

export function rawPublicKey(key: KeyObject): Buffer {
  const jwk = key.export({ format: "jwk" });
  if (jwk.crv !== "Ed25519" || typeof jwk.x !== "string") fail("The audit signing key is not an Ed25519 key");
  return Buffer.from(jwk.x, "base64url");
}

export function keyIdOf(raw: Uint8Array): string {
  return createHash("sha256").update(keyIdInput(raw)).digest("hex").slice(0, 16);
}

/** A public key from base64 of the raw 32 bytes, 64 hex characters, or SPKI PEM; null if it is none of these. */
export function parsePublicKey(text: string): { key: KeyObject; raw: Buffer } | null {
  const t = text.trim();
  try {
    if (t.startsWith("-----BEGIN PUBLIC KEY-----")) {
      const key = createPublicKey(t);
      return key.asymmetricKeyType === "ed25519" ? { key, raw: rawPublicKey(key) } : null;
    }
    const raw = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, "hex") : /^[A-Za-z0-9+/]{43}=$/.test(t) ? Buffer.from(t, "base64") : null;
    if (!raw || raw.length !== 32) return null;
    return { key: createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: raw.toString("base64url") }, format: "jwk" }), raw };
  } catch {
    return null;
  }
}

export function verifyCheckpointSignature(body: CheckpointBody, signature: string, publicKey: KeyObject): boolean {
  const sig = Buffer.from(signature, "base64");
  if (sig.length !== 64 || sig.toString("base64") !== signature) return false;
  return verify(null, checkpointMessage(body), publicKey, sig);
}

function fromPrivate(privateKey: KeyObject, source: AuditSigningKey["source"]): AuditSigningKey {
  if (privateKey.asymmetricKeyType !== "ed25519") fail("The audit signing key must be an Ed25519 key (openssl genpkey -algorithm ed25519)");
  const pub = createPublicKey(privateKey);
  const raw = rawPublicKey(pub);
  return {
    publicKey: raw.toString("base64"),
    publicKeyPem: pub.export({ format: "pem", type: "spki" }).toString(),
    keyId: keyIdOf(raw),
    source,
    sign: (body) => sign(null, checkpointMessage(body), privateKey).toString("base64"),
  };
}

function parsePrivate(text: string, where: string): KeyObject {
  const t = text.trim();
  try {
    if (/^[0-9a-fA-F]{64}$/.test(t)) return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, Buffer.from(t, "hex")]), format: "der", type: "pkcs8" });
    if (t.startsWith("-----BEGIN PRIVATE KEY-----")) return createPrivateKey(t);
  } catch {
    // fall through to the one message below, which does not echo the value
  }
  return fail(`${where} must be an Ed25519 private key as PKCS#8 PEM or its 32-byte seed as 64 hex characters`);
}

export function loadSigningKey(opts: { envValue?: string; dataDir: string }): AuditSigningKey {
  if (opts.envValue?.trim()) return fromPrivate(parsePrivate(opts.envValue, "QECNET_AUDIT_SIGNING_KEY"), "env");
  const path = join(opts.dataDir, SIGNING_KEY_FILE_NAME);
  const existing = readKeyFile(path);
  if (existing) return fromPrivate(parsePrivate(existing, `The audit signing key file ${path}`), "file");
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync("ed25519");
  const pem = privateKey.export({ format: "pem", type: "pkcs8" }).toString();
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    writeFileSync(tmp, pem, { mode: 0o600, flag: "wx" });
    const fd = openSync(tmp, "r");
    try { fsyncSync(fd); } finally { closeSync(fd); }
    try {
      linkSync(tmp, path);
      return fromPrivate(privateKey, "created");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      // Another process created it first: use theirs.
      const winner = readKeyFile(path);
      if (!winner) return fail(`The audit signing key file ${path} disappeared while it was being created; restart to retry`);
      return fromPrivate(parsePrivate(winner, `The audit signing key file ${path}`), "file");
    }
  } finally {
    try { unlinkSync(tmp); } catch { /* already gone */ }
  }
}

function readKeyFile(path: string): string | null {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) fail(`The audit signing key path ${path} is not a regular file`);
    if (process.platform !== "win32" && (stat.mode & 0o077) !== 0) {
      fail(`The audit signing key file ${path} is accessible by group or others (mode ${(stat.mode & 0o777).toString(8)}); refusing to use it. Restrict it with: chmod 600 ${path}`);
    }
    return readFileSync(fd, "utf8");
  } finally {
    closeSync(fd);
  }
}
