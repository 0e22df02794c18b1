/**
 * Resolves the database this process uses and makes it ready: DATABASE_URL
 * when set (the database is created when missing), otherwise an embedded
 * PostgreSQL whose data lives in <data dir>/pg. Then applies migrations.
 */
import path from "node:path";
import { ensureDatabase, withDatabase } from "./database-admin";
import { startEmbeddedPostgres } from "./embedded-postgres";
import { migrate, type MigrateResult } from "./migrate";

export interface PreparedDatabase {
  url: string;
  embedded: boolean;
  migrations: MigrateResult;
  stop(): Promise<void>;
}

export const DEFAULT_EMBEDDED_PG_PORT = 54329;

export async function prepareDatabase(opts: {
  databaseUrl?: string;
  dataDir: string;
  embeddedPort?: number;
  log?: (l: string) => void;
}): Promise<PreparedDatabase> {
  if (opts.databaseUrl) {
    await ensureDatabase(opts.databaseUrl);
    return { url: opts.databaseUrl, embedded: false, migrations: await migrate(opts.databaseUrl), stop: async () => undefined };
  }
  const port = opts.embeddedPort ?? DEFAULT_EMBEDDED_PG_PORT;
  const pg = await startEmbeddedPostgres({ dataDir: path.join(opts.dataDir, "pg"), port, log: opts.log }).catch((err: unknown) => {
    // embedded-postgres rejects with nothing at all when the server process exits (a taken port, a locked data folder).
    const why = err instanceof Error ? err.message : err === undefined ? "the server process exited" : String(err);
    throw new Error(
      `Could not start the embedded PostgreSQL on port ${port} (${why}). ` +
        `Is another console running? Stop it, set QECNET_EMBEDDED_PG_PORT, or set DATABASE_URL to use your own PostgreSQL.`,
    );
  });
  const url = withDatabase(pg.adminUrl, "qecnet");
  try {
    await ensureDatabase(url);
    return { url, embedded: true, migrations: await migrate(url), stop: () => pg.stop() };
  } catch (err) {
    await pg.stop();
    throw err;
  }
}
