/**
 * The audit chain in PostgreSQL: the locked one-row head that orders every
 * append (never a sequence, so there are no gaps; the appends themselves are
 * written by the transition runner's batch flush), reading pages, and verifying
 * the stored chain against its head and any trusted anchors page by page.
 */
import { systemClock, type Clock } from "../time/clock";
import type { Prisma } from "../../generated/prisma/client";
import { poolOf, type Db } from "../db/client";
import { simpleQuery, type ServerStatement, type SimpleRead } from "../db/server-statements";
import type pg from "pg";
import type { AuditEntryRecord, ChainLink, ChainVerification, JsonValue } from "../domain/audit/types";
import { walkStoredChain } from "./copy-walk";
import { verifySplit } from "./verify-threads/split-verify";
import { rangeThreadProblem } from "./verify-threads/range-thread";
import { MAX_SEQ, type RangeJob } from "./verify-threads/range-job";

export type Tx = Prisma.TransactionClient;

/**
 * The writer's transaction also tells the planner that a page read at random
 * costs about what one read in sequence does (random_page_cost 1.1, the
 * usual setting where the data is cached or on SSD; the default 4 assumes
 * spinning disks). Every statement of a batch reads and writes a few rows by
 * key; under the default, PostgreSQL preferred scanning whole tables of up to
 * about ten thousand rows for them, which made each batch slower as the
 * tables grew. And its prepared statements run their generic plans
 * (plan_cache_mode): their parameters are JSON rows and id arrays, which tell
 * a plan made for one call nothing a generic one lacks, yet PostgreSQL kept
 * planning some of them afresh at every call, on each pooled connection
 * (pg_stat_statements at 16 ETSI 014 pairs: up to 440 µs of planning per
 * dec_keys batch for its write statement alone). SET LOCAL: both end with the
 * transaction.
 */
const BEGIN = ["BEGIN", "SET LOCAL random_page_cost = 1.1", "SET LOCAL plan_cache_mode = force_generic_plan"];
/** The head lock, prepared on the server once per connection (written out, it was planned at every batch). */
const HEAD_LOCK: ServerStatement = { base: "qecnet_audit_head_lock_v1", params: "", sql: "SELECT seq::text AS seq, hash FROM audit_head WHERE id = 1 FOR UPDATE" };

/**
 * Opens the transaction and locks the head row until it ends; returns the
 * head. Every writer of the chain does this first and reads what it needs
 * only afterwards: under READ COMMITTED each later statement then sees
 * everything committed by the writer it waited for. BEGIN and the lock go
 * in one round trip (a simple-protocol query holding both statements): a
 * batch of one job makes about five round trips, so one fewer is felt at low
 * concurrency.
 */
export async function beginAndLockHead(client: pg.ClientBase): Promise<ChainLink> {
  return (await beginLockAndRead(client, [])).head;
}

/**
 * beginAndLockHead, and then `reads` (read-only statements with their values in their text) in the same round trip:
 * PostgreSQL runs the statements of one simple query in order, each under a snapshot taken when it starts (READ
 * COMMITTED), so a read sent this way runs once the lock is granted and sees everything the writer it waited for
 * committed, as a read sent afterwards would; one round trip fewer for every batch. Their results, in order.
 */
export async function beginLockAndRead(client: pg.ClientBase, reads: readonly SimpleRead[]): Promise<{ head: ChainLink; results: pg.QueryResult[] }> {
  // Reads may be statements prepared on the server (run by EXECUTE); the head lock is one.
  const q = simpleQuery(client, BEGIN, [{ statement: HEAD_LOCK, args: [] }, ...reads]);
  let results: pg.QueryResult[];
  try {
    results = (await client.query(q.text)) as unknown as pg.QueryResult[];
  } catch (err) {
    q.done(false);
    throw err;
  }
  q.done(true);
  const at = q.offset + BEGIN.length;
  const row = results[at]?.rows[0] as { seq: string; hash: string } | undefined;
  if (!row) throw new Error("The audit chain head row is missing: the database was not migrated, or the row was deleted");
  return { head: { seq: BigInt(row.seq), hash: row.hash }, results: results.slice(at + 1) };
}

type AuditRow = Awaited<ReturnType<Db["auditEntry"]["findMany"]>>[number];

export function toRecord(row: AuditRow): AuditEntryRecord {
  return {
    seq: row.seq,
    at: row.at,
    actor: row.actor,
    action: row.action,
    subjectType: row.subjectType,
    subjectId: row.subjectId,
    fromState: row.fromState,
    toState: row.toState,
    details: row.details as JsonValue,
    prevHash: row.prevHash,
    entryHash: row.entryHash,
  };
}

export async function readHead(db: Db | Tx): Promise<ChainLink> {
  const head = await db.auditHead.findUnique({ where: { id: 1 } });
  if (!head) throw new Error("The audit chain head row is missing: the database was not migrated");
  return { seq: head.seq, hash: head.hash };
}

export interface StoredChainVerification {
  result: ChainVerification;
  head: ChainLink;
  checkedAt: Date;
  durationMs: number;
  /** 2 when the chain was verified in two halves at once (verify-threads/split-verify.ts), else 1. */
  threads: 1 | 2;
  /** Why a long chain was verified on one thread: the worker thread could not start (null otherwise). */
  threadProblem: string | null;
}

/** The pool's own connection settings, for a worker thread's connection (no pool object crosses threads). */
function connectionOf(pool: pg.Pool): RangeJob["connection"] {
  const o = pool.options;
  return {
    connectionString: o.connectionString,
    host: o.host,
    port: o.port,
    user: o.user,
    password: typeof o.password === "string" ? o.password : undefined,
    database: o.database,
  };
}

/**
 * Verifies the stored chain against the head row and trusted anchors. One
 * pooled connection, one REPEATABLE READ READ ONLY snapshot for the head and
 * every entry, walked by walkStoredChain (copy-walk.ts: the fast lane over binary COPY rows for the clean
 * stretch, the page walk for the rest and for every report). A long
 * chain is verified in two halves at once, the upper one by a worker thread
 * in the same snapshot (verify-threads/split-verify.ts); if either half finds
 * a break, or the worker cannot help, the whole chain is walked on this
 * thread, which reports every break.
 */
export async function verifyStoredChain(
  db: Db,
  opts: { anchors?: readonly ChainLink[]; pageSize?: number; clock?: Clock; /** 1: never split (the one-thread walk, for comparison). */ threads?: 1 | 2 } = {},
): Promise<StoredChainVerification> {
  const started = performance.now();
  const client = await poolOf(db).connect();
  try {
    // Read the head first: entries appended while we walk end past it and are
    // reported against this head, so read both in one snapshot.
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    try {
      const row = (await client.query<{ seq: string; hash: string }>("SELECT seq::text AS seq, hash FROM audit_head WHERE id = 1")).rows[0];
      if (!row) {
        const failure = {
          kind: "HEAD_MISMATCH" as const, seq: null, expected: "one audit_head row", actual: "none",
          message: "The audit chain's head row is missing: it was deleted (tampering) or the database was never migrated.",
        };
        return { result: { ok: false as const, entries: 0, failure, failures: [failure], moreFailures: false }, head: { seq: 0n, hash: "" }, checkedAt: (opts.clock ?? systemClock)(), durationMs: performance.now() - started, threads: 1, threadProblem: null };
      }
      const head = { seq: BigInt(row.seq), hash: row.hash };
      const done = (result: ChainVerification, threads: 1 | 2): StoredChainVerification => ({
        result, head, checkedAt: (opts.clock ?? systemClock)(), durationMs: performance.now() - started, threads, threadProblem: rangeThreadProblem(),
      });
      if (opts.threads !== 1) {
        const split = await verifySplit(client, connectionOf(poolOf(db)), head, opts.anchors ?? [], opts.pageSize);
        if (split) return done(split.result, 2);
      }
      // No upper bound: an entry lying past the head is itself a finding.
      const result = await walkStoredChain(client, MAX_SEQ, { head, anchors: opts.anchors ?? [], pageSize: opts.pageSize });
      return done(result, 1);
    } finally {
      await client.query("COMMIT").catch(() => undefined);
    }
  } finally {
    client.release();
  }
}
