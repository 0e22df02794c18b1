import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import pg from "pg";
import { createTestDatabase, type TestDatabase } from "../testing/test-database";
import { migrate, readMigrations } from "./migrate";

describe("migration runner", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(inject("adminUrl"), "migr");
  });
  afterAll(async () => t.dispose());

  it("records every migration the way Prisma does and applies nothing twice", async () => {
    const files = await readMigrations();
    const again = await migrate(t.url);
    expect(again).toEqual({ applied: [], alreadyApplied: files.length });
    const c = new pg.Client({ connectionString: t.url });
    await c.connect();
    try {
      const { rows } = await c.query(
        `SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name`,
      );
      expect(rows.map((r) => r.migration_name)).toEqual(files.map((f) => f.name));
      for (const [i, r] of rows.entries()) {
        expect(r.checksum).toBe(files[i]!.checksum);
        expect(r.finished_at).toBeInstanceOf(Date);
        expect(r.applied_steps_count).toBe(1);
      }
      const head = await c.query(`SELECT seq, hash FROM audit_head`);
      expect(head.rows).toEqual([{ seq: "0", hash: "0".repeat(64) }]);
    } finally {
      await c.end();
    }
  });

  it("makes the audit chain append-only: UPDATE, DELETE and TRUNCATE are refused", async () => {
    const c = new pg.Client({ connectionString: t.url });
    await c.connect();
    try {
      await c.query(`INSERT INTO audit_entries (seq, at, actor, action, subject_type, subject_id, details, prev_hash, entry_hash)
                     VALUES (1, now(), 'a', 'TEST', 'system', 's', '{}', repeat('0', 64), repeat('1', 64))`);
      await expect(c.query(`UPDATE audit_entries SET actor = 'mallory' WHERE seq = 1`)).rejects.toThrow(/append-only: UPDATE of entry 1 refused/);
      await expect(c.query(`DELETE FROM audit_entries WHERE seq = 1`)).rejects.toThrow(/append-only: DELETE/);
      await expect(c.query(`TRUNCATE audit_entries`)).rejects.toThrow(/append-only/);
      const { rows } = await c.query(`SELECT actor FROM audit_entries`);
      expect(rows).toEqual([{ actor: "a" }]);
    } finally {
      await c.end();
    }
  });

  it("refuses a migration whose file changed after it was applied", async () => {
    const c = new pg.Client({ connectionString: t.url });
    await c.connect();
    await c.query(`UPDATE "_prisma_migrations" SET checksum = repeat('a', 64)`);
    await c.end();
    await expect(migrate(t.url)).rejects.toThrow(/was changed after it was applied/);
  });
});
