/**
 * "INCIDENT_RECOVERY": a compromise recovery held for a security officer's
 * approval (the signal is not in the affected keys' policies' auto-revoke
 * signals). The officers see the blast radius; the approving vote lets the
 * recovery go on (the request stays EXECUTING while the recovery runs, and is
 * EXECUTED once the incident is resolved); a rejection, expiry or withdrawal
 * dismisses the incident with nothing revoked. The rule row (1 officer) is
 * seeded by prisma/migrations/20261130020000_incidents.
 */
import type { JsonValue } from "../domain/audit/types";
import { poolOf } from "../db/client";
import { DomainError } from "../domain/errors/domain-error";
import type { ApprovalKindSpec } from "../approvals/approval-kinds";
import type { Impact } from "../domain/approvals/approval-impact";
import { loadIncident, loadIncidentKeys, reference } from "./incident-rows";

export const INCIDENT_RECOVERY_KIND = "INCIDENT_RECOVERY";

/** The approval kind of a held recovery; the wiring registers it and hands the approval service the incident driver (ResumeDeps.incidents). */
export const INCIDENT_RECOVERY: ApprovalKindSpec = {
  kind: INCIDENT_RECOVERY_KIND,
  label: "Compromise recovery",
  requestLabel: "Approve recovery",
  targetType: "incident",
  description:
    "The compromised node or link is contained, every key in its blast radius is revoked (holders purge) and replaced by an emergency key distributed over paths that avoid it. Keys outside the blast radius are not touched.",
  async computeImpact(db, incidentId) {
    const row = await loadIncident(poolOf(db), incidentId);
    if (!row) throw new DomainError("INCIDENT_NOT_FOUND", `Incident ${incidentId} does not exist.`);
    const keys = await loadIncidentKeys(poolOf(db), incidentId);
    const shown = await db.key.findMany({ where: { id: { in: keys.slice(0, 100).map((k) => k.keyId) } }, select: { id: true, label: true, generation: true, state: true } });
    const exposure = new Map(keys.map((k) => [k.keyId, k.exposure]));
    const participants = await db.keyParticipant.findMany({ where: { keyId: { in: keys.map((k) => k.keyId) } }, select: { nodeId: true }, distinct: ["nodeId"] });
    const impact: Impact = {
      summary: `${reference(row.number)}: ${row.targetType} ${row.targetName} reported compromised (${row.reason}). ` +
        `Contain it, revoke ${keys.length} key(s) in its blast radius and replace them over other paths.`,
      keyVersion: 0,
      keys: shown.map((k) => ({ ...k, effect: `revoked and replaced (${exposure.get(k.id)})` })),
      nodes: row.targetType === "node" ? [{ id: row.targetId, name: row.targetName, role: "", status: "", effect: "isolated" }] : [],
      links: [],
      participantsToPurge: participants.map((p) => p.nodeId),
    };
    return { label: `${reference(row.number)} (${row.targetName})`, impact };
  },
  keyIds: () => [],
  check() {
    // The incident was checked when it opened; approving only lets its recovery go on.
  },
  execute(_x, req) {
    return { status: "EXECUTING", outcome: { incidentId: req.targetId } };
  },
  async resume(deps, req): Promise<{ status: "EXECUTED" | "FAILED"; outcome: Record<string, JsonValue> }> {
    const driver = deps.incidents;
    if (!driver) return { status: "FAILED", outcome: { incidentId: req.targetId, failure: "the recovery engine is not running in this process" } };
    const row = await driver.drive(req.targetId);
    const ok = row !== null && (row.status === "RESOLVED" || row.status === "RECOVERING");
    return { status: ok ? "EXECUTED" : "FAILED", outcome: { incidentId: req.targetId, incidentStatus: row?.status ?? "MISSING" } };
  },
};
