/**
 * The read side of incidents: the list, one incident with its blast radius
 * (each key's state now, its replacement, its holders' purges), and what the
 * mesh should highlight (open incidents and those resolved in the last five
 * minutes, on the injected clock). The incident driver (recovery-service.ts)
 * writes what these read.
 */
import type { Db } from "../db/client";
import { poolOf } from "../db/client";
import { DomainError } from "../domain/errors/domain-error";
import { OPEN_STATUSES, type IncidentStatus } from "../domain/incidents/incident-status";
import type { Clock } from "../time/clock";
import { loadIncident, loadIncidentKeys, loadIncidents, reference, type IncidentRow } from "./incident-rows";
import type { IncidentDetailView, IncidentSummaryView } from "./incident-views";

/** How long a resolved incident stays highlighted on the mesh. */
const HIGHLIGHT_MS = 5 * 60_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function incidentSummary(r: IncidentRow, affectedKeys: number): IncidentSummaryView {
  return {
    id: r.id, reference: reference(r.number), signal: r.signal, targetType: r.targetType, targetId: r.targetId, targetName: r.targetName,
    status: r.status, detectedAt: r.detectedAt.toISOString(), resolvedAt: r.resolvedAt?.toISOString() ?? null, timeToIntegrityMs: r.timeToIntegrityMs,
    affectedKeys, simulated: r.simulated,
  };
}

export class IncidentQueries {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  async list(filter: { status?: IncidentStatus[]; limit?: number } = {}): Promise<IncidentSummaryView[]> {
    const limit = Math.min(Math.max(filter.limit ?? 50, 1), 500);
    const rows = filter.status?.length
      ? await loadIncidents(poolOf(this.db), "WHERE status = ANY($1)", [filter.status], limit)
      : await loadIncidents(poolOf(this.db), "", [], limit);
    const counts = await this.db.incidentKey.groupBy({ by: ["incidentId"], where: { incidentId: { in: rows.map((r) => r.id) } }, _count: { _all: true } });
    const n = new Map(counts.map((c) => [c.incidentId, c._count._all]));
    return rows.map((r) => incidentSummary(r, n.get(r.id) ?? 0));
  }

  /** Throws DomainError("INCIDENT_NOT_FOUND") for an unknown id. */
  async get(id: string): Promise<IncidentDetailView> {
    const r = UUID.test(id) ? await loadIncident(poolOf(this.db), id) : null;
    if (!r) throw new DomainError("INCIDENT_NOT_FOUND", `Incident ${id} does not exist.`);
    const keys = await loadIncidentKeys(poolOf(this.db), id);
    const ids = [...keys.map((k) => k.keyId), ...keys.flatMap((k) => (k.replacementId ? [k.replacementId] : []))];
    const deliveries = await this.db.keySaeDelivery.findMany({ where: { keyId: { in: keys.map((k) => k.keyId) } }, orderBy: [{ keyId: "asc" }, { role: "asc" }, { saeId: "asc" }] });
    const notices = await this.db.keyCompromiseNotice.findMany({ where: { incidentId: id }, orderBy: { keyId: "asc" } });
    const facts = new Map((await this.db.key.findMany({
      where: { id: { in: ids } },
      select: { id: true, label: true, state: true, participants: { select: { nodeId: true, purgeConfirmedAt: true, purgeRequestedAt: true, purgeAttempts: true }, orderBy: { nodeId: "asc" } } },
    })).map((k) => [k.id, k]));
    return {
      ...incidentSummary(r, keys.length),
      reason: r.reason,
      approvalRequestId: r.approvalRequestId,
      timeline: r.timeline,
      keys: keys.map((k) => ({
        keyId: k.keyId, label: facts.get(k.keyId)?.label ?? k.keyId, exposure: k.exposure, stateBefore: k.stateBefore,
        stateNow: facts.get(k.keyId)?.state ?? "UNKNOWN", replacementId: k.replacementId,
        replacementState: k.replacementId ? (facts.get(k.replacementId)?.state ?? null) : null, waitingForNode: k.distributed ? null : k.waitingForNode,
        purges: (facts.get(k.keyId)?.participants ?? []).map((p) => ({
          nodeId: p.nodeId, status: p.purgeConfirmedAt ? ("confirmed" as const) : p.purgeRequestedAt ? ("pending" as const) : ("none" as const), attempts: p.purgeAttempts,
        })),
        recipients: deliveries.filter((d) => d.keyId === k.keyId)
          .map((d) => ({ saeId: d.saeId, role: d.role, kme: d.kmeNodeId, deliveredAt: d.deliveredAt?.toISOString() ?? null })),
      })),
      compromiseNotices: notices.map((n) => ({ keyId: n.keyId, saeIds: n.saeIds, notifiedAt: n.notifiedAt.toISOString() })),
      nodeIds: r.nodeIds,
      linkIds: r.linkIds,
      untouchedViolations: r.untouchedViolations ?? 0,
      unconfirmedPurges: await this.unconfirmedPurges(id),
    };
  }

  /** Per node, the purges of this incident's revoked keys that its holder has not confirmed (requested or not yet). */
  private async unconfirmedPurges(id: string): Promise<IncidentDetailView["unconfirmedPurges"]> {
    const { rows } = await poolOf(this.db).query<{ node_id: string; status: string; keys: string; attempts: string }>(
      `SELECT p.node_id, n.status::text AS status, count(*) AS keys, sum(p.purge_attempts) AS attempts
         FROM incident_keys ik JOIN key_participants p ON p.key_id = ik.key_id JOIN nodes n ON n.id = p.node_id
        WHERE ik.incident_id = $1 AND ik.revoked AND p.purge_confirmed_at IS NULL
        GROUP BY p.node_id, n.status ORDER BY p.node_id`,
      [id],
    );
    return rows.map((r) => ({ nodeId: r.node_id, nodeStatus: r.status, keys: Number(r.keys), attempts: Number(r.attempts) }));
  }

  /** The parts of the mesh involved in open incidents and in those resolved in the last minutes (the graph highlights them). */
  async highlight(): Promise<{ incidentIds: string[]; nodeIds: string[]; linkIds: string[] }> {
    const recent = new Date(this.clock().getTime() - HIGHLIGHT_MS);
    const rows = await this.db.incident.findMany({
      where: { OR: [{ status: { in: OPEN_STATUSES } }, { resolvedAt: { gte: recent } }] },
      select: { id: true, nodeIds: true, linkIds: true },
    });
    return { incidentIds: rows.map((r) => r.id), nodeIds: [...new Set(rows.flatMap((r) => r.nodeIds))], linkIds: [...new Set(rows.flatMap((r) => r.linkIds))] };
  }
}
