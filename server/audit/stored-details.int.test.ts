/**
 * audit_entries.details keeps the canonical JSON text the appender hashed (type json), and the verifiers hash that
 * text as stored: entries written through the transition runner pass the quick check without their details being
 * parsed; entries whose text is not the hashed text (jsonb's, from before the column was json) are checked the full
 * way with the verdict they always had; an edit of the stored text is still found, one thread or two.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { canonicalJson } from "../domain/audit/canonical-json";
import type { StoredAuditEntry } from "../domain/audit/types";
import { createNodes, testKeyService } from "../testing/fixtures";
import { growChainTo, tamperWithAuditEntries } from "../testing/synthetic-chain";
import { createTestDatabase, type TestDatabase } from "../testing/test-database";
import { readHead, verifyStoredChain } from "./audit-log";
import { GENESIS_HASH, storedEntryPassesQuickly } from "./entry-hash";
import { readStoredEntryPages } from "./entry-pages";
import { SPLIT_MIN_ENTRIES } from "./verify-threads/split-verify";

let t: TestDatabase;
let client: pg.Client;

async function stored(): Promise<StoredAuditEntry[]> {
  const out: StoredAuditEntry[] = [];
  for await (const page of readStoredEntryPages(client, 0n, (await readHead(t.db)).seq)) out.push(...page);
  return out;
}

const tamper = (sql: string, values: unknown[]) => tamperWithAuditEntries(client, sql, values);

beforeAll(async () => {
  t = await createTestDatabase(inject("adminUrl"), "details");
  client = new pg.Client({ connectionString: t.url });
  await client.connect();
  await createNodes(t.db);
  const svc = testKeyService(t.db);
  const actor = { actor: "test" };
  for (let i = 0; i < 3; i++) {
    const k = await svc.create({ label: `stored-${i}`, purpose: "test", policy: "standard", participants: ["node-a", "node-b"] }, actor);
    await svc.apply(k.id, { type: "DISTRIBUTE" }, actor);
    await svc.collectReceipts(k.id, actor);
    await svc.apply(k.id, { type: "RECORD_USAGE", count: 2 }, actor);
    await svc.apply(k.id, { type: "REVOKE", reason: "test: \"quoted\" reason, ünïcode" }, actor);
  }
}, 60_000);

afterAll(async () => {
  await client?.end();
  await t?.dispose();
});

describe("audit details stored as the hashed text", () => {
  it("keeps every entry the runner wrote as its canonical text, and each passes the quick check as stored", async () => {
    const entries = await stored();
    expect(entries.length).toBeGreaterThan(15);
    let prev = { seq: 0n, hash: GENESIS_HASH };
    for (const e of entries) {
      expect(e.detailsText).toBe(canonicalJson(JSON.parse(e.detailsText)));
      expect(storedEntryPassesQuickly(prev, e)).toBe(true);
      prev = { seq: e.seq, hash: e.entryHash };
    }
    // Not a check that passes anything: a wrong link or a changed byte fails it.
    const [first, second] = entries as [StoredAuditEntry, StoredAuditEntry];
    expect(storedEntryPassesQuickly({ seq: 0n, hash: GENESIS_HASH }, second)).toBe(false);
    expect(storedEntryPassesQuickly({ seq: 0n, hash: GENESIS_HASH }, { ...first, detailsText: first.detailsText.replace("}", ' }') })).toBe(false);
    expect((await verifyStoredChain(t.db)).result.ok).toBe(true);
  });

  it("checks an entry whose stored text is jsonb's (written before details were kept as written) the full way, and it passes", async () => {
    const seq = 5;
    await tamper("UPDATE audit_entries SET details = details::jsonb::json WHERE seq = $1", [seq]);
    const e = (await stored())[seq - 1]!;
    expect(e.detailsText).not.toBe(canonicalJson(JSON.parse(e.detailsText))); // jsonb's text: spaces, keys by length
    const before = (await stored())[seq - 2]!;
    expect(storedEntryPassesQuickly({ seq: before.seq, hash: before.entryHash }, e)).toBe(false);
    const v = await verifyStoredChain(t.db);
    expect(v.result).toMatchObject({ ok: true });
  });

  it("finds an edit of the stored text (meaning changed, still canonical), and text that is not an object", async () => {
    const entries = await stored();
    const target = entries.find((e) => e.detailsText.includes('"count":2'))!;
    await tamper("UPDATE audit_entries SET details = $2::json WHERE seq = $1", [target.seq.toString(), target.detailsText.replace('"count":2', '"count":3')]);
    const v = await verifyStoredChain(t.db, { threads: 1 });
    expect(v.result.ok).toBe(false);
    if (!v.result.ok) expect(v.result.failures.map((f) => [f.kind, f.seq])).toEqual([["ENTRY_HASH_MISMATCH", target.seq]]);

    const other = entries[2]!;
    await tamper("UPDATE audit_entries SET details = '[1,2]'::json WHERE seq = $1", [other.seq.toString()]);
    const w = await verifyStoredChain(t.db, { threads: 1 });
    expect(w.result.ok).toBe(false);
    if (!w.result.ok) {
      expect(w.result.failures.map((f) => [f.kind, f.seq])).toEqual([["MALFORMED_ENTRY", other.seq], ["ENTRY_HASH_MISMATCH", target.seq]]);
      expect(w.result.failures[0]!.message).toContain('"details"');
    }
  });

  it("finds an edit on two threads too: the worker reads the stored text the same way", async () => {
    // A database of its own: the tests above left this one's chain broken, which would make any walk fall back to one thread.
    const own = await createTestDatabase(inject("adminUrl"), "details2");
    const c = new pg.Client({ connectionString: own.url });
    await c.connect();
    try {
      await growChainTo(own.url, Number(SPLIT_MIN_ENTRIES) + 1_000);
      const sound = await verifyStoredChain(own.db);
      expect(sound.threads).toBe(2);
      expect(sound.result.ok).toBe(true);
      // An entry of the upper half, which the worker walks.
      const upper = SPLIT_MIN_ENTRIES;
      const late: StoredAuditEntry[] = [];
      for await (const page of readStoredEntryPages(c, upper - 1n, upper)) late.push(...page);
      const e = late[0]!;
      expect(e.detailsText).toBe(canonicalJson(JSON.parse(e.detailsText)));
      await tamperWithAuditEntries(c, "UPDATE audit_entries SET details = $2::json WHERE seq = $1", [e.seq.toString(), e.detailsText.replace("{", '{"extra":1,')]);
      const v = await verifyStoredChain(own.db);
      expect(v.result.ok).toBe(false);
      if (!v.result.ok) expect(v.result.failures.map((f) => [f.kind, f.seq])).toEqual([["ENTRY_HASH_MISMATCH", e.seq]]);
    } finally {
      await c.end();
      await own.dispose();
    }
  }, 120_000);
});
