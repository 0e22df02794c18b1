/**
 * The steps of a compromise recovery, each one runner job (one transaction
 * with its audit entries and the incident's new state, under the audit head
 * lock): open (blast radius, and containment unless held for approval),
 * contain, revoke, record purges, record redistribution, verify, dismiss.
 * Every step first re-reads the incident under the lock and does nothing when
 * the incident is no longer at the step it expects: a step that committed is
 * never done again, whoever resumes it.
 */
import { randomUUID } from "node:crypto";
import type pg from "pg";
import type { JsonValue } from "../domain/audit/types";
import { DomainError } from "../domain/errors/domain-error";
import { transition } from "../keys/key-effects";
import { COMPROMISE_SIGNAL_LABELS, policyIn } from "../keys/key-policies";
import type { CompromiseSignal } from "../domain/policies/compromise-signals";
import { mayRevokeAutomatically } from "../domain/policies/compromise-signals";
import type { KeyRecord } from "../keys/key-record";
import type { KeyService } from "../keys/key-service";
import type { KeyWorkspace } from "../keys/key-workspace";
import { applyRewire } from "../mesh/operations/mesh-operations";
import { planIsolation } from "../mesh/rewiring/rewire";
import { isReachableStatus } from "../domain/mesh/mesh-model";
import { blastRadius, HOLDING_STATES, USABLE_STATES, type ExposedKey } from "./blast-radius";
import {
  addTimeline, findOpenOn, insertIncident, loadIncident, loadIncidentKeys, nextIncidentNumber, reference, updateIncident, updateIncidentKeys,
  type IncidentKeyRow, type IncidentRow, type RecoveryStep,
} from "./incident-rows";
import type { IncidentStatus } from "../domain/incidents/incident-status";
import { meshOf } from "../mesh/mesh-batch";

export const RECOVERY_ACTOR = "system:recovery";
export const actorOf = (row: Pick<IncidentRow, "number">) => `${RECOVERY_ACTOR} (${reference(row.number)})`;

export interface OpenInput {
  signal: CompromiseSignal;
  targetType: "link" | "node";
  targetId: string;
  reason: string;
  /** Integrity mismatch: the blast radius is only these keys. */
  onlyKeys?: string[];
}

/** What the contained part of the mesh is (the verify step checks no usable key still crosses it). */
export function containedPart(row: IncidentRow): { nodeIds: string[]; linkIds: string[] } {
  if (row.containedAt === null || row.signal === "INTEGRITY_MISMATCH") return { nodeIds: [], linkIds: [] };
  return row.targetType === "node" ? { nodeIds: [row.targetId], linkIds: [] } : { nodeIds: [], linkIds: [row.targetId] };
}

function audit(ws: KeyWorkspace, row: IncidentRow, action: string, from: string | null, to: string | null, details: Record<string, JsonValue>): void {
  ws.audit({ actor: actorOf(row), action, subjectType: "incident", subjectId: row.id, fromState: from, toState: to, details: { reference: reference(row.number), ...details } });
  ws.publish({ topic: "incidents", type: action.toLowerCase().replace(/_/g, "-"), data: { incidentId: row.id, status: row.status } });
}

/** Severs the compromised part: a link goes DOWN (reason names the incident); a node is isolated and the mesh re-wires around it. */
function contain(ws: KeyWorkspace, row: IncidentRow): string {
  const m = meshOf(ws);
  const ref = reference(row.number);
  const actor = actorOf(row);
  if (row.signal === "INTEGRITY_MISMATCH") {
    row.nodeIds = [row.targetId];
    return "no containment needed: only the mismatched copies are revoked, the node keeps its other keys";
  }
  if (row.targetType === "link") {
    const cur = m.readLink(row.targetId);
    row.linkIds = [row.targetId];
    if (!cur) return `link ${row.targetId} no longer exists`;
    if (cur.status === "DOWN") return `link ${row.targetId} was already down (${cur.downReason ?? "no reason recorded"})`;
    const l = m.link(row.targetId);
    l.status = "DOWN";
    l.downReason = `incident:${ref}`;
    ws.audit({
      actor, action: "LINK_CONTAINED", subjectType: "link", subjectId: l.id, fromState: cur.status, toState: "DOWN",
      details: { incident: ref, reason: row.reason, qber: Math.round(cur.qber * 10_000) / 10_000 },
    });
    ws.publish({ topic: "mesh", type: "link-contained", data: { linkId: l.id, incidentId: row.id } });
    return `link ${row.targetName} severed (DOWN: incident:${ref}); routing avoids it`;
  }
  const n = m.readNode(row.targetId);
  row.nodeIds = [row.targetId];
  if (!n) return `node ${row.targetId} no longer exists`;
  if (!isReachableStatus(n.status)) return `node ${n.name} was already ${n.status.toLowerCase()}`;
  const reason = `incident ${ref}: ${row.reason}`;
  const r = applyRewire(ws, planIsolation(m.view(), row.targetId, "ISOLATED", reason), "NODE_ISOLATED", actor, reason);
  row.linkIds = r.severedLinkIds;
  return `node ${n.name} isolated: ${r.severedLinkIds.length} channel(s) severed, ${r.bypasses.length} bypass(es)` + (r.stranded.length ? `, ${r.stranded.length} node(s) stranded` : "");
}

export interface StepDeps {
  keys: KeyService;
}

/** Opens an incident: blast radius under the lock, and containment now unless the signal waits for approval. */
export function openIncident(deps: StepDeps, input: OpenInput, who: { actor: string }): Promise<IncidentRow> {
  let existing: IncidentRow | null = null;
  let radius: ExposedKey[] = [];
  let number = 0;
  let seq = "0";
  return deps.keys.runner.submit({
    keyIds: [],
    mesh: true,
    load: async (c) => {
      existing = await findOpenOn(c, input.targetType, input.targetId);
      radius = await blastRadius(c, { type: input.targetType, id: input.targetId }, input.onlyKeys);
      number = existing ? 0 : await nextIncidentNumber(c);
      seq = (await c.query<{ seq: string }>("SELECT seq FROM audit_head WHERE id = 1")).rows[0]!.seq;
    },
    run: (ws) => {
      const m = meshOf(ws);
      const node = input.targetType === "node" ? m.readNode(input.targetId) : undefined;
      const link = input.targetType === "link" ? m.readLink(input.targetId) : undefined;
      if (!node && !link) throw new DomainError("MESH_ELEMENT_NOT_FOUND", `${input.targetType === "node" ? "Node" : "Link"} ${input.targetId} does not exist in the mesh.`);
      const open = existing as IncidentRow | null;
      if (open) {
        throw new DomainError("INCIDENT_OPEN", `${node?.name ?? input.targetId} already has an open incident, ${reference(open.number)} (${open.status.toLowerCase().replace(/_/g, " ")}); follow that one.`, { incidentId: open.id, reference: reference(open.number) });
      }
      if (node?.role === "HUB") throw new DomainError("TOPOLOGY_CONFLICT", `${node.name} is the sovereign hub: every key is generated there, so it cannot be contained. Rebuild trust in the hub out of band.`);
      // An operator's report is held for officers whatever a policy says (compromise-signals.ts: mayRevokeAutomatically).
      const auto = mayRevokeAutomatically(input.signal) && radius.every((k) => policyIn(ws, k.policy).autoRevokeSignals.includes(input.signal));
      // A link over the abort threshold carries no key anyway: containing it is physics, never held.
      const containNow = auto || (input.signal === "QBER_ABORT" && input.targetType === "link");
      const row: IncidentRow = {
        id: randomUUID(), number, signal: input.signal, targetType: input.targetType, targetId: input.targetId,
        targetName: node?.name ?? (link ? `${m.readNode(link.aNodeId)?.name ?? link.aNodeId} – ${m.readNode(link.bNodeId)?.name ?? link.bNodeId}` : input.targetId),
        status: auto ? "RECOVERING" : "AWAITING_APPROVAL", step: "DETECTED", reason: input.reason, reportedBy: who.actor,
        simulated: link?.eavesdropper === true, detectedAt: ws.now, detectedSeq: seq, containedAt: null, resolvedAt: null, timeToIntegrityMs: null,
        approvalRequestId: null, nodeIds: node ? [node.id] : [], linkIds: link ? [link.id] : [], timeline: [], untouchedViolations: null, version: 0,
      };
      const counts = { held: 0, relayed: 0, "crossed-link": 0 };
      for (const k of radius) counts[k.exposure] += 1;
      addTimeline(row, "DETECTED", ws.now, `${COMPROMISE_SIGNAL_LABELS[input.signal]}: ${row.targetName}. ${input.reason}`);
      addTimeline(row, "BLAST_RADIUS", ws.now, `${radius.length} key(s) exposed` + (radius.length ? ` (${Object.entries(counts).filter(([, n]) => n > 0).map(([e, n]) => `${n} ${e}`).join(", ")})` : ""));
      audit(ws, row, "INCIDENT_OPENED", null, row.status, {
        signal: input.signal, targetType: input.targetType, targetId: input.targetId, reason: input.reason, simulated: row.simulated,
        blastRadius: radius.length, exposure: counts, autoRecovery: auto,
      });
      if (containNow) {
        const what = contain(ws, row);
        row.containedAt = ws.now;
        row.step = "CONTAINED";
        addTimeline(row, "CONTAINED", ws.now, what);
        audit(ws, row, "INCIDENT_CONTAINED", row.status, row.status, { summary: what, linkIds: row.linkIds, nodeIds: row.nodeIds });
      }
      if (!auto) addTimeline(row, "HELD_FOR_APPROVAL", ws.now, `${COMPROMISE_SIGNAL_LABELS[input.signal]} does not revoke automatically under the keys' policies: a security officer must approve`);
      return row;
    },
    write: async (c, row) => {
      const keys: IncidentKeyRow[] = radius.map((k) => ({
        keyId: k.keyId, exposure: k.exposure, stateBefore: k.state, versionBefore: k.version, revoked: false, replacementId: null,
        waitingForNode: null, purgeConfirmedBy: [], distributed: false,
      }));
      await insertIncident(c, row, keys);
    },
  });
}

/**
 * A step job: loads the incident and its keys under the lock, runs `run` only
 * if the incident is still at (status, step), and writes what `run` changed.
 * Returns the incident after the step, or null when the step was not due.
 */
export function stepJob(
  deps: StepDeps,
  id: string,
  at: { status: IncidentStatus; step: RecoveryStep },
  opts: { keyIds?: string[]; mesh?: boolean; load?: (c: pg.ClientBase, row: IncidentRow) => Promise<void> },
  run: (ws: KeyWorkspace, row: IncidentRow, keys: IncidentKeyRow[]) => IncidentKeyRow[],
): Promise<IncidentRow | null> {
  let row: IncidentRow | null = null;
  let keys: IncidentKeyRow[] = [];
  return deps.keys.runner.submit({
    keyIds: opts.keyIds ?? [],
    mesh: opts.mesh,
    load: async (c) => {
      row = await loadIncident(c, id);
      if (row && row.status === at.status && row.step === at.step) {
        keys = await loadIncidentKeys(c, id);
        await opts.load?.(c, row);
      }
    },
    run: (ws) => {
      const r = row as IncidentRow | null;
      if (!r || r.status !== at.status || r.step !== at.step) return null;
      const changed = run(ws, r, keys);
      return { row: r, changed };
    },
    write: async (c, v) => {
      if (!v) return;
      await updateIncident(c, v.row);
      await updateIncidentKeys(c, v.row.id, v.changed);
    },
  }).then((v) => v?.row ?? null);
}

/** After approval: contain (if not yet) and go on recovering. */
export function approveStep(deps: StepDeps, id: string, approvedBy: string): Promise<IncidentRow | null> {
  return stepJob(deps, id, { status: "AWAITING_APPROVAL", step: "DETECTED" }, { mesh: true }, (ws, row) => advanceApproved(ws, row, approvedBy))
    .then((r) => r ?? stepJob(deps, id, { status: "AWAITING_APPROVAL", step: "CONTAINED" }, { mesh: true }, (ws, row) => advanceApproved(ws, row, approvedBy)));
}

function advanceApproved(ws: KeyWorkspace, row: IncidentRow, approvedBy: string): IncidentKeyRow[] {
  row.status = "RECOVERING";
  addTimeline(row, "APPROVED", ws.now, `recovery approved (${approvedBy})`);
  audit(ws, row, "INCIDENT_APPROVED", "AWAITING_APPROVAL", "RECOVERING", { approvalRequestId: row.approvalRequestId, approvedBy });
  if (row.step === "DETECTED") {
    const what = contain(ws, row);
    row.containedAt = ws.now;
    row.step = "CONTAINED";
    addTimeline(row, "CONTAINED", ws.now, what);
    audit(ws, row, "INCIDENT_CONTAINED", row.status, row.status, { summary: what, linkIds: row.linkIds, nodeIds: row.nodeIds });
  }
  return [];
}

/** The officers said no (or time ran out): nothing is revoked; a link contained for physics stays down. */
export function dismissStep(deps: StepDeps, id: string, step: RecoveryStep, why: string): Promise<IncidentRow | null> {
  return stepJob(deps, id, { status: "AWAITING_APPROVAL", step }, {}, (ws, row) => {
    row.status = "DISMISSED";
    row.resolvedAt = ws.now;
    addTimeline(row, "DISMISSED", ws.now, `${why}: nothing was revoked`);
    audit(ws, row, "INCIDENT_DISMISSED", "AWAITING_APPROVAL", "DISMISSED", { approvalRequestId: row.approvalRequestId, why });
    return [];
  });
}

/** Records the approval request raised for a held incident. */
export function recordApprovalRequest(deps: StepDeps, id: string, step: RecoveryStep, requestId: string): Promise<IncidentRow | null> {
  return stepJob(deps, id, { status: "AWAITING_APPROVAL", step }, {}, (ws, row) => {
    if (row.approvalRequestId) return [];
    row.approvalRequestId = requestId;
    audit(ws, row, "INCIDENT_HELD_FOR_APPROVAL", row.status, row.status, { approvalRequestId: requestId });
    return [];
  });
}

/**
 * Revokes the blast radius's keys (REVOKE through the engine: zeroised, holders
 * told to purge, an emergency replacement GENERATED for keys that protected
 * traffic), oldest generation first so that a rotating key and its successor
 * in the same radius get one replacement, not two. At most `chunk` keys per
 * job; the step completes with the last chunk.
 */
export function revokeStep(deps: StepDeps, id: string, keyIds: string[]): Promise<IncidentRow | null> {
  return stepJob(deps, id, { status: "RECOVERING", step: "CONTAINED" }, { keyIds }, (ws, row, keys) => {
    const wanted = new Set(keyIds);
    const todo = keys.filter((k) => !k.revoked && wanted.has(k.keyId));
    const reason = `incident ${reference(row.number)}: ${row.signal === "OPERATOR_REPORT" ? "reported compromised" : row.signal === "QBER_ABORT" ? "QBER over the abort threshold" : "integrity mismatch"} (${row.targetName})`;
    const ctx = deps.keys.effectContext(ws, { actor: actorOf(row) });
    const recs = todo.map((ik) => ({ ik, k: ws.key(ik.keyId) })).sort((a, b) => a.k.generation - b.k.generation || a.k.id.localeCompare(b.k.id));
    let replacements = 0;
    let waiting = 0;
    for (const { ik, k } of recs) {
      let rep: KeyRecord | null = null;
      if ((HOLDING_STATES as readonly string[]).includes(k.state)) {
        const before = new Set(ws.successorsOf(k.id).map((s) => s.id));
        transition(ctx, k, { type: "REVOKE", reason });
        rep = ws.successorsOf(k.id).find((s) => !before.has(s.id) && s.state === "GENERATED") ?? null;
      }
      ik.revoked = true;
      ik.replacementId = rep?.id ?? null;
      // The node itself is a participant: its replacement can only go out once the node is trusted again.
      const heldByContainedNode = rep !== null && row.targetType === "node" && row.signal !== "INTEGRITY_MISMATCH" && rep.participants.some((p) => p.nodeId === row.targetId);
      ik.waitingForNode = heldByContainedNode ? row.targetId : null;
      if (rep) replacements += 1;
      if (heldByContainedNode) waiting += 1;
    }
    const remaining = keys.filter((k) => !k.revoked).length;
    if (remaining === 0) {
      row.step = "REVOKED";
      const total = keys.filter((k) => k.replacementId).length;
      const totalWaiting = keys.filter((k) => k.waitingForNode).length;
      addTimeline(row, "REVOKED", ws.now, `${keys.length} key(s) revoked and zeroised, holders told to purge; ${total} emergency replacement(s) generated` + (totalWaiting ? ` (${totalWaiting} wait for ${row.targetName} to be restored)` : ""));
    }
    audit(ws, row, "INCIDENT_KEYS_REVOKED", row.status, row.status, { revoked: recs.length, replacements, waitingForNode: waiting, remaining });
    return todo;
  });
}

/** Records the replacements distributed (ACTIVE), keyed by the original key; `finalIds` maps to the attempt that ended ACTIVE. */
export function redistributedStep(
  deps: StepDeps, id: string, outcome: Map<string, { finalId: string; state: string }>, cutOff: Map<string, string> = new Map(),
): Promise<IncidentRow | null> {
  return stepJob(deps, id, { status: "RECOVERING", step: "PURGED" }, {}, (ws, row, keys) => applyRedistributed(ws, row, keys, outcome, cutOff));
}

/** Which holders confirmed the purge of the revoked keys' material, and the replacements distributed, in one transaction (they ran at once): the steps and their entries in that order. */
export function purgedAndRedistributedStep(
  deps: StepDeps, id: string, purge: { confirmations: Map<string, string[]>; unanswered: string[] },
  outcome: Map<string, { finalId: string; state: string }>, cutOff: Map<string, string>,
): Promise<IncidentRow | null> {
  return stepJob(deps, id, { status: "RECOVERING", step: "REVOKED" }, {}, (ws, row, keys) => [
    ...new Set([...applyPurged(ws, row, keys, purge.confirmations, purge.unanswered), ...applyRedistributed(ws, row, keys, outcome, cutOff)]),
  ]);
}

function applyPurged(ws: KeyWorkspace, row: IncidentRow, keys: IncidentKeyRow[], confirmations: Map<string, string[]>, unanswered: string[]): IncidentKeyRow[] {
  const changed: IncidentKeyRow[] = [];
  for (const k of keys) {
    const c = confirmations.get(k.keyId);
    if (c) {
      k.purgeConfirmedBy = [...new Set([...k.purgeConfirmedBy, ...c])].sort();
      changed.push(k);
    }
  }
  row.step = "PURGED";
  const n = changed.reduce((s, k) => s + k.purgeConfirmedBy.length, 0);
  audit(ws, row, "INCIDENT_KEYS_PURGED", row.status, row.status, { purgeConfirmations: n, unansweredHolders: unanswered.slice(0, 50) });
  return changed;
}

function applyRedistributed(
  ws: KeyWorkspace, row: IncidentRow, keys: IncidentKeyRow[], outcome: Map<string, { finalId: string; state: string }>, cutOff: Map<string, string>,
): IncidentKeyRow[] {
  const changed: IncidentKeyRow[] = [];
  for (const k of keys) {
    const node = cutOff.get(k.keyId);
    if (node && !k.distributed && !k.waitingForNode) {
      k.waitingForNode = node;
      changed.push(k);
    }
  }
  let active = 0;
  const failed: string[] = [];
  for (const k of keys) {
    const o = outcome.get(k.keyId);
    if (!o) continue;
    k.replacementId = o.finalId;
    k.distributed = o.state === "ACTIVE";
    if (k.distributed) active += 1;
    else failed.push(o.finalId);
    changed.push(k);
  }
  row.step = "REDISTRIBUTED";
  const waiting = keys.filter((k) => k.waitingForNode && !k.distributed).length;
  const purges = keys.reduce((n, k) => n + k.purgeConfirmedBy.length, 0);
  addTimeline(row, "REDISTRIBUTED", ws.now, `holders confirmed ${purges} purge(s) of revoked material; ${active} replacement(s) ACTIVE over paths avoiding ${row.targetName}` + (waiting ? `; ${waiting} wait until their node is reachable again` : "") + (failed.length ? `; ${failed.length} could not be distributed` : ""));
  audit(ws, row, "INCIDENT_KEYS_REDISTRIBUTED", row.status, row.status, { active, waitingForNode: waiting, failed: failed.slice(0, 50) });
  return changed;
}

interface VerifyFacts {
  usableInRadius: number;
  replacementsPending: number;
  usableThroughContained: number;
  untouchedViolations: number;
  /** Purges of revoked keys neither confirmed nor queued for an OFFLINE/ISOLATED node, per node (KEY-DELIVERY.md §6.4). */
  purgesUnconfirmed: Record<string, number>;
  /** Purges still owed by OFFLINE/ISOLATED nodes: queued, re-sent when their agent reconnects. */
  purgesQueued: number;
}

/** Checks integrity: nothing usable left exposed, every replacement ACTIVE or waiting, no key outside the radius touched. */
export function verifyStep(deps: StepDeps, id: string): Promise<IncidentRow | null> {
  let facts: VerifyFacts | null = null;
  return stepJob(
    deps, id, { status: "RECOVERING", step: "REDISTRIBUTED" },
    {
      load: async (c, row) => {
        const usable = [...USABLE_STATES];
        const part = containedPart(row);
        const q = async (sql: string, params: unknown[]) => Number((await c.query<{ n: string }>(sql, params)).rows[0]!.n);
        const f: VerifyFacts = {
          usableInRadius: await q(`SELECT count(*) AS n FROM incident_keys ik JOIN keys k ON k.id = ik.key_id WHERE ik.incident_id = $1 AND k.state::text = ANY($2)`, [id, usable]),
          replacementsPending: await q(
            `SELECT count(*) AS n FROM incident_keys ik LEFT JOIN keys k ON k.id = ik.replacement_id
              WHERE ik.incident_id = $1 AND ik.replacement_id IS NOT NULL AND ik.waiting_for_node IS NULL AND (k.state IS NULL OR k.state::text <> 'ACTIVE')`, [id]),
          usableThroughContained: part.linkIds.length + part.nodeIds.length === 0 ? 0 : await q(
            `SELECT count(DISTINCT k.id) AS n FROM key_routes r JOIN keys k ON k.id = r.key_id
              WHERE k.state::text = ANY($1) AND (r.link_path && $2::text[] OR r.node_path && $3::text[])`, [usable, part.linkIds, part.nodeIds]),
          // Keys the recovery itself changed that are neither in the blast radius nor a replacement generation of one of them.
          untouchedViolations: await q(
            `WITH allowed AS (
               SELECT b.id::text AS id FROM incident_keys ik JOIN keys b ON b.id = ik.key_id WHERE ik.incident_id = $1
               UNION
               SELECT s.id::text FROM incident_keys ik JOIN keys b ON b.id = ik.key_id
                 JOIN keys s ON s.lineage_id = b.lineage_id AND s.generation > b.generation
                WHERE ik.incident_id = $1)
             SELECT count(DISTINCT a.subject_id) AS n FROM audit_entries a
              WHERE a.seq > $2 AND a.actor = $3 AND a.subject_type = 'key'
                AND a.subject_id NOT IN (SELECT id FROM allowed)`,
            [id, row.detectedSeq, actorOf(row)]),
          purgesUnconfirmed: {},
          purgesQueued: 0,
        };
        // A purge counts as done only when its holder confirmed it, or when the holder is OFFLINE or ISOLATED with the
        // obligation queued (purge_requested_at set: its agent is sent it again at reconnect).
        const { rows: purges } = await c.query<{ node_id: string; queued: boolean; n: string }>(
          `SELECT p.node_id, (p.purge_requested_at IS NOT NULL AND n.status::text IN ('OFFLINE', 'ISOLATED')) AS queued, count(*) AS n
             FROM incident_keys ik JOIN key_participants p ON p.key_id = ik.key_id JOIN nodes n ON n.id = p.node_id
            WHERE ik.incident_id = $1 AND ik.revoked AND p.purge_confirmed_at IS NULL
            GROUP BY 1, 2 ORDER BY 1`, [id]);
        for (const r of purges) {
          if (r.queued) f.purgesQueued += Number(r.n);
          else f.purgesUnconfirmed[r.node_id] = Number(r.n);
        }
        facts = f;
      },
    },
    (ws, row) => {
      const f = facts!;
      row.untouchedViolations = f.untouchedViolations;
      const unconfirmed = Object.entries(f.purgesUnconfirmed);
      const problems = [
        f.usableInRadius && `${f.usableInRadius} key(s) in the blast radius are still usable`,
        f.replacementsPending && `${f.replacementsPending} replacement(s) are not ACTIVE`,
        f.usableThroughContained && `${f.usableThroughContained} usable key(s) still have a route through ${row.targetName}`,
        f.untouchedViolations && `${f.untouchedViolations} key(s) outside the blast radius were changed`,
        unconfirmed.length > 0 && `purges not confirmed by reachable holders: ${unconfirmed.map(([n, c]) => `${n} (${c})`).join(", ")}`,
      ].filter((p): p is string => typeof p === "string");
      const ttl = ws.now.getTime() - row.detectedAt.getTime();
      row.resolvedAt = ws.now;
      row.step = "VERIFIED";
      if (problems.length === 0) {
        row.status = "RESOLVED";
        row.timeToIntegrityMs = ttl;
        addTimeline(row, "VERIFIED", ws.now, `integrity verified in ${ttl} ms: no exposed key usable, every replacement ACTIVE or waiting, no other key touched, every purge confirmed` + (f.purgesQueued ? ` or queued (${f.purgesQueued} for offline or isolated nodes, re-sent when their agent reconnects)` : ""));
        audit(ws, row, "INCIDENT_RESOLVED", "RECOVERING", "RESOLVED", { timeToIntegrityMs: ttl, ...f });
      } else {
        row.status = "FAILED";
        addTimeline(row, "FAILED", ws.now, `verification failed: ${problems.join("; ")}`);
        audit(ws, row, "INCIDENT_FAILED", "RECOVERING", "FAILED", { problems, ...f });
      }
      return [];
    },
  );
}

/** Records replacements that waited for a restored node and are now distributed (the incident may be closed already). */
export function waitingDistributedJob(deps: StepDeps, id: string, outcome: Map<string, { finalId: string; state: string }>): Promise<boolean> {
  let row: IncidentRow | null = null;
  let keys: IncidentKeyRow[] = [];
  return deps.keys.runner.submit({
    keyIds: [],
    load: async (c) => {
      row = await loadIncident(c, id);
      keys = row ? await loadIncidentKeys(c, id) : [];
    },
    run: (ws) => {
      const r = row as IncidentRow | null;
      if (!r) return null;
      const changed = keys.filter((k) => k.waitingForNode && !k.distributed && outcome.has(k.keyId));
      let active = 0;
      for (const k of changed) {
        const o = outcome.get(k.keyId)!;
        k.replacementId = o.finalId;
        k.distributed = o.state === "ACTIVE";
        if (k.distributed) {
          k.waitingForNode = null;
          active += 1;
        }
      }
      if (changed.length === 0) return null;
      addTimeline(r, "REDISTRIBUTED", ws.now, `${r.targetName} restored: ${active} waiting replacement(s) distributed and ACTIVE` + (active < changed.length ? `, ${changed.length - active} failed` : ""));
      audit(ws, r, "INCIDENT_WAITING_KEYS_DISTRIBUTED", r.status, r.status, { active, failed: changed.length - active });
      return { r, changed };
    },
    write: async (c, v) => {
      if (!v) return;
      await updateIncident(c, v.r);
      await updateIncidentKeys(c, v.r.id, v.changed);
    },
  }).then((v) => v !== null);
}

/** How far back a consumed key's delivery makes its applications worth telling (KEY-DELIVERY.md §5.5). */
export const COMPROMISE_NOTICE_WINDOW_MS = 24 * 3_600_000;

/**
 * Compromise after consumption (§5.5): keys applications already consumed (DESTROYED, material gone at the hub) whose
 * recorded route crossed the compromised node or link, delivered within the notice window. There is no state to
 * change; the applications are told through their KMEs (status: qecnet_revoked_key_IDs) and the chain records
 * KEY_COMPROMISE_NOTIFIED per key. Idempotent: a key already noticed for this incident is skipped.
 */
export function notifyConsumedStep(deps: StepDeps, id: string): Promise<number> {
  let row: IncidentRow | null = null;
  let found: Array<{ key_id: string; sae_ids: string[] }> = [];
  return deps.keys.runner.submit({
    keyIds: [],
    load: async (c) => {
      row = await loadIncident(c, id);
      if (!row) return;
      const since = new Date(deps.keys.clock().getTime() - COMPROMISE_NOTICE_WINDOW_MS);
      const crossed = row.targetType === "link" ? "r.link_path @> ARRAY[$1]::text[]" : "r.node_path @> ARRAY[$1]::text[]";
      found = (await c.query<{ key_id: string; sae_ids: string[] }>(
        `SELECT d.key_id, array_agg(DISTINCT d.sae_id ORDER BY d.sae_id) AS sae_ids
           FROM key_sae_deliveries d JOIN keys k ON k.id = d.key_id
          WHERE k.state = 'DESTROYED' AND d.delivered_at IS NOT NULL
            AND EXISTS (SELECT 1 FROM key_routes r WHERE r.key_id = d.key_id AND ${crossed})
            AND NOT EXISTS (SELECT 1 FROM key_compromise_notices n WHERE n.incident_id = $2 AND n.key_id = d.key_id)
          GROUP BY d.key_id
         HAVING bool_and(d.delivered_at IS NOT NULL) AND max(d.delivered_at) >= $3
          ORDER BY d.key_id`,
        [row.targetId, id, since],
      )).rows;
    },
    run: (ws) => {
      const r = row as IncidentRow | null;
      if (!r || found.length === 0) return { at: ws.now, reason: "" };
      const reason = `compromised after delivery: ${r.targetName} (${reference(r.number)})`.slice(0, 300);
      for (const k of found) {
        ws.audit({
          actor: actorOf(r), action: "KEY_COMPROMISE_NOTIFIED", subjectType: "key", subjectId: k.key_id, fromState: "DESTROYED", toState: "DESTROYED",
          details: { keyId: k.key_id, saeIds: k.sae_ids, incident: reference(r.number), incidentId: r.id, reason },
        });
      }
      return { at: ws.now, reason };
    },
    write: async (c, v) => {
      if (found.length === 0) return;
      await c.query(
        `INSERT INTO key_compromise_notices (incident_id, key_id, sae_ids, reason, notified_at)
         SELECT $1, x.key_id, x.sae_ids, $2, $3 FROM json_to_recordset($4::json) AS x(key_id uuid, sae_ids text[])
         ON CONFLICT DO NOTHING`,
        [id, v.reason, v.at, JSON.stringify(found)],
      );
    },
  }).then(() => found.length);
}
