/**
 * The walk's page query leaves out each field that equals the row before it (entry-pages.ts, PAGE_SQL): the entries
 * read are still exactly the stored rows, at every page size and across page boundaries, and a row that holds a null
 * where none is allowed (the table altered) is read as it is, so the verifier reports it instead of filling in its
 * neighbour's value.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { AuditEntryDraft } from "../domain/audit/types";
import { createTestDatabase, type TestDatabase } from "../testing/test-database";
import { verifyStoredChain } from "./audit-log";
import { insertChainedEntries, tamperWithAuditEntries } from "../testing/synthetic-chain";
import { chainEntryTexts, GENESIS_HASH } from "./entry-hash";
import { readEntryPages, readStoredEntryPages } from "./entry-pages";

let t: TestDatabase;
let client: pg.Client;

const ACTORS = ["system:runner", "system:runner", "alice@qecnet.test", "system:runner"];
const ACTIONS = ["KEY_CREATED", "KEY_DISTRIBUTED", "KEY_DISTRIBUTED", "KEY_ACTIVATED", "KEY_ACTIVATED", "KEY_ACTIVATED"];
const STATES = [null, "GENERATED", "GENERATED", "ACTIVE", null];

/** 50 entries whose fields repeat in runs of different lengths, so every field is sometimes equal to the one before. */
function drafts(): AuditEntryDraft[] {
  return Array.from({ length: 50 }, (_, i) => ({
    at: new Date(Date.UTC(2026, 0, 1, 0, 0, Math.floor(i / 3))), // runs of three entries share their time
    actor: ACTORS[i % ACTORS.length]!,
    action: ACTIONS[i % ACTIONS.length]!,
    subjectType: i % 7 < 5 ? "key" : "link",
    subjectId: `s-${Math.floor(i / 2)}`, // pairs share their subject
    fromState: STATES[i % STATES.length]!,
    toState: STATES[(i + 1) % STATES.length]!,
    details: { i, note: i % 4 === 0 ? "same" : `n${i}` },
  }));
}

type Row = { seq: string; at: Date; actor: string | null; action: string | null; subject_type: string | null; subject_id: string | null; from_state: string | null; to_state: string | null; details: string; prev_hash: string | null; entry_hash: string | null };

async function storedRows(): Promise<Row[]> {
  const { rows } = await client.query<Row>(
    "SELECT seq::text AS seq, at, actor, action, subject_type, subject_id, from_state, to_state, details::text AS details, prev_hash, entry_hash FROM audit_entries ORDER BY audit_entries.seq",
  );
  return rows;
}

const tamper = (sql: string) => tamperWithAuditEntries(client, sql);

beforeAll(async () => {
  t = await createTestDatabase(inject("adminUrl"), "pages_delta");
  client = new pg.Client({ connectionString: t.url });
  await client.connect();
  const e = chainEntryTexts(GENESIS_HASH, 1n, drafts());
  await insertChainedEntries(client, e);
  const last = e[e.length - 1]!;
  await client.query("UPDATE audit_head SET seq = $1::bigint, hash = $2 WHERE id = 1", [last.seq.toString(), last.entryHash]);
});

afterAll(async () => {
  await client?.end();
  await t?.dispose();
});

describe("walk pages with repeated fields left out", () => {
  it("reads every field as stored, at every page size, from any start", async () => {
    const rows = await storedRows();
    for (const size of [1, 2, 3, 7, 50, 1000]) {
      for (const from of [0, 1, 13]) {
        const got: Row[] = [];
        for await (const page of readStoredEntryPages(client, BigInt(from), 50n, size)) {
          for (const e of page) {
            got.push({
              seq: e.seq.toString(), at: e.at, actor: e.actor, action: e.action, subject_type: e.subjectType, subject_id: e.subjectId,
              from_state: e.fromState, to_state: e.toState, details: e.detailsText, prev_hash: e.prevHash, entry_hash: e.entryHash,
            });
          }
        }
        expect(got, `page size ${size}, after #${from}`).toEqual(rows.slice(from));
      }
    }
    // The parsed reader decodes the same way.
    const parsed: unknown[] = [];
    for await (const page of readEntryPages(client, 0n, 50n, 7)) parsed.push(...page.map((e) => [e.seq.toString(), e.actor, e.subjectId, e.prevHash, e.details]));
    expect(parsed).toEqual(rows.map((r) => [r.seq, r.actor, r.subject_id, r.prev_hash, JSON.parse(r.details)]));
  });

  it("the chain verifies, on one thread and through the console's verifier", async () => {
    expect((await verifyStoredChain(t.db, { threads: 1 })).result).toMatchObject({ ok: true, entries: 50 });
    expect((await verifyStoredChain(t.db)).result).toMatchObject({ ok: true, entries: 50 });
  });

  it("a null where none is allowed is read as null, not as the value before it, and the verifier reports the entry", async () => {
    // #5 and #6 have the same actor; with NOT NULL dropped, #6's actor is set to null. Read as "same as #5", it would hash right.
    const [r5, r6] = (await storedRows()).slice(4, 6);
    expect(r6!.actor).toBe(r5!.actor);
    await client.query("ALTER TABLE audit_entries ALTER COLUMN actor DROP NOT NULL");
    await tamper("UPDATE audit_entries SET actor = NULL WHERE seq = 6");
    try {
      const got = [];
      for await (const page of readStoredEntryPages(client, 0n, 50n, 10)) got.push(...page);
      expect(got.map((e) => e.actor)).toEqual((await storedRows()).map((r) => r.actor));
      expect(got[5]!.actor).toBeNull();
      expect(got.length).toBe(50);
      const v = await verifyStoredChain(t.db, { threads: 1 });
      expect(v.result.ok).toBe(false);
      expect(v.result).toMatchObject({ failure: { kind: "MALFORMED_ENTRY", seq: 6n } });
    } finally {
      await tamper(`UPDATE audit_entries SET actor = '${r6!.actor}' WHERE seq = 6`);
      await client.query("ALTER TABLE audit_entries ALTER COLUMN actor SET NOT NULL");
    }
    expect((await verifyStoredChain(t.db, { threads: 1 })).result.ok).toBe(true);
  });

  it("a prev_hash changed to another entry's hash is sent as stored and reported as a broken link", async () => {
    const rows = await storedRows();
    await tamper(`UPDATE audit_entries SET prev_hash = '${rows[10]!.entry_hash}' WHERE seq = 20`);
    try {
      const v = await verifyStoredChain(t.db, { threads: 1 });
      expect(v.result.ok).toBe(false);
      expect(v.result).toMatchObject({ failure: { seq: 20n } });
    } finally {
      await tamper(`UPDATE audit_entries SET prev_hash = '${rows[19]!.prev_hash}' WHERE seq = 20`);
    }
  });
});
