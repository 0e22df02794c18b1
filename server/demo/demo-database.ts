/**
 * A fresh database holding the demo, for the processes that serve one
 * throwaway console (the browser tests' server, bench:live): created,
 * migrated and seeded under a new master key, which the caller hands to the
 * console it starts (QECNET_MASTER_KEY). Never used for a kept console:
 * `npm run demo` seeds its own data folder once. With `throughAgents` the
 * seed's keys go to agent processes (demo-seed-agents.ts).
 */
import { randomBytes } from "node:crypto";
import { createPrismaClient } from "../db/client";
import { ensureDatabase } from "../db/database-admin";
import { migrate } from "../db/migrate";
import { createKeyVault } from "../keys/key-vault";
import { masterKeyId } from "../keys/material";
import { seedDemo } from "./demo-seed";
import { seedDemoThroughAgents, type SeedThroughAgentsOptions } from "./demo-seed-agents";

/** Creates the database at `url` (if missing), migrates it and seeds the demo; returns the master key it was sealed under. */
export async function createSeededDemoDatabase(url: string, opts: { throughAgents?: SeedThroughAgentsOptions } = {}): Promise<Buffer> {
  await ensureDatabase(url);
  await migrate(url);
  const masterKey = randomBytes(32);
  const db = createPrismaClient(url, 4);
  try {
    const vault = createKeyVault(masterKey, masterKeyId(masterKey));
    if (opts.throughAgents) await seedDemoThroughAgents(db, vault, opts.throughAgents);
    else await seedDemo(db, vault);
  } finally {
    await db.$disconnect();
  }
  return masterKey;
}
