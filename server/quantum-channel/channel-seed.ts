/**
 * The secret the simulated QKD devices share (issue 18): one file,
 * `qkd-channel.seed` beside the Agent PKI (32 random bytes, hex, mode 0600),
 * provisioned with the PKI and read by the hub for its own link ends and by
 * every agent for its. It stands for the quantum channel itself: whoever holds
 * it could compute every pad, exactly as whoever taps no fibre cannot. A real
 * device pair would need no such file.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

/** Creates the seed file when it does not exist; true when it did not. */
export function ensureChannelSeed(path: string): boolean {
  if (existsSync(path)) return false;
  writeFileSync(path, `${randomBytes(32).toString("hex")}\n`, { mode: 0o600, flag: "wx" });
  return true;
}

/** The seed's bytes; throws (naming the file, never its content) when it is missing or malformed. */
export function readChannelSeed(path: string): Uint8Array {
  const text = readFileSync(path, "utf8").trim();
  if (!/^[0-9a-f]{64}$/.test(text)) throw new Error(`${path} is not a QKD channel seed (64 hex characters); run npm run pki:dev`);
  return new Uint8Array(Buffer.from(text, "hex"));
}
