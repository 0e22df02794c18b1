/**
 * The audit chain in PostgreSQL: appending entries inside the caller's
 * transaction (ordered by the locked one-row head, never by a sequence, so
 * there are no gaps), reading pages, and verifying the stored chain against its
 * head and any trusted anchors while streaming it page by page.
 */
import type { Prisma } from "../../generated/prisma/client";
import type { Db } from "../db/client";
import { chainEntries } from "./entry-hash";
import type { AuditEntryDraft, AuditEntryRecord, ChainLink, ChainVerification, JsonValue } from "./types";
import { verifyChain } from "./verify-chain";

export type Tx = Prisma.TransactionClient;

/** Locks the head row until the transaction ends and returns it. */
export async function lockHead(tx: Tx): Promise<ChainLink> {
  const rows = await tx.$queryRaw<Array<{ seq: bigint; hash: string }>>`
    SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE`;
  const row = rows[0];
  if (!row) throw new Error("The audit chain head row is missing: the database was not migrated");
  return { seq: BigInt(row.seq), hash: row.hash };
}

/**
 * Appends drafts after a head the caller locked with lockHead in the same
 * transaction, and moves the head. Returns the stored entries.
 */
export async function appendAfter(tx: Tx, head: ChainLink, drafts: readonly AuditEntryDraft[]): Promise<AuditEntryRecord[]> {
  if (drafts.length === 0) return [];
  const entries = chainEntries(head.hash, head.seq + 1n, drafts);
  await tx.auditEntry.createMany({
    data: entries.map((e) => ({ ...e, details: e.details as Prisma.InputJsonValue })),
  });
  const last = entries[entries.length - 1]!;
  await tx.$executeRaw`UPDATE audit_head SET seq = ${last.seq}, hash = ${last.entryHash}, updated_at = ${last.at} WHERE id = 1`;
  return entries;
}

/** Locks the head and appends: for actions that write nothing else. */
export async function appendInTransaction(tx: Tx, drafts: readonly AuditEntryDraft[]): Promise<AuditEntryRecord[]> {
  return appendAfter(tx, await lockHead(tx), drafts);
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
  opts: { anchors?: readonly ChainLink[]; pageSize?: number } = {},
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
        return { result: { ok: false as const, entries: 0, failure }, head: { seq: 0n, hash: "" }, checkedAt: new Date(), durationMs: performance.now() - started };
      }
      const head = { seq: row.seq, hash: row.hash };
      const result = await verifyChain(streamEntries(tx, opts.pageSize), { head, anchors: opts.anchors ?? [] });
      return { result, head, checkedAt: new Date(), durationMs: performance.now() - started };
    },
    { isolationLevel: "RepeatableRead", timeout: 600_000, maxWait: 10_000 },
  );
}
