/**
 * ROLE_GRANT: giving someone a role that decides approvals (officer, admin) is
 * itself a two-person action (issue 12, finding 3). One administrator asks, a
 * second one approves; the grant then records both (users.role_granted_by_id,
 * role_approved_by_id), so the approval rules can refuse the votes of accounts
 * the requester made or promoted.
 *
 * The target is "<role>:<user id>" (one open request per user and role). The
 * grant is carried out by `resume` as its own audited job of the user service
 * (users are not part of the key workspace), idempotently after a restart.
 */
import { isRole, type Role } from "../domain/access/roles";
import type { JsonValue } from "../domain/audit/types";
import { DomainError } from "../domain/errors/domain-error";
import { GRANTED_BY_APPROVAL, UserService } from "../users/user-service";
import { type ApprovalKindSpec } from "./approval-kinds";
import type { Impact } from "../domain/approvals/approval-impact";

export function roleGrantTarget(role: Role, userId: string): string {
  return `${role}:${userId}`;
}

export function parseRoleGrantTarget(targetId: string): { role: Role; userId: string } {
  const i = targetId.indexOf(":");
  const role = targetId.slice(0, i);
  const userId = targetId.slice(i + 1);
  if (i < 0 || !isRole(role) || !GRANTED_BY_APPROVAL.includes(role) || userId.length === 0) {
    throw new DomainError("INVALID_INPUT", `A role grant names "<role>:<user id>" with role officer or admin ("${targetId}" does not).`);
  }
  return { role, userId };
}

export const ROLE_GRANT_KIND: ApprovalKindSpec = {
  kind: "ROLE_GRANT",
  label: "Role grant",
  requestLabel: "Request role",
  targetType: "user",
  requesterRole: "admin",
  description: "An administrator asks to make a user an officer or administrator; a second administrator approves. Nobody grants these roles alone.",
  async computeImpact(db, targetId) {
    const { role, userId } = parseRoleGrantTarget(targetId);
    const u = await db.user.findUnique({ where: { id: userId }, select: { email: true, role: true, disabledAt: true } });
    if (!u) throw new DomainError("USER_NOT_FOUND", `User ${userId} does not exist.`);
    if (u.disabledAt) throw new DomainError("NOT_PERMITTED", `${u.email} is disabled; enable the account first.`);
    if (u.role === role) throw new DomainError("INVALID_INPUT", `${u.email} already has the ${role} role.`);
    const impact: Impact = {
      summary: `Make ${u.email} ${role === "admin" ? "an administrator" : "a security officer"} (now ${u.role}). ${role === "admin" ? "Administrators manage users, policies and the topology, and decide role grants." : "Officers approve revocations and run key operations."}`,
      keyVersion: 0,
      keys: [],
      nodes: [],
      links: [],
      participantsToPurge: [],
      user: { id: userId, email: u.email, from: u.role, to: role },
    };
    return { label: `${u.email} → ${role}`, impact };
  },
  keyIds: () => [],
  check() {
    // Everything to check is on the user row, read by computeImpact just before; grantApproved checks again.
  },
  execute() {
    return { status: "EXECUTING", outcome: {} };
  },
  async resume(deps, req): Promise<{ status: "EXECUTED" | "FAILED"; outcome: Record<string, JsonValue> }> {
    const { role, userId } = parseRoleGrantTarget(req.targetId);
    const db = deps.keys.db;
    const r = await db.approvalRequest.findUniqueOrThrow({
      where: { id: req.id },
      select: { requestedById: true, votes: { where: { decision: "APPROVE" }, select: { voterId: true }, orderBy: { at: "desc" }, take: 1 } },
    });
    const approverId = r.votes[0]?.voterId;
    if (!r.requestedById || !approverId) return { status: "FAILED", outcome: { failure: "the request has no requesting or approving administrator" } };
    try {
      const u = await new UserService(db, deps.keys.runner).grantApproved(userId, role, { requestId: req.id, requesterId: r.requestedById, approverId, actor: deps.actor });
      return { status: "EXECUTED", outcome: { userId, role: u.role } };
    } catch (err) {
      if (err instanceof DomainError) return { status: "FAILED", outcome: { failure: err.message } };
      throw err;
    }
  },
};
