/** readEntryPages: exactly the entries of the asked range across page boundaries and gaps, and a walk broken off early leaves its connection usable. */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../testing/test-database";
import { chainEntries, GENESIS_HASH } from "./entry-hash";
import { readEntryPages } from "./entry-pages";
import type { AuditEntryDraft } from "../domain/audit/types";

let t: TestDatabase;
let client: pg.Client;

beforeAll(async () => {
  t = await createTestDatabase(inject("adminUrl"), "pages");
  client = new pg.Client({ connectionString: t.url });
  await client.connect();
  const drafts: AuditEntryDraft[] = Array.from({ length: 60 }, (_, i) => ({
    at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)), actor: "test", action: "PAGE_TEST", subjectType: "t", subjectId: `s-${i}`,
    fromState: null, toState: null, details: { i },
  }));
  const e = chainEntries(GENESIS_HASH, 1n, drafts);
  await client.query(
    `INSERT INTO audit_entries (seq, at, actor, action, subject_type, subject_id, from_state, to_state, details, prev_hash, entry_hash)
     SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::jsonb[], $10::text[], $11::text[])`,
    [e.map((x) => x.seq.toString()), e.map((x) => x.at.toISOString()), e.map((x) => x.actor), e.map((x) => x.action), e.map((x) => x.subjectType),
      e.map((x) => x.subjectId), e.map((x) => x.fromState), e.map((x) => x.toState), e.map((x) => JSON.stringify(x.details)), e.map((x) => x.prevHash), e.map((x) => x.entryHash)],
  );
  // A gap: #30-#34 gone (the append-only trigger is bypassed the way an attacker with the table owner's rights would).
  await client.query("ALTER TABLE audit_entries DISABLE TRIGGER USER");
  await client.query("DELETE FROM audit_entries WHERE seq BETWEEN 30 AND 34");
  await client.query("ALTER TABLE audit_entries ENABLE TRIGGER USER");
});

afterAll(async () => {
  await client?.end();
  await t?.dispose();
});

async function seqs(after: bigint, to: bigint, pageSize: number): Promise<{ seqs: number[]; pages: number[] }> {
  const out: number[] = [];
  const pages: number[] = [];
  for await (const page of readEntryPages(client, after, to, pageSize)) {
    pages.push(page.length);
    out.push(...page.map((e) => Number(e.seq)));
  }
  return { seqs: out, pages };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i).filter((s) => s < 30 || s > 34);

describe("readEntryPages", () => {
  it("returns afterSeq < seq <= toSeq in order, for page sizes below, at and above the range", async () => {
    for (const size of [1, 7, 10, 55, 1000]) {
      expect((await seqs(0n, 60n, size)).seqs).toEqual(range(1, 60));
      expect((await seqs(12n, 41n, size)).seqs).toEqual(range(13, 41));
    }
    expect((await seqs(60n, 60n, 10)).seqs).toEqual([]);
    expect((await seqs(59n, 1000n, 10)).seqs).toEqual([60]);
  });

  it("reads the fields as stored (bigint seq, Date, parsed details)", async () => {
    const { value } = await readEntryPages(client, 4n, 5n).next();
    const e = value![0]!;
    expect(e.seq).toBe(5n);
    expect(e.at.toISOString()).toBe("2026-01-01T00:00:04.000Z");
    expect(e.details).toEqual({ i: 4 });
    expect(e.fromState).toBeNull();
  });

  it("a walk broken off after the first page leaves the connection usable", async () => {
    for await (const page of readEntryPages(client, 0n, 60n, 5)) {
      expect(page.length).toBe(5);
      break;
    }
    const { rows } = await client.query<{ n: string }>("SELECT count(*)::text AS n FROM audit_entries");
    expect(rows[0]!.n).toBe("55");
  });
});
