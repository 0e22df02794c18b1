/**
 * The database server a bench runs against: DATABASE_URL's server (the bench
 * makes and drops its own database there), or an embedded PostgreSQL in a temp
 * dir on a free port, stopped and removed at the end.
 */
import { rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import type { EmbeddedPostgresHandle } from "../server/db/embedded-postgres";

export interface BenchTarget {
  adminUrl: string;
  where: string;
  cleanup(): Promise<void>;
}

async function freePort(): Promise<number> {
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

export async function openBenchTarget(): Promise<BenchTarget> {
  const url = process.env.DATABASE_URL;
  if (url) {
    const u = new URL(url);
    return { adminUrl: url, where: `${u.hostname}:${u.port || "5432"} (DATABASE_URL)`, cleanup: async () => undefined };
  }
  const { startEmbeddedPostgres } = await import("../server/db/embedded-postgres");
  const dir = await mkdtemp(path.join(os.tmpdir(), "qecnet-bench-pg-"));
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
    return { adminUrl: handle.adminUrl, where: `127.0.0.1:${port} (embedded, temp dir)`, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
