/**
 * The default database of a fresh machine: an embedded PostgreSQL whose data
 * folder survives a stop and a start, with migrations applied once.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createPrismaClient } from "./client";
import { prepareDatabase } from "./prepare-database";

/** A port nobody listens on now (the kernel's pick), rather than a random one that an ephemeral connection may hold. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === "object" ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

describe("embedded PostgreSQL", () => {
  let dir: string | undefined;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("keeps its data across a restart and does not migrate twice", async () => {
    dir = await mkdtemp(path.join(tmpdir(), "qecnet-embedded-"));
    const embeddedPort = await freePort();
    const first = await prepareDatabase({ dataDir: dir, embeddedPort });
    try {
      expect(first.embedded).toBe(true);
      expect(first.migrations.applied.length).toBeGreaterThan(0);
      const db = createPrismaClient(first.url, 2);
      await db.node.create({ data: { id: "hub-1", name: "Hub", role: "HUB", site: "Here" } });
      await db.$disconnect();
    } finally {
      await first.stop();
    }
    const second = await prepareDatabase({ dataDir: dir, embeddedPort });
    try {
      expect(second.migrations).toEqual({ applied: [], alreadyApplied: first.migrations.applied.length });
      const db = createPrismaClient(second.url, 2);
      expect(await db.node.findMany({ select: { id: true } })).toEqual([{ id: "hub-1" }]);
      await db.$disconnect();
    } finally {
      await second.stop();
    }
  });
});
