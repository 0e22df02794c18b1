/**
 * The approval workflow's rules, pure: given a request, its votes, the policy
 * rule, who votes and the time, either the outcome of the vote or a typed
 * refusal. Fail closed: a missing rule, or one asking for fewer than one
 * approval, refuses requests and approvals (OpenBao issue 3666 failed open).
 * No self-approval and one vote per officer (Vault issue 19214).
 *
 * Votes are counted per person, not per account (issue 12, findings 3 and 4):
 * - a vote counts only while its voter still holds the deciding role and is
 *   enabled, re-checked when the quorum is counted (that is, at execution);
 * - an account's "controllers" are itself, the administrator who created it
 *   (who chose its first password) and the administrator who asked for its
 *   role. A voter whose controllers meet the requester's, or those of an
 *   approver already counted, is refused: nobody collects the votes of
 *   accounts they made or promoted.
 */
import type { Role } from "../access/roles";
import { DomainError } from "../errors/domain-error";

export const APPROVAL_STATUSES = ["PENDING", "EXECUTING", "EXECUTED", "FAILED", "REJECTED", "EXPIRED", "WITHDRAWN"] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];
export type Decision = "APPROVE" | "REJECT";

export interface ApprovalRuleRow {
  kind: string;
  minApprovals: number;
  ttlMinutes: number;
}

export interface VoteRow {
  voterId: string;
  voter: string;
  decision: Decision;
  /** The voter's role now; null when the account is disabled. Absent = not known (counted as not holding it). */
  voterRole?: Role | null;
  /** The voter's controllers (see the file's docblock). */
  controllers?: readonly string[];
}

export interface RequestFacts {
  id: string;
  kind: string;
  status: ApprovalStatus;
  requestedById: string | null;
  requiredApprovals: number;
  expiresAt: Date;
  votes: readonly VoteRow[];
  /** The requester's controllers (itself, its creator, its role granter); empty for the system. */
  requesterControllers?: readonly string[];
}

export interface Voter {
  id: string;
  email: string;
  role: Role;
  /** Itself, its creator and its role granter (user ids). */
  controllers?: readonly string[];
}

/** Who decides a kind: administrators decide role grants (they grant roles), officers everything else. */
export function voterRoleOf(kind: string): Role {
  return kind === "ROLE_GRANT" ? "admin" : "officer";
}

const ROLE_NOUN: Record<Role, string> = { viewer: "viewers", analyst: "analysts", officer: "security officers", admin: "administrators" };

/** The approvals that count now: voters who still hold the deciding role, one per person (first come), controllers disjoint from the requester's. */
export function countedApprovals(req: RequestFacts): VoteRow[] {
  const need = voterRoleOf(req.kind);
  const seen = new Set<string>(req.requesterControllers ?? []);
  const counted: VoteRow[] = [];
  for (const v of req.votes) {
    if (v.decision !== "APPROVE" || v.voterRole !== need) continue;
    const ctl = v.controllers ?? [v.voterId];
    if (ctl.some((c) => seen.has(c))) continue;
    for (const c of ctl) seen.add(c);
    counted.push(v);
  }
  return counted;
}

export type VoteOutcome =
  | { type: "RECORDED"; approvals: number; needed: number }
  | { type: "QUORUM"; approvals: number; needed: number }
  | { type: "REJECTED" };

/** The rule as policy, or a refusal naming what is wrong with it. */
export function requireValidRule(kind: string, rule: ApprovalRuleRow | null | undefined): ApprovalRuleRow {
  if (!rule) {
    throw new DomainError("APPROVAL_RULE_INVALID", `There is no approval rule for ${kind}, so it cannot be requested or approved. An administrator must define one.`);
  }
  if (!Number.isSafeInteger(rule.minApprovals) || rule.minApprovals < 1) {
    throw new DomainError(
      "APPROVAL_RULE_INVALID",
      `The approval rule for ${kind} asks for ${rule.minApprovals} approvals; at least 1 is required, so it is refused until an administrator fixes the rule.`,
    );
  }
  if (!Number.isSafeInteger(rule.ttlMinutes) || rule.ttlMinutes < 1) {
    throw new DomainError("APPROVAL_RULE_INVALID", `The approval rule for ${kind} has no valid time to live (${rule.ttlMinutes} minutes).`);
  }
  return rule;
}

/**
 * Approvals needed: the larger of what the rule asked when the request was made
 * and what it asks now, so lowering a rule never weakens a pending request.
 */
export function quorumOf(req: Pick<RequestFacts, "kind" | "requiredApprovals">, rule: ApprovalRuleRow | null | undefined): number {
  const r = requireValidRule(req.kind, rule);
  return Math.max(r.minApprovals, req.requiredApprovals);
}

export function isOverdue(req: Pick<RequestFacts, "status" | "expiresAt">, now: Date): boolean {
  return req.status === "PENDING" && now.getTime() >= req.expiresAt.getTime();
}

const CLOSED_MESSAGES: Record<Exclude<ApprovalStatus, "PENDING">, string> = {
  EXECUTING: "it was approved and is being carried out",
  EXECUTED: "it was approved and carried out",
  FAILED: "it was approved but could not be carried out",
  REJECTED: "it was rejected",
  EXPIRED: "it expired",
  WITHDRAWN: "its requester withdrew it",
};

/** Refuses any decision on a request that is no longer open; `now` past expiry counts as expired. */
export function requireOpen(req: RequestFacts, now: Date): void {
  if (req.status !== "PENDING") {
    throw new DomainError("APPROVAL_CLOSED", `Request ${req.id} is closed: ${CLOSED_MESSAGES[req.status]}. Nothing was recorded.`, { status: req.status });
  }
  if (isOverdue(req, now)) {
    throw new DomainError("APPROVAL_CLOSED", `Request ${req.id} expired at ${req.expiresAt.toISOString()}; it can no longer be approved or rejected. Raise a new request.`, { status: "EXPIRED" });
  }
}

/** The outcome of `voter` deciding `decision` on `req` now, or a typed refusal. */
export function decideVote(req: RequestFacts, rule: ApprovalRuleRow | null | undefined, voter: Voter, decision: Decision, now: Date): VoteOutcome {
  requireOpen(req, now);
  const need = voterRoleOf(req.kind);
  if (voter.role !== need) {
    throw new DomainError("NOT_PERMITTED", `Only ${ROLE_NOUN[need]} approve or reject ${req.kind === "ROLE_GRANT" ? "role grants" : "requests"}; you are ${voter.role}.`);
  }
  if (req.requestedById !== null && req.requestedById === voter.id) {
    throw new DomainError("NOT_PERMITTED", `You raised this request, so you cannot decide it: another ${need === "admin" ? "administrator" : "officer"} must.`);
  }
  const mine = voter.controllers ?? [voter.id];
  const requester = new Set(req.requesterControllers ?? []);
  if (mine.some((c) => requester.has(c))) {
    throw new DomainError("NOT_PERMITTED", "Your account was created or given its role by the requester (or by whoever made theirs), so your vote would be theirs: someone independent of the requester must decide.");
  }
  const prior = req.votes.find((v) => v.voterId === voter.id);
  if (prior) {
    throw new DomainError("DUPLICATE_VOTE", `You already ${prior.decision === "APPROVE" ? "approved" : "rejected"} this request; each officer decides once.`);
  }
  if (decision === "REJECT") return { type: "REJECTED" };
  // Fail closed before counting: a broken rule never lets an approval through.
  const needed = quorumOf(req, rule);
  const counted = countedApprovals(req);
  if (counted.some((v) => (v.controllers ?? [v.voterId]).some((c) => mine.includes(c)))) {
    throw new DomainError("NOT_PERMITTED", "Your account and that of someone who already approved were created or promoted by the same person, so they count as one vote: someone independent must decide.");
  }
  const approvals = counted.length + 1;
  return approvals >= needed ? { type: "QUORUM", approvals, needed } : { type: "RECORDED", approvals, needed };
}

/** Whether `voter` could decide `req` now, with the reason when not (for the console). */
export function voteEligibility(req: RequestFacts, rule: ApprovalRuleRow | null | undefined, voter: Voter, now: Date): { canVote: boolean; reason: string | null } {
  try {
    decideVote(req, rule, voter, "REJECT", now);
    return { canVote: true, reason: null };
  } catch (err) {
    if (err instanceof DomainError) return { canVote: false, reason: err.message };
    throw err;
  }
}
