/**
 * Read side of keys: filtered, paged lists with counts per state, and one key
 * with its participants, lineage and audit history. Material columns are never
 * selected (KEY_VIEW_SELECT).
 */
import type { Prisma } from "../../generated/prisma/client";
import { toRecord } from "../audit/audit-log";
import type { Db } from "../db/client";
import { DomainError } from "../domain/errors/domain-error";
import { operatorEventsFrom } from "../domain/lifecycle/key-events";
import { KEY_STATES, type KeyState } from "../domain/lifecycle/key-states";
import { loadPolicies } from "./key-policies";
import { KEY_VIEW_SELECT, toKeyView, type KeyView } from "./key-views";

export interface KeyListQuery {
  states?: KeyState[];
  search?: string;
  policy?: string;
  nodeId?: string;
  cursor?: string | null;
  limit: number;
}

/** A ROTATING key's rotation at a glance (the key list): how far its replacement got, and when the overlap ends. */
export interface KeyRotationSummary {
  successorId: string;
  successorState: KeyState;
  confirmed: number;
  participants: number;
  /** Once the replacement is ACTIVE: its activation + the policy's overlap. */
  overlapEndsAt: Date | null;
}

export type KeyListItem = KeyView & { rotation: KeyRotationSummary | null };

export interface KeyListPage {
  items: KeyListItem[];
  nextCursor: string | null;
  total: number;
}

const HISTORY_LIMIT = 500;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function whereOf(q: Omit<KeyListQuery, "cursor" | "limit">): Prisma.KeyWhereInput {
  const and: Prisma.KeyWhereInput[] = [];
  if (q.states?.length) and.push({ state: { in: q.states } });
  if (q.policy) and.push({ policy: q.policy });
  if (q.nodeId) and.push({ participants: { some: { nodeId: q.nodeId } } });
  const s = q.search?.trim();
  if (s) {
    const or: Prisma.KeyWhereInput[] = [
      { label: { contains: s, mode: "insensitive" } },
      { purpose: { contains: s, mode: "insensitive" } },
      { fingerprint: { contains: s, mode: "insensitive" } },
    ];
    if (UUID.test(s)) or.push({ id: s }, { lineageId: s });
    and.push({ OR: or });
  }
  return { AND: and };
}

const materialPresent = async (db: Db, ids: string[]) => {
  if (ids.length === 0) return new Set<string>();
  const rows = await db.key.findMany({ where: { id: { in: ids }, NOT: { materialCiphertext: null } }, select: { id: true } });
  return new Set(rows.map((r) => r.id));
};

export async function listKeys(db: Db, q: KeyListQuery): Promise<KeyListPage> {
  const where = whereOf(q);
  const [rows, total] = await Promise.all([
    db.key.findMany({
      where,
      select: KEY_VIEW_SELECT,
      orderBy: [{ updatedAt: "desc" }, { id: "desc" }],
      take: q.limit + 1,
      ...(q.cursor ? { cursor: { id: q.cursor }, skip: 1 } : {}),
    }),
    db.key.count({ where }),
  ]);
  const page = rows.slice(0, q.limit);
  const [present, rotations] = await Promise.all([
    materialPresent(db, page.map((r) => r.id)),
    rotationSummaries(db, page.filter((r) => r.state === "ROTATING").map((r) => ({ id: r.id, policy: r.policy }))),
  ]);
  return {
    items: page.map((r) => ({ ...toKeyView({ ...r, materialPresent: present.has(r.id) }), rotation: rotations.get(r.id) ?? null })),
    nextCursor: rows.length > q.limit ? (page[page.length - 1]?.id ?? null) : null,
    total,
  };
}

/** For the ROTATING keys of a list page, in two queries: each one's live replacement (the newest attempt) and its receipts. */
async function rotationSummaries(db: Db, keys: Array<{ id: string; policy: string }>): Promise<Map<string, KeyRotationSummary>> {
  if (keys.length === 0) return new Map();
  const [successors, policies] = await Promise.all([
    db.key.findMany({
      where: { predecessorId: { in: keys.map((k) => k.id) }, state: { in: ["GENERATED", "DISTRIBUTED", "ACTIVE"] } },
      orderBy: [{ generation: "asc" }, { distributionAttempt: "asc" }],
      select: { id: true, predecessorId: true, state: true, activatedAt: true, participants: { select: { confirmedAt: true } } },
    }),
    loadPolicies(db),
  ]);
  const overlap = new Map(policies.map((p) => [p.name, p.overlapSeconds]));
  const out = new Map<string, KeyRotationSummary>();
  for (const s of successors) {
    const k = keys.find((x) => x.id === s.predecessorId)!;
    // Ordered oldest first: the newest attempt wins.
    out.set(k.id, {
      successorId: s.id,
      successorState: s.state as KeyState,
      confirmed: s.participants.filter((p) => p.confirmedAt).length,
      participants: s.participants.length,
      overlapEndsAt: s.state === "ACTIVE" && s.activatedAt ? new Date(s.activatedAt.getTime() + (overlap.get(k.policy) ?? 0) * 1000) : null,
    });
  }
  return out;
}

/** Keys per state (all states present, zero when none) for the filter chips. */
export async function countKeysByState(db: Db, q: Omit<KeyListQuery, "cursor" | "limit" | "states"> = {}): Promise<Record<KeyState, number>> {
  const groups = await db.key.groupBy({ by: ["state"], where: whereOf(q), _count: { _all: true } });
  const counts = Object.fromEntries(KEY_STATES.map((s) => [s, 0])) as Record<KeyState, number>;
  for (const g of groups) counts[g.state] = g._count._all;
  return counts;
}

export async function getKey(db: Db, id: string) {
  if (!UUID.test(id)) throw new DomainError("KEY_NOT_FOUND", `Key ${id} does not exist (a key id is a UUID)`);
  const row = await db.key.findUnique({ where: { id }, select: KEY_VIEW_SELECT });
  if (!row) throw new DomainError("KEY_NOT_FOUND", `Key ${id} does not exist`);
  const [present, lineage, history, nodes] = await Promise.all([
    materialPresent(db, [id]),
    db.key.findMany({
      where: { lineageId: row.lineageId },
      select: { id: true, generation: true, distributionAttempt: true, state: true, fingerprint: true, generatedAt: true, predecessorId: true },
      orderBy: [{ generation: "asc" }, { distributionAttempt: "asc" }],
    }),
    // The newest 500 entries (a busy key's usage reports must not push its latest transitions out).
    db.auditEntry.findMany({ where: { subjectType: "key", subjectId: id }, orderBy: { seq: "desc" }, take: HISTORY_LIMIT }),
    db.node.findMany({ where: { id: { in: row.participants.map((p) => p.nodeId) } }, select: { id: true, name: true, role: true, status: true, site: true } }),
  ]);
  const key = toKeyView({ ...row, materialPresent: present.has(id) });
  return {
    key,
    allowedEvents: operatorEventsFrom(key.state),
    lineage,
    nodes,
    history: history.reverse().map(toRecord),
    historyTruncated: history.length === HISTORY_LIMIT,
  };
}

export type KeyDetail = Awaited<ReturnType<typeof getKey>>;
