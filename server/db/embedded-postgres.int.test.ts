/**
 * The default database of a fresh machine: an embedded PostgreSQL whose data
 * folder survives a stop and a start, with migrations applied once.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createPrismaClient } from "./client";
import { prepareDatabase } from "./prepare-database";

describe("embedded PostgreSQL", () => {
  let dir: string | undefined;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("keeps its data across a restart and does not migrate twice", async () => {
    dir = await mkdtemp(path.join(tmpdir(), "qecnet-embedded-"));
    const embeddedPort = 40000 + Math.floor(Math.random() * 10000);
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
