/**
 * What the benchmarks share: a PostgreSQL to measure on (DATABASE_URL, or an
 * embedded server in a temp folder), and a loop driver for N concurrent clients.
 */
import { rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import type { EmbeddedPostgresHandle } from "../server/db/embedded-postgres";

// ---------------------------------------------------------------- environment

export interface Target {
  adminUrl: string;
  where: string;
  kind: "embedded" | "DATABASE_URL";
  cleanup(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function openTarget(): Promise<Target> {
  const url = process.env.DATABASE_URL;
  if (url) {
    const u = new URL(url);
    return { adminUrl: url, where: `${u.hostname}:${u.port || "5432"} (DATABASE_URL)`, kind: "DATABASE_URL", cleanup: async () => undefined };
  }
  // Imported only here: embedded-postgres installs its own SIGINT/SIGTERM exit
  // hook (it stops the server, then exits), which would cut short the cleanup of
  // a DATABASE_URL run.
  const { startEmbeddedPostgres } = await import("../server/db/embedded-postgres");
  const dir = await mkdtemp(path.join(os.tmpdir(), "qecnet-bench-pg-"));
  // On a signal that exit hook ends the process after stopping the server;
  // the temp dir still goes.
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  process.once("exit", removeDir);
  let handle: EmbeddedPostgresHandle | null = null;
  const cleanup = async () => {
    if (handle) await handle.stop().catch((e: unknown) => console.error(`stopping embedded PostgreSQL failed: ${String(e)}`));
    handle = null;
    await rm(dir, { recursive: true, force: true });
    process.removeListener("exit", removeDir);
  };
  try {
    const port = await freePort();
    handle = await startEmbeddedPostgres({ dataDir: path.join(dir, "pg"), port, persistent: false });
    return { adminUrl: handle.adminUrl, where: `127.0.0.1:${port} (embedded, temp dir)`, kind: "embedded", cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

// ---------------------------------------------------------------- measuring

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `clients` loops until the deadline; each loop calls `step` back to back. */
export async function runFor(seconds: number, clients: number, step: (client: number) => Promise<void>): Promise<number> {
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      while (performance.now() < deadline) await step(c);
    }),
  );
  return (performance.now() - started) / 1000;
}

/** Runs a benchmark's main and exits with its code (0 when it returns none), or prints the error and exits 1. */
export function runBench(main: () => Promise<number | void>): void {
  main().then(
    (code) => process.exit(code ?? 0),
    (err: unknown) => {
      console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
      process.exit(1);
    },
  );
}
