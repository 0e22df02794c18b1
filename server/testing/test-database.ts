/**
 * Fresh, migrated databases for integration tests: every test file gets its own,
 * so runs and files never share state. The server comes from the vitest global
 * setup (embedded PostgreSQL, or the one DATABASE_URL names).
 */
import { randomBytes } from "node:crypto";
import { createPrismaClient, poolOf, type Db } from "../db/client";
import { dropDatabase, ensureDatabase, withDatabase } from "../db/database-admin";
import { migrate } from "../db/migrate";

export interface TestDatabase {
  url: string;
  db: Db;
  dispose(): Promise<void>;
}

export async function createTestDatabase(adminUrl: string, tag = "t"): Promise<TestDatabase> {
  const name = `qecnet_${tag}_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
  const url = withDatabase(adminUrl, name);
  await ensureDatabase(url);
  await migrate(url);
  const db = createPrismaClient(url);
  return {
    url,
    db,
    async dispose() {
      await db.$disconnect();
      // A client whose Prisma side was never used does not end the pg pool under it, whose idle connections the
      // drop below would then terminate (an unhandled error in the test run).
      const pool = poolOf(db);
      if (!pool.ending && !pool.ended) await pool.end();
      await dropDatabase(url);
    },
  };
}
