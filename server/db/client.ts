/**
 * Prisma clients over the pg driver adapter (no native engine). One client per
 * process and database URL; tests ask for clients of their own databases.
 * The client's pg pool is shared with the transition runner, whose batched
 * writes go straight through the driver (see server/keys/transition-runner.ts).
 */
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "../../generated/prisma/client";
import { SESSION_SETUP } from "./session-setup";

export type Db = PrismaClient;

// On globalThis: Next.js bundles each route separately, so a module-level map would not see clients made by another route's copy of this module.
const poolsGlobal = globalThis as unknown as { __qecnetPools?: WeakMap<PrismaClient, pg.Pool> };
const pools = (poolsGlobal.__qecnetPools ??= new WeakMap<PrismaClient, pg.Pool>());

export { SESSION_SETUP } from "./session-setup";

export function createPrismaClient(connectionString: string, poolSize = 20): PrismaClient {
  // pg-pool runs onConnect before it hands a new connection out; if the SET fails, so does that checkout.
  const pool = new pg.Pool({
    connectionString,
    max: poolSize,
    onConnect: async (c: pg.ClientBase) => {
      await c.query(SESSION_SETUP);
    },
  });
  const client = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
  pools.set(client, pool);
  return client;
}

/** The pg pool under a client made by createPrismaClient. */
export function poolOf(db: PrismaClient): pg.Pool {
  const pool = pools.get(db);
  if (!pool) throw new Error("This Prisma client was not made by createPrismaClient: it has no shared pool");
  return pool;
}

const globalForPrisma = globalThis as unknown as { __qecnetPrisma?: PrismaClient };

/** The process-wide client for DATABASE_URL (kept across Next.js hot reloads). */
export function prisma(): PrismaClient {
  if (!globalForPrisma.__qecnetPrisma) {
    const url = process.env.DATABASE_URL;
    if (!url) {
      throw new Error(
        "DATABASE_URL is not set: start the console with `npm run demo` (embedded PostgreSQL) or set DATABASE_URL",
      );
    }
    globalForPrisma.__qecnetPrisma = createPrismaClient(url);
  }
  return globalForPrisma.__qecnetPrisma;
}
