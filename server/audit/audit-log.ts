/**
 * The audit chain in PostgreSQL: the locked one-row head that orders every
 * append (never a sequence, so there are no gaps; the appends themselves are
 * written by the transition runner's batch flush), reading pages, and verifying
 * the stored chain against its head and any trusted anchors page by page.
 */
import { systemClock, type Clock } from "../time/clock";
import type { Prisma } from "../../generated/prisma/client";
import type { Db } from "../db/client";
import type pg from "pg";
import type { AuditEntryRecord, ChainLink, ChainVerification, JsonValue } from "../domain/audit/types";
import { verifyChain } from "./verify-chain";

export type Tx = Prisma.TransactionClient;

/**
 * Locks the head row until the transaction ends and returns it. Every writer of
 * the chain calls this first, in its own transaction, and reads what it needs
 * only afterwards: under READ COMMITTED each later statement then sees
 * everything committed by the writer it waited for.
 */
export async function lockHead(client: pg.ClientBase): Promise<ChainLink> {
  const { rows } = await client.query<{ seq: string; hash: string }>({
    name: "qecnet-lock-audit-head",
    text: "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE",
  });
  const row = rows[0];
  if (!row) throw new Error("The audit chain head row is missing: the database was not migrated, or the row was deleted");
  return { seq: BigInt(row.seq), hash: row.hash };
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

/** Streams the chain in seq order, one page at a time (keyset paging). */
export async function* streamEntries(db: Db | Tx, pageSize = 2000): AsyncGenerator<AuditEntryRecord[]> {
  let after = 0n;
  for (;;) {
    const rows = await db.auditEntry.findMany({ where: { seq: { gt: after } }, orderBy: { seq: "asc" }, take: pageSize });
    if (rows.length === 0) return;
    yield rows.map(toRecord);
    after = rows[rows.length - 1]!.seq;
    if (rows.length < pageSize) return;
  }
}

export interface StoredChainVerification {
  result: ChainVerification;
  head: ChainLink;
  checkedAt: Date;
  durationMs: number;
}

/** Verifies the stored chain against the head row and trusted anchors. */
export async function verifyStoredChain(
  db: Db,
  opts: { anchors?: readonly ChainLink[]; pageSize?: number; clock?: Clock } = {},
): Promise<StoredChainVerification> {
  const started = performance.now();
  // Read the head first: entries appended while we walk end past it and are
  // reported against this head, so read both in one snapshot.
  return db.$transaction(
    async (tx) => {
      const row = await tx.auditHead.findUnique({ where: { id: 1 } });
      if (!row) {
        const failure = {
          kind: "HEAD_MISMATCH" as const, seq: null, expected: "one audit_head row", actual: "none",
          message: "The audit chain's head row is missing: it was deleted (tampering) or the database was never migrated.",
        };
        return { result: { ok: false as const, entries: 0, failure, failures: [failure], moreFailures: false }, head: { seq: 0n, hash: "" }, checkedAt: (opts.clock ?? systemClock)(), durationMs: performance.now() - started };
      }
      const head = { seq: row.seq, hash: row.hash };
      const result = await verifyChain(streamEntries(tx, opts.pageSize), { head, anchors: opts.anchors ?? [] });
      return { result, head, checkedAt: (opts.clock ?? systemClock)(), durationMs: performance.now() - started };
    },
    { isolationLevel: "RepeatableRead", timeout: 600_000, maxWait: 10_000 },
  );
}
