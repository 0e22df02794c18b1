/**
 * The incident tables as the recovery engine reads and writes them inside
 * runner jobs (load/write hooks: same transaction as the key changes and the
 * audit entries of a step, under the audit head lock), straight through pg.
 */
import type pg from "pg";
import type { CompromiseSignal } from "../domain/policies/compromise-signals";
import { OPEN_STATUSES, type IncidentStatus } from "../domain/incidents/incident-status";
import type { IncidentStep, IncidentTimelineEntry } from "./incident-views";

export type Exposure = "held" | "relayed" | "crossed-link";

export interface IncidentRow {
  id: string;
  number: number;
  signal: CompromiseSignal;
  targetType: "link" | "node";
  targetId: string;
  targetName: string;
  status: IncidentStatus;
  /** The last step completed: DETECTED (nothing done yet), CONTAINED, REVOKED, PURGED, REDISTRIBUTED, VERIFIED. */
  step: RecoveryStep;
  reason: string;
  reportedBy: string;
  simulated: boolean;
  detectedAt: Date;
  /** The audit head at detection (the recovery's own entries follow it). */
  detectedSeq: string;
  containedAt: Date | null;
  resolvedAt: Date | null;
  timeToIntegrityMs: number | null;
  approvalRequestId: string | null;
  nodeIds: string[];
  linkIds: string[];
  timeline: IncidentTimelineEntry[];
  untouchedViolations: number | null;
  version: number;
}

export type RecoveryStep = "DETECTED" | "CONTAINED" | "REVOKED" | "PURGED" | "REDISTRIBUTED" | "VERIFIED";

export interface IncidentKeyRow {
  keyId: string;
  exposure: Exposure;
  stateBefore: string;
  versionBefore: number;
  revoked: boolean;
  replacementId: string | null;
  waitingForNode: string | null;
  purgeConfirmedBy: string[];
  distributed: boolean;
}

export const reference = (n: number) => `INC-${String(n).padStart(4, "0")}`;
export const openTargetOf = (type: "link" | "node", id: string) => `${type}:${id}`;

const COLUMNS = `id, number, signal, target_type, target_id, target_name, status, step, reason, reported_by, simulated, detected_at, detected_seq,
  contained_at, resolved_at, time_to_integrity_ms, approval_request_id, node_ids, link_ids, timeline, untouched_violations, version`;

type Raw = Record<string, unknown>;

function toRow(r: Raw): IncidentRow {
  return {
    id: r.id as string, number: r.number as number, signal: r.signal as CompromiseSignal, targetType: r.target_type as "link" | "node",
    targetId: r.target_id as string, targetName: r.target_name as string, status: r.status as IncidentStatus, step: r.step as RecoveryStep,
    reason: r.reason as string, reportedBy: r.reported_by as string, simulated: r.simulated as boolean, detectedAt: r.detected_at as Date, detectedSeq: String(r.detected_seq),
    containedAt: (r.contained_at as Date | null) ?? null, resolvedAt: (r.resolved_at as Date | null) ?? null,
    timeToIntegrityMs: (r.time_to_integrity_ms as number | null) ?? null, approvalRequestId: (r.approval_request_id as string | null) ?? null,
    nodeIds: r.node_ids as string[], linkIds: r.link_ids as string[], timeline: r.timeline as IncidentTimelineEntry[],
    untouchedViolations: (r.untouched_violations as number | null) ?? null, version: r.version as number,
  };
}

export async function loadIncident(c: pg.ClientBase | pg.Pool, id: string, forUpdate = false): Promise<IncidentRow | null> {
  const { rows } = await c.query<Raw>(`SELECT ${COLUMNS} FROM incidents WHERE id = $1${forUpdate ? " FOR UPDATE" : ""}`, [id]);
  return rows[0] ? toRow(rows[0]) : null;
}

export async function loadIncidents(c: pg.ClientBase | pg.Pool, where: string, params: unknown[], limit: number): Promise<IncidentRow[]> {
  const { rows } = await c.query<Raw>(`SELECT ${COLUMNS} FROM incidents ${where} ORDER BY detected_at DESC, number DESC LIMIT ${Math.floor(limit)}`, params);
  return rows.map(toRow);
}

export async function findOpenOn(c: pg.ClientBase, type: "link" | "node", id: string): Promise<IncidentRow | null> {
  const { rows } = await c.query<Raw>(`SELECT ${COLUMNS} FROM incidents WHERE open_target = $1`, [openTargetOf(type, id)]);
  return rows[0] ? toRow(rows[0]) : null;
}

export async function nextIncidentNumber(c: pg.ClientBase): Promise<number> {
  const { rows } = await c.query<{ n: string }>(`SELECT nextval(pg_get_serial_sequence('incidents', 'number')) AS n`);
  return Number(rows[0]!.n);
}

export async function loadIncidentKeys(c: pg.ClientBase | pg.Pool, incidentId: string): Promise<IncidentKeyRow[]> {
  const { rows } = await c.query<Raw>(
    `SELECT key_id, exposure, state_before, version_before, revoked, replacement_id, waiting_for_node, purge_confirmed_by, distributed
       FROM incident_keys WHERE incident_id = $1 ORDER BY key_id`,
    [incidentId],
  );
  return rows.map((r) => ({
    keyId: r.key_id as string, exposure: r.exposure as Exposure, stateBefore: r.state_before as string, versionBefore: r.version_before as number,
    revoked: r.revoked as boolean, replacementId: (r.replacement_id as string | null) ?? null, waitingForNode: (r.waiting_for_node as string | null) ?? null,
    purgeConfirmedBy: r.purge_confirmed_by as string[], distributed: r.distributed as boolean,
  }));
}

export async function insertIncident(c: pg.ClientBase, row: IncidentRow, keys: IncidentKeyRow[]): Promise<void> {
  await c.query(
    `INSERT INTO incidents (${COLUMNS}, open_target)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23)`,
    [
      row.id, row.number, row.signal, row.targetType, row.targetId, row.targetName, row.status, row.step, row.reason, row.reportedBy, row.simulated,
      row.detectedAt, row.detectedSeq, row.containedAt, row.resolvedAt, row.timeToIntegrityMs, row.approvalRequestId, row.nodeIds, row.linkIds,
      JSON.stringify(row.timeline), row.untouchedViolations, row.version, openTargetOf(row.targetType, row.targetId),
    ],
  );
  if (keys.length === 0) return;
  await c.query(
    `INSERT INTO incident_keys (incident_id, key_id, exposure, state_before, version_before, revoked, purge_confirmed_by, distributed)
     SELECT $1, k, e, s, v, false, '{}', false FROM unnest($2::uuid[], $3::text[], $4::text[], $5::int[]) AS t(k, e, s, v)`,
    [row.id, keys.map((k) => k.keyId), keys.map((k) => k.exposure), keys.map((k) => k.stateBefore), keys.map((k) => k.versionBefore)],
  );
}

/** Writes the incident's changed fields; closes the target (open_target NULL) when the incident left the open statuses. */
export async function updateIncident(c: pg.ClientBase, row: IncidentRow): Promise<void> {
  const open = OPEN_STATUSES.includes(row.status);
  await c.query(
    `UPDATE incidents SET status = $2, step = $3, contained_at = $4, resolved_at = $5, time_to_integrity_ms = $6, approval_request_id = $7,
            node_ids = $8, link_ids = $9, timeline = $10, untouched_violations = $11, version = version + 1,
            open_target = CASE WHEN $12::boolean THEN open_target ELSE NULL END
      WHERE id = $1`,
    [row.id, row.status, row.step, row.containedAt, row.resolvedAt, row.timeToIntegrityMs, row.approvalRequestId, row.nodeIds, row.linkIds,
      JSON.stringify(row.timeline), row.untouchedViolations, open],
  );
}

export async function updateIncidentKeys(c: pg.ClientBase, incidentId: string, keys: IncidentKeyRow[]): Promise<void> {
  if (keys.length === 0) return;
  await c.query(
    `UPDATE incident_keys ik SET revoked = t.r, replacement_id = t.rep, waiting_for_node = t.w, purge_confirmed_by = string_to_array(t.p, ','), distributed = t.d
       FROM unnest($2::uuid[], $3::boolean[], $4::uuid[], $5::text[], $6::text[], $7::boolean[]) AS t(k, r, rep, w, p, d)
      WHERE ik.incident_id = $1 AND ik.key_id = t.k`,
    [incidentId, keys.map((k) => k.keyId), keys.map((k) => k.revoked), keys.map((k) => k.replacementId), keys.map((k) => k.waitingForNode),
      keys.map((k) => k.purgeConfirmedBy.join(",")), keys.map((k) => k.distributed)],
  );
}

/** Appends a timeline entry (elapsed since detection). */
export function addTimeline(row: IncidentRow, step: IncidentStep, at: Date, summary: string): void {
  row.timeline = [...row.timeline, { step, at: at.toISOString(), summary, elapsedMs: Math.max(0, at.getTime() - row.detectedAt.getTime()) }];
}
