/**
 * The database client's session setup: every connection of the pool, whoever
 * checks it out (the runner through the pg pool, Prisma through the adapter),
 * runs with JIT compilation off, as server/db/client.ts explains.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../testing/test-database";
import { poolOf } from "./client";

describe("database client", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(inject("adminUrl"), "client");
  });
  afterAll(async () => t.dispose());

  it("every connection, through the pool or through Prisma, has JIT off", async () => {
    const pool = poolOf(t.db);
    // Several at once, so that several connections are opened.
    const viaPool = await Promise.all(Array.from({ length: 6 }, () => pool.query<{ jit: string }>("SELECT current_setting('jit') AS jit, pg_sleep(0.05)")));
    const viaPrisma = await Promise.all(Array.from({ length: 3 }, () => t.db.$queryRawUnsafe<Array<{ jit: string }>>("SELECT current_setting('jit') AS jit")));
    expect(pool.totalCount).toBeGreaterThan(1);
    expect([...viaPool.map((r) => r.rows[0]!.jit), ...viaPrisma.map((r) => r[0]!.jit)]).toEqual(Array(9).fill("off"));
  });
});
