/**
 * The agent's store key (KEY-DELIVERY.md §6.5): 256 bits from
 * QECNET_AGENT_STORE_KEY (64 hex) or from `<data>/store.key`, created 0600 on
 * first start. Its id (a domain-separated hash, never the key) is what
 * store.json records and what a refusal names.
 */
import { createHash, randomBytes } from "node:crypto";
import { closeSync, fsyncSync, openSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { fsyncDir } from "./durable-file";

export const STORE_KEY_FILE = "store.key";
const HEX64 = /^[0-9a-fA-F]{64}$/;

export interface StoreKey {
  key: Buffer;
  keyId: string;
  source: "env" | "file" | "created";
}

export function storeKeyId(key: Buffer): string {
  return createHash("sha256").update("QECNET-AGENT-STORE-KEY-ID-V1\0").update(key).digest("hex").slice(0, 16);
}

/** Loads (or creates) the store key; throws with an actionable message that never contains the key. */
export function loadStoreKey(dataDir: string, envValue: string | undefined): StoreKey {
  const fromEnv = envValue?.trim();
  if (fromEnv) {
    if (!HEX64.test(fromEnv)) throw new Error("QECNET_AGENT_STORE_KEY must be 64 hex characters (a 256-bit key)");
    const key = Buffer.from(fromEnv, "hex");
    return { key, keyId: storeKeyId(key), source: "env" };
  }
  const path = join(dataDir, STORE_KEY_FILE);
  const existing = readKeyFile(path);
  if (existing) return { key: existing, keyId: storeKeyId(existing), source: "file" };
  const key = randomBytes(32);
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o600);
  } catch {
    const winner = readKeyFile(path); // another start won the creation race
    if (!winner) throw new Error(`${path} could not be created or read; check the folder's permissions`);
    key.fill(0);
    return { key: winner, keyId: storeKeyId(winner), source: "file" };
  }
  try {
    const hex = Buffer.from(key.toString("hex") + "\n", "utf8");
    writeSync(fd, hex);
    hex.fill(0);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  fsyncDir(dataDir);
  return { key, keyId: storeKeyId(key), source: "created" };
}

function readKeyFile(path: string): Buffer | null {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch {
    return null;
  }
  const text = raw.toString("utf8").trim();
  raw.fill(0);
  if (!HEX64.test(text)) throw new Error(`${path} must hold 64 hex characters (a 256-bit key); restore it or move the store away`);
  return Buffer.from(text, "hex");
}
