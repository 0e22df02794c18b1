/**
 * Reading stored audit entries fast, for everything that walks the whole
 * chain (the verifier, checkpoints, the integrity monitor): plain pg in large
 * keyset pages, rows as arrays, no ORM objects in between.
 */
import type pg from "pg";
import type { AuditEntryRecord, StoredAuditEntry } from "../domain/audit/types";
import { AUDIT_ROW_TYPES, AUDIT_ROW_TYPES_DETAILS_AS_TEXT } from "./utc-timestamp";

/** A row as the page query sends it (rowMode "array"); a field left out as its neighbour's is null (see PAGE_SQL). */
type EntryTuple = [string | null, Date | null, string | null, string | null, string | null, string | null, string | null, string | null, unknown, string | null, string | null];

type Fields = Omit<AuditEntryRecord, "details">;

/** Builds a reader's entry from a row's decoded fields, positionally (no intermediate object per row). */
type MakeEntry<E> = (
  seq: bigint, at: Date, actor: string, action: string, subjectType: string, subjectId: string,
  fromState: string | null, toState: string | null, details: unknown, prevHash: string, entryHash: string,
) => E;

/**
 * The entries of a page as PAGE_SQL sends them: a field sent as null is the one of the row before it (seq that one's
 * plus one, prevHash that one's entryHash). Null when the page cannot be read this way: a row whose entry_hash came
 * as null (it has a null where none is allowed, see PAGE_SQL), or a first row with a field left out (which PAGE_SQL
 * never sends); the caller then reads the page as stored (PLAIN_PAGE_SQL).
 */
function decodeDelta<E extends Fields>(rows: readonly EntryTuple[], make: MakeEntry<E>): E[] | null {
  const out: E[] = [];
  let p: E | null = null;
  for (const r of rows) {
    const entryHash = r[10];
    if (entryHash === null) return null;
    if (p === null) {
      if (r[0] === null || r[1] === null || r[2] === null || r[3] === null || r[4] === null || r[5] === null || r[9] === null) return null;
      p = make(BigInt(r[0]), r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], entryHash);
    } else {
      p = make(r[0] === null ? p.seq + 1n : BigInt(r[0]), r[1] ?? p.at, r[2] ?? p.actor, r[3] ?? p.action, r[4] ?? p.subjectType,
        r[5] ?? p.subjectId, r[6], r[7], r[8], r[9] ?? p.entryHash, entryHash);
    }
    out.push(p);
  }
  return out;
}

/** A row of PLAIN_PAGE_SQL (every field as stored, nulls included). */
function decodePlain<E>(rows: readonly EntryTuple[], make: MakeEntry<E>): E[] {
  return rows.map((r) => make(BigInt(r[0] as string), r[1] as Date, r[2] as string, r[3] as string, r[4] as string, r[5] as string,
    r[6], r[7], r[8], r[9] as string, r[10] as string));
}

const withParsedDetails: MakeEntry<AuditEntryRecord> = (seq, at, actor, action, subjectType, subjectId, fromState, toState, details, prevHash, entryHash) => ({
  seq, at, actor, action, subjectType, subjectId, fromState, toState, details: details as AuditEntryRecord["details"], prevHash, entryHash,
});
const withDetailsText: MakeEntry<StoredAuditEntry> = (seq, at, actor, action, subjectType, subjectId, fromState, toState, details, prevHash, entryHash) => ({
  seq, at, actor, action, subjectType, subjectId, fromState, toState, detailsText: details as string, prevHash, entryHash,
});

/**
 * Rows per page of a walk. The driver parses a page's rows as its socket delivers them, several hundred kilobytes
 * per turn of the event loop: 10,000-row pages held the console's event loop for 20–60 ms at a time during a
 * verification (bench:transitions reports the longest stall). Smaller pages also cost less CPU, as a page and the
 * next one (asked for ahead) are what every young-generation collection has to keep: a one-thread walk of 100,000
 * entries on one connection took 360–450 ms of CPU with 500- or 1,000-row pages, 420–590 ms with 2,500-row pages and
 * 700–1,300 ms with 5,000-row pages (after queryPage below).
 */
export const WALK_PAGE_SIZE = 1_000;

/**
 * A page of entries, each field that equals the row before it in the page sent as null (seq when it is that one's
 * plus one, prevHash when it is that one's entry_hash): in a sound chain every row's prev_hash and seq follow from the
 * row before, and the entries of a batch share their time, actor and often more. The driver then has fewer and
 * shorter fields to decode (bench:transitions' walk of 100,000 entries: ~0.8 µs of the ~3 µs per entry were the
 * driver's decoding of 11 fields), and PostgreSQL sends fewer bytes, for a little more of its work (the window).
 * decodeDelta fills them in again. Null can then no longer mean null in those columns, which allow none; a row that
 * holds one anyway (someone altered the table) comes without its entry_hash, and the page is read again as stored.
 * from_state and to_state allow null and are sent as they are.
 */
const PAGE_SQL = `SELECT NULLIF(seq, lag(seq) OVER w + 1), NULLIF(at, lag(at) OVER w), NULLIF(actor, lag(actor) OVER w),
    NULLIF(action, lag(action) OVER w), NULLIF(subject_type, lag(subject_type) OVER w), NULLIF(subject_id, lag(subject_id) OVER w),
    from_state, to_state, details, NULLIF(prev_hash, lag(entry_hash) OVER w),
    CASE WHEN num_nulls(seq, at, actor, action, subject_type, subject_id, prev_hash) = 0 THEN entry_hash END
  FROM (SELECT seq, at, actor, action, subject_type, subject_id, from_state, to_state, details, prev_hash, entry_hash
          FROM audit_entries WHERE seq > $1 ORDER BY seq LIMIT $2) page
  WINDOW w AS (ORDER BY seq) ORDER BY seq`;

/** The same page with every field as stored, for the page PAGE_SQL cannot send (a null where none is allowed). */
const PLAIN_PAGE_SQL = `SELECT seq, at, actor, action, subject_type, subject_id, from_state, to_state, details, prev_hash, entry_hash
  FROM audit_entries WHERE seq > $1 ORDER BY seq LIMIT $2`;

/**
 * Entries with afterSeq < seq ≤ toSeq, ascending, in pages (keyset paging:
 * memory stays flat). Rows come as arrays (no per-row object from the
 * driver), timestamps through parseTimestamptz (the driver's Date, read
 * more cheaply), and the next page is asked for as soon as a page arrives,
 * so PostgreSQL reads it while the caller works on this one.
 *
 * The query has only the lower bound, on purpose: with `seq <= $2` as well,
 * a table whose statistics lag behind its size (a log that just grew) gets a
 * bitmap scan of the whole rest of the range plus a sort per page, so a walk
 * turns quadratic. The upper bound is applied here instead, and no page asks
 * for more rows than the range can hold.
 */
export function readEntryPages(client: pg.ClientBase | pg.Pool, afterSeq: bigint, toSeq: bigint, pageSize = WALK_PAGE_SIZE): AsyncGenerator<AuditEntryRecord[]> {
  return readPages(client, afterSeq, toSeq, pageSize, withParsedDetails, AUDIT_ROW_TYPES, "qecnet-audit-entry-page-v3");
}

/**
 * readEntryPages for the verifiers: each entry's details as the text stored (audit_entries.details is json, which
 * keeps the canonical text the appender hashed), not parsed, so a walk hashes the text as it is and parses only the
 * entries whose stored text does not hash right (verify-chain.ts).
 */
export function readStoredEntryPages(client: pg.ClientBase | pg.Pool, afterSeq: bigint, toSeq: bigint, pageSize = WALK_PAGE_SIZE): AsyncGenerator<StoredAuditEntry[]> {
  return readPages(client, afterSeq, toSeq, pageSize, withDetailsText, AUDIT_ROW_TYPES_DETAILS_AS_TEXT, "qecnet-audit-entry-page-text-v2");
}

/**
 * A page's query, through node-postgres's callback form with the promise made here. Its promise form (query without
 * a callback) made a walk's rows outlive young-generation collections and get promoted: a one-thread walk of 100,000
 * entries on one connection spent 1,380 ms in scavenges (7 walks, --trace-gc) against 236 ms this way, and took
 * 570–640 ms of CPU per walk against 360–400 ms.
 */
function queryPage(client: pg.ClientBase | pg.Pool, config: pg.QueryArrayConfig): Promise<pg.QueryArrayResult<EntryTuple>> {
  return new Promise((resolve, reject) => {
    client.query<EntryTuple>(config, (err: Error | undefined, result: pg.QueryArrayResult<EntryTuple>) => (err ? reject(err) : resolve(result)));
  });
}

async function* readPages<E extends Fields>(
  client: pg.ClientBase | pg.Pool, afterSeq: bigint, toSeq: bigint, pageSize: number,
  make: MakeEntry<E>, types: typeof AUDIT_ROW_TYPES, name: string,
): AsyncGenerator<E[]> {
  const pageOf = (after: bigint) => {
    const left = toSeq - after;
    return [after.toString(), left < BigInt(pageSize) ? Number(left) : pageSize];
  };
  const ask = (after: bigint) => queryPage(client, { name, rowMode: "array", text: PAGE_SQL, values: pageOf(after), types });
  if (afterSeq >= toSeq) return;
  let after = afterSeq;
  let pending: ReturnType<typeof ask> | null = ask(after);
  try {
    for (;;) {
      const asked: ReturnType<typeof ask> = pending!;
      pending = null;
      const { rows } = await asked;
      const entries = decodeDelta(rows, make) ??
        decodePlain((await queryPage(client, { name: `${name}-plain`, rowMode: "array", text: PLAIN_PAGE_SQL, values: pageOf(after), types })).rows, make);
      const page: E[] = [];
      for (const e of entries) {
        if (e.seq > toSeq) break;
        page.push(e);
      }
      const last = page[page.length - 1];
      const more = last !== undefined && page.length === entries.length && entries.length === pageSize && last.seq < toSeq;
      if (more) {
        after = last.seq;
        pending = ask(after);
      }
      if (page.length > 0) yield page;
      if (!more) return;
    }
  } finally {
    // A caller that stops early must not leave a query running on its connection (or an unhandled rejection).
    if (pending) await pending.catch(() => undefined);
  }
}
