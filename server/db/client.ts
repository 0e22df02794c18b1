/**
 * Prisma clients over the pg driver adapter (no native engine). One client per
 * process and database URL; tests ask for clients of their own databases.
 */
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../../generated/prisma/client";

export type Db = PrismaClient;

export function createPrismaClient(connectionString: string, poolSize = 20): PrismaClient {
  const adapter = new PrismaPg({ connectionString, max: poolSize });
  return new PrismaClient({ adapter });
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
