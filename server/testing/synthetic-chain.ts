/**
 * Growing the stored audit chain with synthetic entries, fast, for benches and
 * tests that need a long chain: each batch is chained onto the locked head by
 * the project's own hashing and inserted by one statement, as the appender
 * would have written it (the chain verifies).
 */
import pg from "pg";
import { chainEntryTexts, type ChainedEntry } from "../audit/entry-hash";
import type { AuditEntryDraft, JsonValue } from "../domain/audit/types";

export interface GrowChainOptions {
  /** Entries per transaction (one INSERT each). */
  batch?: number;
  /** The details of the entry made as number i (0-based over the chain); default { count: 1, version: i }. */
  details?: (i: number) => { [k: string]: JsonValue };
}

/** Appends synthetic entries until the chain holds `total`; returns how many it appended and the seconds it took. */
export async function growChainTo(url: string, total: number, opts: GrowChainOptions = {}): Promise<{ rows: number; seconds: number }> {
  const batch = opts.batch ?? 10_000;
  const details = opts.details ?? ((i: number) => ({ count: 1, version: i }));
  const c = new pg.Client({ connectionString: url });
  c.on("error", () => undefined);
  await c.connect();
  const started = performance.now();
  let rows = 0;
  try {
    for (;;) {
      const head = (await c.query<{ seq: string }>("SELECT seq::text AS seq FROM audit_head WHERE id = 1")).rows[0];
      if (!head) throw new Error("audit_head row missing: the database was not migrated");
      const have = Number(head.seq);
      if (have >= total) break;
      const n = Math.min(batch, total - have);
      const at = new Date();
      const drafts: AuditEntryDraft[] = Array.from({ length: n }, (_, i) => ({
        at, actor: "bench", action: "BENCH_SYNTHETIC_ENTRY", subjectType: "bench", subjectId: `synthetic-${have + i}`,
        fromState: "ACTIVE", toState: "ACTIVE", details: details(have + i),
      }));
      rows += (await appendDrafts(c, drafts)).length;
    }
  } finally {
    await c.end();
  }
  return { rows, seconds: (performance.now() - started) / 1000 };
}

/**
 * Chains drafts onto the locked head and stores them with the head moved, in one transaction, as the appender
 * would have written them. Returns the entries written.
 */
export async function appendDrafts(c: pg.ClientBase, drafts: readonly AuditEntryDraft[]): Promise<ChainedEntry[]> {
  await c.query("BEGIN");
  try {
    const head = (await c.query<{ seq: string; hash: string }>("SELECT seq::text AS seq, hash FROM audit_head WHERE id = 1 FOR UPDATE")).rows[0];
    if (!head) throw new Error("audit_head row missing: the database was not migrated");
    const e = chainEntryTexts(head.hash, BigInt(head.seq) + 1n, drafts);
    await insertChainedEntries(c, e);
    const last = e[e.length - 1];
    if (last) await c.query("UPDATE audit_head SET seq = $1::bigint, hash = $2, updated_at = now() WHERE id = 1", [last.seq.toString(), last.entryHash]);
    await c.query("COMMIT");
    return e;
  } catch (err) {
    await c.query("ROLLBACK").catch(() => undefined);
    throw err;
  }
}

/** Inserts chained entries as the appender stores them (details as their canonical text), in one statement. */
export async function insertChainedEntries(c: pg.ClientBase, e: readonly ChainedEntry[]): Promise<void> {
  await c.query(
    `INSERT INTO audit_entries (seq, at, actor, action, subject_type, subject_id, from_state, to_state, details, prev_hash, entry_hash)
     SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::json[], $10::text[], $11::text[])`,
    [e.map((x) => x.seq.toString()), e.map((x) => x.at.toISOString()), e.map((x) => x.actor), e.map((x) => x.action), e.map((x) => x.subjectType),
      e.map((x) => x.subjectId), e.map((x) => x.fromState), e.map((x) => x.toState), e.map((x) => x.detailsText), e.map((x) => x.prevHash), e.map((x) => x.entryHash)],
  );
}

/** Runs an edit of stored audit entries the way someone with the table owner's rights would: past the append-only trigger. */
export async function tamperWithAuditEntries(c: pg.ClientBase, sql: string, values: unknown[] = []): Promise<void> {
  await c.query("ALTER TABLE audit_entries DISABLE TRIGGER USER");
  try {
    await c.query(sql, values);
  } finally {
    await c.query("ALTER TABLE audit_entries ENABLE TRIGGER USER");
  }
}
