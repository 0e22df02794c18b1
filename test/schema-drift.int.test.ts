/**
 * prisma/schema.prisma and the hand-written migrations must describe the same
 * database. Prisma's schema engine (`prisma migrate diff`) is not available
 * here, so this compares Prisma's own parse of the schema (DMMF, from the
 * schema wasm) with pg_catalog of a freshly migrated database; see
 * server/testing/schema-drift.ts for what is compared.
 */
import { readFileSync } from "node:fs";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { getDmmf, PRISMA_SCHEMA_PATH, readSchemaDmmf } from "../server/testing/prisma-dmmf";
import { findSchemaDrift, readDatabaseShape, schemaShapeFromDmmf } from "../server/testing/schema-drift";
import { createTestDatabase, type TestDatabase } from "../server/testing/test-database";

function report(drift: string[]): string {
  return `prisma/schema.prisma and the migrated database disagree (${drift.length} difference(s)); ` +
    `change the schema and add a migration together:\n  - ${drift.join("\n  - ")}\n`;
}

describe("schema drift: prisma/schema.prisma vs the migrated database", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(inject("adminUrl"), "drift");
  });
  afterAll(async () => t?.dispose());

  it("the migrated database matches schema.prisma exactly, both ways", async () => {
    const dm = readSchemaDmmf();
    // Not vacuous: the parse sees every model and enum, and the database every table.
    // (containment, not equality: each feature adds its own tables and enums.)
    expect(dm.models.map((m) => m.dbName ?? m.name)).toEqual(
      expect.arrayContaining([
        "audit_checkpoints", "audit_entries", "audit_forward_cursors", "audit_head", "audit_merkle_nodes", "key_participants", "keys",
        "links", "nodes", "key_routes", "link_samples", "simulation_state",
      ]),
    );
    expect(dm.enums.map((e) => e.name)).toEqual(expect.arrayContaining(["KeyState", "LinkKind", "LinkStatus", "NodeRole", "NodeStatus"]));
    expect(dm.models.map((m) => m.dbName ?? m.name)).toEqual(expect.arrayContaining(
      ["users", "user_sessions", "user_accounts", "auth_verifications", "auth_rate_limits", "approval_rules", "approval_requests", "approval_votes"]));
    expect(dm.models.map((m) => m.dbName ?? m.name)).toContain("key_policies");
    expect(dm.enums.map((e) => e.name)).toEqual(expect.arrayContaining(["ApprovalStatus", "ApprovalDecision"]));
    const db = await readDatabaseShape(t.url);
    expect([...db.tables.keys()].sort()).toContain("_prisma_migrations");
    expect(db.tables.get("key_participants")?.primaryKey).toEqual(["key_id", "node_id"]);
    expect(schemaShapeFromDmmf(dm).tables.get("key_participants")?.primaryKey).toEqual(["key_id", "node_id"]);

    const drift = await findSchemaDrift(dm, t.url);
    expect(drift, report(drift)).toEqual([]);
  });

  it("reports schema.prisma declarations the database lacks", async () => {
    const text = readFileSync(PRISMA_SCHEMA_PATH, "utf8")
      .replace("  updatedAt DateTime @map(\"updated_at\") @db.Timestamptz(3)\n\n  @@map(\"audit_head\")",
        "  updatedAt DateTime @map(\"updated_at\") @db.Timestamptz(3)\n  note      String?\n\n  @@map(\"audit_head\")")
      .replace("  @@index([label, state, activatedAt])\n", "  @@unique([label, state, activatedAt])\n")
      .replace("  fingerprint        String\n", "  fingerprint        String   @db.VarChar(80)\n")
      .replace("  policy             String   @default(\"standard\")", "  policy             String   @default(\"strict\")")
      .replace("  DESTROYED\n}", "  DESTROYED\n  ARCHIVED\n}")
      .replace("onDelete: Cascade)", "onDelete: Restrict)");
    const drift = await findSchemaDrift(getDmmf(text), t.url);
    expect(drift.sort()).toEqual([
      "Column audit_head.note (AuditHead.note) is declared in schema.prisma but missing from the database",
      "Column keys.fingerprint (Key.fingerprint): schema.prisma says type character varying(80) but the database has text",
      "Column keys.policy (Key.policy): schema.prisma says default strict but the database has default standard",
      "Enum KeyState: schema.prisma lists (GENERATED, DISTRIBUTED, ACTIVE, ROTATING, RETIRED, REVOKED, DESTROYED, ARCHIVED) " +
        "but the database type has (GENERATED, DISTRIBUTED, ACTIVE, ROTATING, RETIRED, REVOKED, DESTROYED)",
      "Table key_participants (model KeyParticipant): foreign key (key_id) → keys(id): schema.prisma says ON DELETE RESTRICT ON UPDATE CASCADE " +
        "but the database has ON DELETE CASCADE ON UPDATE CASCADE",
      "Table keys (model Key): index (label, state, activated_at) exists in the database but schema.prisma does not declare it",
      "Table keys (model Key): unique index (label, state, activated_at) is declared in schema.prisma but missing from the database",
    ]);
  });

  it("reports every kind of change made to a migrated database behind the schema's back", async () => {
    const other = await createTestDatabase(inject("adminUrl"), "drift2");
    try {
      const c = new pg.Client({ connectionString: other.url });
      await c.connect();
      try {
        for (const sql of [
          `ALTER TABLE keys ADD COLUMN rogue TEXT`,
          `ALTER TABLE nodes ALTER COLUMN site DROP NOT NULL`,
          `ALTER TABLE links ALTER COLUMN qber TYPE REAL`,
          `ALTER TABLE nodes ALTER COLUMN status SET DEFAULT 'OFFLINE'`,
          `ALTER TABLE keys ALTER COLUMN updated_at SET DEFAULT CURRENT_TIMESTAMP`,
          `ALTER TABLE audit_entries RENAME COLUMN actor TO actor_name`,
          `ALTER TYPE "LinkStatus" ADD VALUE 'MAINTENANCE'`,
          `DROP INDEX keys_label_state_activated_at_idx`,
          `CREATE UNIQUE INDEX audit_entries_entry_hash_key ON audit_entries (entry_hash)`,
          `ALTER TABLE key_participants DROP CONSTRAINT key_participants_key_id_fkey,
             ADD CONSTRAINT key_participants_key_id_fkey FOREIGN KEY (key_id) REFERENCES keys(id) ON DELETE RESTRICT ON UPDATE CASCADE`,
          `ALTER TABLE audit_head DROP CONSTRAINT audit_head_pkey, ADD CONSTRAINT audit_head_pkey PRIMARY KEY (id, seq)`,
          `CREATE TABLE rogue_table (id INTEGER PRIMARY KEY)`,
          `CREATE TYPE "Mood" AS ENUM ('HAPPY')`,
        ]) {
          await c.query(sql);
        }
      } finally {
        await c.end();
      }
      const drift = await findSchemaDrift(readSchemaDmmf(), other.url);
      expect(drift.sort(), report(drift)).toEqual([
        "Column audit_entries.actor (AuditEntry.actor) is declared in schema.prisma but missing from the database",
        "Column audit_entries.actor_name exists in the database but schema.prisma does not declare it",
        "Column keys.rogue exists in the database but schema.prisma does not declare it",
        "Column keys.updated_at (Key.updatedAt): schema.prisma says no default but the database has default now()",
        "Column links.qber (Link.qber): schema.prisma says type double precision but the database has real",
        "Column nodes.site (Node.site): schema.prisma says NOT NULL (required) but the database column is nullable",
        "Column nodes.status (Node.status): schema.prisma says default ONLINE but the database has default OFFLINE",
        "Enum LinkStatus: schema.prisma lists (UP, DEGRADED, DOWN) but the database type has (UP, DEGRADED, DOWN, MAINTENANCE)",
        "Enum type Mood exists in the database but schema.prisma does not declare it",
        "Table audit_entries (model AuditEntry): unique index (entry_hash) exists in the database but schema.prisma does not declare it",
        "Table audit_head (model AuditHead): schema.prisma says primary key (id) but the database has (id, seq)",
        "Table key_participants (model KeyParticipant): foreign key (key_id) → keys(id): schema.prisma says ON DELETE CASCADE ON UPDATE CASCADE " +
          "but the database has ON DELETE RESTRICT ON UPDATE CASCADE",
        "Table keys (model Key): index (label, state, activated_at) is declared in schema.prisma but missing from the database",
        "Table rogue_table exists in the database but schema.prisma has no model for it",
      ]);
    } finally {
      await other.dispose();
    }
  });
});
