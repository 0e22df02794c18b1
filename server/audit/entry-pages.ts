/**
 * Reading stored audit entries fast, for everything that walks the whole
 * chain (the verifier, checkpoints, the integrity monitor): plain pg in large
 * keyset pages, rows as arrays, no ORM objects in between.
 */
import type pg from "pg";
import type { AuditEntryRecord, StoredAuditEntry } from "../domain/audit/types";
import { AUDIT_ROW_TYPES, AUDIT_ROW_TYPES_DETAILS_AS_TEXT } from "./utc-timestamp";

type EntryTuple = [string, Date, string, string, string, string, string | null, string | null, unknown, string, string];

function tupleToRecord(r: EntryTuple): AuditEntryRecord {
  return {
    seq: BigInt(r[0]), at: r[1], actor: r[2], action: r[3], subjectType: r[4], subjectId: r[5],
    fromState: r[6], toState: r[7], details: r[8] as never, prevHash: r[9], entryHash: r[10],
  };
}

function tupleToStored(r: EntryTuple): StoredAuditEntry {
  return {
    seq: BigInt(r[0]), at: r[1], actor: r[2], action: r[3], subjectType: r[4], subjectId: r[5],
    fromState: r[6], toState: r[7], detailsText: r[8] as string, prevHash: r[9], entryHash: r[10],
  };
}

/**
 * Rows per page of a walk. The driver parses a page's rows as its socket delivers them, several hundred kilobytes
 * per turn of the event loop: 10,000-row pages held the console's event loop for 20–60 ms at a time during a
 * verification (bench:transitions reports the longest stall). Smaller pages also cost less CPU, as a page and the
 * next one (asked for ahead) are what every young-generation collection has to keep: a one-thread walk of 100,000
 * entries on one connection took 360–450 ms of CPU with 500- or 1,000-row pages, 420–590 ms with 2,500-row pages and
 * 700–1,300 ms with 5,000-row pages (after queryPage below).
 */
export const WALK_PAGE_SIZE = 1_000;

const PAGE_SQL = `SELECT seq, at, actor, action, subject_type, subject_id, from_state, to_state, details, prev_hash, entry_hash
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
  return readPages(client, afterSeq, toSeq, pageSize, tupleToRecord, AUDIT_ROW_TYPES, "qecnet-audit-entry-page-v2");
}

/**
 * readEntryPages for the verifiers: each entry's details as the text stored (audit_entries.details is json, which
 * keeps the canonical text the appender hashed), not parsed, so a walk hashes the text as it is and parses only the
 * entries whose stored text does not hash right (verify-chain.ts).
 */
export function readStoredEntryPages(client: pg.ClientBase | pg.Pool, afterSeq: bigint, toSeq: bigint, pageSize = WALK_PAGE_SIZE): AsyncGenerator<StoredAuditEntry[]> {
  return readPages(client, afterSeq, toSeq, pageSize, tupleToStored, AUDIT_ROW_TYPES_DETAILS_AS_TEXT, "qecnet-audit-entry-page-text");
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

async function* readPages<E extends { seq: bigint }>(
  client: pg.ClientBase | pg.Pool, afterSeq: bigint, toSeq: bigint, pageSize: number,
  toEntry: (r: EntryTuple) => E, types: typeof AUDIT_ROW_TYPES, name: string,
): AsyncGenerator<E[]> {
  const ask = (after: bigint) => {
    const left = toSeq - after;
    const limit = left < BigInt(pageSize) ? Number(left) : pageSize;
    return queryPage(client, { name, rowMode: "array", text: PAGE_SQL, values: [after.toString(), limit], types });
  };
  if (afterSeq >= toSeq) return;
  let pending: ReturnType<typeof ask> | null = ask(afterSeq);
  try {
    for (;;) {
      const asked: ReturnType<typeof ask> = pending!;
      pending = null;
      const { rows } = await asked;
      const page: E[] = [];
      for (const r of rows) {
        const e = toEntry(r);
        if (e.seq > toSeq) break;
        page.push(e);
      }
      const last = page[page.length - 1];
      const more = last !== undefined && page.length === rows.length && rows.length === pageSize && last.seq < toSeq;
      if (more) pending = ask(last.seq);
      if (page.length > 0) yield page;
      if (!more) return;
    }
  } finally {
    // A caller that stops early must not leave a query running on its connection (or an unhandled rejection).
    if (pending) await pending.catch(() => undefined);
  }
}
