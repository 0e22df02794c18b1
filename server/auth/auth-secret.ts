/**
 * The secret that signs session cookies: QECNET_AUTH_SECRET, or a random one
 * generated once into <data>/auth.secret with mode 0600 (like master.key), so
 * sessions survive restarts and every instance sharing the data folder agrees.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

export const AUTH_SECRET_FILE = "auth.secret";

export function loadAuthSecret(envValue: string | undefined, dataDir: string): string {
  if (envValue?.trim()) return envValue.trim();
  const file = path.join(dataDir, AUTH_SECRET_FILE);
  const read = () => {
    try {
      const v = readFileSync(file, "utf8").trim();
      if (!/^[0-9a-f]{64}$/.test(v)) throw new Error(`${file} is not 64 hex characters; delete it to generate a new one (signs everyone out)`);
      return v;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw err;
    }
  };
  const existing = read();
  if (existing) return existing;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  try {
    // "wx": only one process creates it; a loser reads the winner's secret.
    writeFileSync(file, `${randomBytes(32).toString("hex")}\n`, { mode: 0o600, flag: "wx" });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  const created = read();
  if (!created) throw new Error(`${file} could not be created`);
  return created;
}
