/**
 * Reads and writes of approval rows on the transition runner's connection,
 * inside a batch's transaction (see KeyJob.load / KeyJob.write).
 */
import type pg from "pg";
import type { Role } from "../domain/access/roles";
import type { JsonValue } from "../domain/audit/types";
import type { ApprovalRuleRow, ApprovalStatus, Decision, RequestFacts } from "../domain/approvals/approval-rules";

export interface LoadedRequest extends RequestFacts {
  targetType: string;
  targetId: string;
  targetLabel: string;
  justification: string;
  requestedBy: string;
  outcome: Record<string, JsonValue> | null;
  version: number;
}

export async function loadRule(c: pg.ClientBase, kind: string): Promise<ApprovalRuleRow | null> {
  const { rows } = await c.query<{ kind: string; min_approvals: number; ttl_minutes: number }>(
    "SELECT kind, min_approvals, ttl_minutes FROM approval_rules WHERE kind = $1",
    [kind],
  );
  const r = rows[0];
  return r ? { kind: r.kind, minApprovals: r.min_approvals, ttlMinutes: r.ttl_minutes } : null;
}

export async function loadRequest(c: pg.ClientBase, id: string): Promise<LoadedRequest | null> {
  const { rows } = await c.query<{
    id: string; kind: string; status: ApprovalStatus; requested_by_id: string | null; requested_by: string; required_approvals: number;
    expires_at: Date; target_type: string; target_id: string; target_label: string; justification: string;
    outcome: Record<string, JsonValue> | null; version: number;
    votes: Array<{ voterId: string; voter: string; decision: Decision; voterRole: Role | null; controllers: Array<string | null> }>;
    requester_controllers: Array<string | null> | null;
  }>(
    // Each vote with its voter's role NOW (null when disabled) and controllers: a vote counts only while its voter holds the role.
    `SELECT r.id, r.kind, r.status::text AS status, r.requested_by_id, r.requested_by, r.required_approvals, r.expires_at,
            r.target_type, r.target_id, r.target_label, r.justification, r.outcome, r.version,
            COALESCE((SELECT json_agg(json_build_object('voterId', v.voter_id, 'voter', v.voter, 'decision', v.decision,
                                                        'voterRole', CASE WHEN u.disabled_at IS NULL THEN u.role END,
                                                        'controllers', json_build_array(u.id, u.created_by_id, u.role_granted_by_id)) ORDER BY v.at)
                      FROM approval_votes v JOIN users u ON u.id = v.voter_id WHERE v.request_id = r.id), '[]'::json) AS votes,
            (SELECT ARRAY[q.id, q.created_by_id, q.role_granted_by_id] FROM users q WHERE q.id = r.requested_by_id) AS requester_controllers
       FROM approval_requests r WHERE r.id = $1`,
    [id],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    id: r.id, kind: r.kind, status: r.status, requestedById: r.requested_by_id, requestedBy: r.requested_by,
    requiredApprovals: r.required_approvals, expiresAt: r.expires_at, targetType: r.target_type, targetId: r.target_id,
    targetLabel: r.target_label, justification: r.justification, outcome: r.outcome, version: r.version,
    votes: r.votes.map((v) => ({ ...v, controllers: present(v.controllers) })),
    requesterControllers: present(r.requester_controllers ?? []),
  };
}

const present = (ids: Array<string | null>): string[] => [...new Set(ids.filter((x): x is string => x !== null))];

/** A voter as the rules see them: role now (null when disabled or gone) and controllers. */
export async function loadVoter(c: pg.ClientBase, id: string): Promise<{ role: Role | null; controllers: string[] }> {
  const { rows } = await c.query<{ role: Role; disabled_at: Date | null; controllers: Array<string | null> }>(
    "SELECT role, disabled_at, ARRAY[id, created_by_id, role_granted_by_id] AS controllers FROM users WHERE id = $1",
    [id],
  );
  const u = rows[0];
  return u ? { role: u.disabled_at ? null : u.role, controllers: present(u.controllers) } : { role: null, controllers: [id] };
}

/** The open (PENDING or EXECUTING) request on a target, if any. */
export async function openRequestOn(c: pg.ClientBase, targetType: string, targetId: string): Promise<{ id: string; kind: string } | null> {
  const { rows } = await c.query<{ id: string; kind: string }>(
    "SELECT id, kind FROM approval_requests WHERE target_type = $1 AND target_id = $2 AND status IN ('PENDING', 'EXECUTING') LIMIT 1",
    [targetType, targetId],
  );
  return rows[0] ?? null;
}

export interface NewRequestRow {
  id: string; kind: string; targetType: string; targetId: string; targetLabel: string; justification: string;
  impact: unknown; requiredApprovals: number; requestedById: string | null; requestedBy: string; createdAt: Date; expiresAt: Date;
}

export async function insertRequest(c: pg.ClientBase, r: NewRequestRow): Promise<void> {
  await c.query(
    `INSERT INTO approval_requests (id, kind, target_type, target_id, target_label, justification, impact, status,
       required_approvals, requested_by_id, requested_by, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, 'PENDING', $8, $9, $10, $11, $12)`,
    [r.id, r.kind, r.targetType, r.targetId, r.targetLabel, r.justification, JSON.stringify(r.impact), r.requiredApprovals, r.requestedById, r.requestedBy, r.createdAt, r.expiresAt],
  );
}

export async function insertVote(c: pg.ClientBase, v: { requestId: string; voterId: string; voter: string; decision: Decision; comment: string; at: Date }): Promise<void> {
  await c.query(
    "INSERT INTO approval_votes (request_id, voter_id, voter, decision, comment, at) VALUES ($1, $2, $3, $4, $5, $6)",
    [v.requestId, v.voterId, v.voter, v.decision, v.comment, v.at],
  );
}

/** Moves a request to `status`, only from the status the job decided on (a second writer changes nothing). */
export async function setStatus(
  c: pg.ClientBase,
  id: string,
  from: ApprovalStatus,
  to: ApprovalStatus,
  at: Date,
  outcome: Record<string, JsonValue> | null,
): Promise<void> {
  const r = await c.query(
    `UPDATE approval_requests SET status = $3::"ApprovalStatus", version = version + 1,
       decided_at = CASE WHEN $6::text = 'PENDING' THEN decided_at ELSE COALESCE(decided_at, $4::timestamptz) END,
       outcome = COALESCE($5::jsonb, outcome)
     WHERE id = $1 AND status = $2::"ApprovalStatus"`,
    [id, from, to, at, outcome === null ? null : JSON.stringify(outcome), to],
  );
  if (r.rowCount !== 1) throw new Error(`approval request ${id} was not ${from} when it was to become ${to}`);
}
