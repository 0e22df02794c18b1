/**
 * Read side of the audit chain for the console: newest-first pages with
 * filters, and a summary of the chain's head.
 */
import type { Prisma } from "../../generated/prisma/client";
import type { Db } from "../db/client";
import { readHead, toRecord } from "./audit-log";
import type { AuditEntryRecord } from "../domain/audit/types";

export interface AuditListQuery {
  cursor?: bigint | null;
  limit: number;
  subjectId?: string;
  action?: string;
  actor?: string;
}

export async function listAudit(db: Db, q: AuditListQuery): Promise<{ items: AuditEntryRecord[]; nextCursor: bigint | null; head: { seq: bigint; hash: string } }> {
  const where: Prisma.AuditEntryWhereInput = {
    ...(q.subjectId ? { subjectId: q.subjectId } : {}),
    ...(q.action ? { action: q.action } : {}),
    ...(q.actor ? { actor: q.actor } : {}),
    ...(q.cursor ? { seq: { lt: q.cursor } } : {}),
  };
  const [rows, head] = await Promise.all([
    db.auditEntry.findMany({ where, orderBy: { seq: "desc" }, take: q.limit + 1 }),
    readHead(db),
  ]);
  const page = rows.slice(0, q.limit).map(toRecord);
  return { items: page, nextCursor: rows.length > q.limit ? (page[page.length - 1]?.seq ?? null) : null, head };
}

export async function listAuditActions(db: Db): Promise<string[]> {
  const rows = await db.auditEntry.findMany({ distinct: ["action"], select: { action: true }, orderBy: { action: "asc" } });
  return rows.map((r) => r.action);
}
