/**
 * The two-person approval workflow. Requests, votes, withdrawals and expiries
 * are jobs of the transition runner: the row change and its audit entry commit
 * together, under the audit head lock that orders every writer. The vote that
 * reaches the quorum executes the action in that same job (same transaction);
 * an action that spans the mesh is left EXECUTING and driven to the end by
 * the executor (resumeExecuting, also called at server start).
 */
import { randomUUID } from "node:crypto";
import { rankOf, type Role } from "../domain/access/roles";
import type { SessionUser } from "../domain/access/session-user";
import { actorOf } from "../auth/auth-audit";
import type { JsonValue } from "../domain/audit/types";
import { poolOf, type Db } from "../db/client";
import { DomainError } from "../domain/errors/domain-error";
import type { KeyService } from "../keys/key-service";
import type { KeyWorkspace } from "../keys/key-workspace";
import type { ApprovalNotifier } from "../notify/webhook-notifier";
import type { NoticeFacts } from "../notify/approval-notice";
import { approvalKind, approvalKindFor, type ApprovalKindSpec, type ExecutionResult, type ResumeDeps } from "./approval-kinds";
import { insertRequest, insertVote, loadRequest, loadRule, loadVoter, openRequestOn, setStatus, type LoadedRequest } from "./approval-rows";
import { countedApprovals, decideVote, isOverdue, voterRoleOf, requireValidRule, type ApprovalRuleRow, type ApprovalStatus, type Decision } from "../domain/approvals/approval-rules";

export interface Requester {
  /** null for the system (a recovery step held for approval). */
  userId: string | null;
  actor: string;
}

const SYSTEM_EXECUTOR = "system:approval-executor";

export class ApprovalService {
  /** Approval jobs of this process run one at a time, so two votes never share a batch's stale view. */
  private chain: Promise<unknown> = Promise.resolve();
  private readonly driving = new Map<string, Promise<void>>();
  /** Tells approvers outside the console (QECNET_NOTIFY_WEBHOOK), after each commit; null: nobody to tell. */
  private readonly notifier: ApprovalNotifier | null;
  /** Drives a held recovery once approved (server/recovery); null where no recovery engine runs. */
  private readonly incidents: ResumeDeps["incidents"];

  constructor(
    private readonly db: Db,
    private readonly keys: KeyService,
    opts: { notifier?: ApprovalNotifier | null; incidents?: ResumeDeps["incidents"] } = {},
  ) {
    this.notifier = opts.notifier ?? null;
    this.incidents = opts.incidents ?? null;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  async preview(kind: string, targetId: string) {
    const spec = approvalKindFor(kind, targetId);
    const [{ label, impact }, rule] = await Promise.all([spec.computeImpact(this.db, targetId), this.db.approvalRule.findUnique({ where: { kind } })]);
    return { kind, kindLabel: spec.label, targetId, targetLabel: label, impact, rule };
  }

  /**
   * An emergency rotation (its own procedure, keys.requestEmergencyRotation): the request names the nodes and links
   * the replacement must avoid; they are checked here and kept in the request's impact for the officers and the executor.
   */
  async requestEmergencyRotation(input: { keyId: string; justification: string; avoidNodeIds: string[]; avoidLinkIds: string[] }, user: SessionUser) {
    const key = await this.db.key.findUnique({ where: { id: input.keyId }, select: { participants: { select: { nodeId: true } } } });
    if (!key) throw new DomainError("KEY_NOT_FOUND", `Key ${input.keyId} does not exist`, { keyId: input.keyId });
    const [nodes, links] = await Promise.all([
      this.db.node.findMany({ where: { id: { in: input.avoidNodeIds } }, select: { id: true, role: true } }),
      this.db.link.findMany({ where: { id: { in: input.avoidLinkIds } }, select: { id: true } }),
    ]);
    const unknown = [...input.avoidNodeIds.filter((n) => !nodes.some((x) => x.id === n)), ...input.avoidLinkIds.filter((l) => !links.some((x) => x.id === l))];
    if (unknown.length > 0) throw new DomainError("MESH_ELEMENT_NOT_FOUND", `Not in the mesh: ${unknown.join(", ")}`);
    const holders = input.avoidNodeIds.filter((n) => key.participants.some((p) => p.nodeId === n) || nodes.find((x) => x.id === n)?.role === "HUB");
    if (holders.length > 0) {
      throw new DomainError("INVALID_INPUT", `${holders.join(", ")} ${holders.length === 1 ? "is" : "are"} the hub or a participant of the key: the replacement cannot avoid ${holders.length === 1 ? "it" : "them"} (isolate a suspect participant and revoke instead).`);
    }
    return this.request({ kind: "EMERGENCY_ROTATION", targetId: input.keyId, justification: input.justification, avoid: { nodeIds: input.avoidNodeIds, linkIds: input.avoidLinkIds } }, user);
  }

  async request(input: { kind: string; targetId: string; justification: string; avoid?: { nodeIds: string[]; linkIds: string[] } }, user: SessionUser) {
    const need = approvalKind(input.kind).requesterRole;
    if (need && rankOf(user.role) < rankOf(need)) throw new DomainError("NOT_PERMITTED", `Only ${need}s may request a ${approvalKind(input.kind).label.toLowerCase()}; you are ${user.role}.`);
    const row = await this.raise(input, { userId: user.id, actor: actorOf(user.email) });
    return this.get(row.id, user);
  }

  /** For other features (the recovery engine): a request raised by the system, decided by officers like any other. */
  requestAsSystem(input: { kind: string; targetId: string; justification: string }, actor: string) {
    if (!actor.startsWith("system:")) throw new DomainError("INVALID_INPUT", 'A system requester is named "system:<component>"');
    if (approvalKind(input.kind).requesterRole) throw new DomainError("NOT_PERMITTED", `A ${input.kind} request is raised by a person, never by the system.`);
    return this.raise(input, { userId: null, actor });
  }

  private async raise(input: { kind: string; targetId: string; justification: string; avoid?: { nodeIds: string[]; linkIds: string[] } }, who: Requester) {
    const spec = approvalKindFor(input.kind, input.targetId);
    const computed = await spec.computeImpact(this.db, input.targetId);
    const { label } = computed;
    const avoid = input.avoid && input.avoid.nodeIds.length + input.avoid.linkIds.length > 0 ? input.avoid : null;
    const impact = avoid
      ? { ...computed.impact, avoid, summary: `${computed.impact.summary} The replacement's routes avoid ${[...avoid.nodeIds, ...avoid.linkIds].join(", ")}.` }
      : computed.impact;
    const id = randomUUID();
    let rule: ApprovalRuleRow | null = null;
    let open: { id: string; kind: string } | null = null;
    const row = await this.serial(() =>
      this.keys.runner.submit({
        keyIds: spec.keyIds(input.targetId),
        mesh: spec.mesh,
        load: async (c) => {
          rule = await loadRule(c, input.kind);
          open = await openRequestOn(c, spec.targetType, input.targetId);
        },
        run: (ws) => {
          const r = requireValidRule(input.kind, rule);
          const existing = open as { id: string; kind: string } | null;
          if (existing) {
            throw new DomainError("APPROVAL_DUPLICATE", `${label} already has an open request (${existing.kind}, ${existing.id}); decide or withdraw that one first.`, { requestId: existing.id });
          }
          if (spec.targetType === "key" && ws.key(input.targetId).version !== impact.keyVersion) {
            throw new DomainError("CONCURRENT_UPDATE", `${label} changed while the request was being prepared; look at it again and retry.`);
          }
          spec.check(this.jobContext(ws, who.actor), input.targetId, input.justification);
          const row = {
            id, kind: input.kind, targetType: spec.targetType, targetId: input.targetId, targetLabel: label, justification: input.justification,
            impact, requiredApprovals: r.minApprovals, requestedById: who.userId, requestedBy: who.actor, createdAt: ws.now,
            expiresAt: new Date(ws.now.getTime() + r.ttlMinutes * 60_000),
          };
          ws.publish({ topic: "approvals", type: "approval-requested", data: { requestId: id, kind: input.kind } });
          ws.audit({
            actor: who.actor, action: "APPROVAL_REQUESTED", subjectType: "approval-request", subjectId: id, fromState: null, toState: "PENDING",
            details: {
              kind: input.kind, targetType: spec.targetType, targetId: input.targetId, targetLabel: label, justification: input.justification,
              requiredApprovals: r.minApprovals, expiresAt: row.expiresAt.toISOString(), impact: impact.summary, participantsToPurge: impact.participantsToPurge,
            },
          });
          return row;
        },
        write: (c, row) => insertRequest(c, row),
      }),
    );
    this.tell({ type: "APPROVAL_REQUESTED", request: row, status: "PENDING", actor: who.actor, at: row.createdAt });
    return row;
  }

  /** After the commit, never inside it: a slow or dead receiver cannot hold a transaction. */
  private tell(facts: NoticeFacts): void {
    try {
      this.notifier?.notify(facts);
    } catch (err) {
      console.error(JSON.stringify({ level: "error", msg: "approval notice not queued", requestId: facts.request.id, error: (err as Error).name }));
    }
  }

  private static noticeRequest(r: LoadedRequest): NoticeFacts["request"] {
    return { id: r.id, kind: r.kind, targetType: r.targetType, targetId: r.targetId, targetLabel: r.targetLabel, requiredApprovals: r.requiredApprovals, expiresAt: r.expiresAt };
  }

  private jobContext(ws: KeyWorkspace, actor: string) {
    return { ws, effects: this.keys.effectContext(ws, { actor }) };
  }

  async approve(id: string, comment: string, user: SessionUser) {
    return this.vote(id, "APPROVE", comment, user);
  }

  async reject(id: string, comment: string, user: SessionUser) {
    return this.vote(id, "REJECT", comment, user);
  }

  private async targetOf(id: string): Promise<{ spec: ApprovalKindSpec; targetId: string }> {
    const r = await this.db.approvalRequest.findUnique({ where: { id }, select: { kind: true, targetId: true } });
    if (!r) throw new DomainError("APPROVAL_NOT_FOUND", `Approval request ${id} does not exist.`);
    return { spec: approvalKind(r.kind), targetId: r.targetId };
  }

  private async vote(id: string, decision: Decision, comment: string, user: SessionUser) {
    const { spec, targetId } = await this.targetOf(id);
    const actor = actorOf(user.email);
    let req: LoadedRequest | null = null;
    let rule: ApprovalRuleRow | null = null;
    let voterNow: { role: Role | null; controllers: string[] } = { role: null, controllers: [user.id] };
    const result = await this.serial(() =>
      this.keys.runner.submit({
        keyIds: spec.keyIds(targetId),
        mesh: spec.mesh,
        load: async (c) => {
          req = await loadRequest(c, id);
          rule = req ? await loadRule(c, req.kind) : null;
          // The voter's role and controllers as they are in this transaction, not as the session saw them.
          voterNow = await loadVoter(c, user.id);
        },
        run: (ws) => {
          const r = req as LoadedRequest | null;
          if (!r) throw new DomainError("APPROVAL_NOT_FOUND", `Approval request ${id} does not exist.`);
          if (isOverdue(r, ws.now)) {
            // Time closed it: record that, and refuse the vote (below, after the commit).
            this.auditStatus(ws, r, "system:approvals", "APPROVAL_EXPIRED", "EXPIRED", { expiresAt: r.expiresAt.toISOString(), voteRefused: actor });
            return { kind: "EXPIRED" as const, from: "PENDING" as ApprovalStatus, to: "EXPIRED" as ApprovalStatus, now: ws.now, outcome: null };
          }
          if (!voterNow.role) throw new DomainError("NOT_PERMITTED", "Your account is disabled; it cannot decide requests.");
          const o = decideVote(r, rule, { id: user.id, email: user.email, role: voterNow.role, controllers: voterNow.controllers }, decision, ws.now);
          const approvals = o.type === "REJECTED" ? null : o.approvals;
          const needed = o.type === "REJECTED" ? null : o.needed;
          ws.publish({ topic: "approvals", type: "approval-vote", data: { requestId: r.id, decision } });
          ws.audit({
            actor, action: decision === "APPROVE" ? "APPROVAL_APPROVED" : "APPROVAL_REJECTED", subjectType: "approval-request", subjectId: r.id,
            fromState: "PENDING", toState: o.type === "RECORDED" ? "PENDING" : o.type === "REJECTED" ? "REJECTED" : "APPROVED",
            details: { kind: r.kind, targetId: r.targetId, comment, approvals, needed },
          });
          if (o.type === "RECORDED") return { kind: "VOTED" as const, from: "PENDING" as ApprovalStatus, to: "PENDING" as ApprovalStatus, now: ws.now, outcome: null };
          if (o.type === "REJECTED") return { kind: "VOTED" as const, from: "PENDING" as ApprovalStatus, to: "REJECTED" as ApprovalStatus, now: ws.now, outcome: null };
          // Quorum: carry the action out in this same job, as the officer whose approval completed it.
          // Only the approvals that count now (voters still holding the role, one per person) are named.
          const approvers = [...countedApprovals(r).map((v) => v.voter), actor];
          let exec: ExecutionResult;
          try {
            exec = spec.execute(this.jobContext(ws, actor), { id: r.id, targetId: r.targetId, justification: r.justification });
          } catch (err) {
            if (!(err instanceof DomainError)) throw err;
            const outcome = { failure: err.message, approvers };
            this.auditStatus(ws, r, actor, "APPROVAL_FAILED", "FAILED", outcome);
            return { kind: "VOTED" as const, from: "PENDING" as ApprovalStatus, to: "FAILED" as ApprovalStatus, now: ws.now, outcome };
          }
          const outcome = { ...exec.outcome, approvers };
          this.auditStatus(ws, r, actor, exec.status === "EXECUTED" ? "APPROVAL_EXECUTED" : "APPROVAL_EXECUTING", exec.status, outcome);
          return { kind: "VOTED" as const, from: "PENDING" as ApprovalStatus, to: exec.status as ApprovalStatus, now: ws.now, outcome };
        },
        write: async (c, v) => {
          if (v.kind === "VOTED") await insertVote(c, { requestId: id, voterId: user.id, voter: actor, decision, comment, at: v.now });
          if (v.to !== v.from) await setStatus(c, id, v.from, v.to, v.now, v.outcome);
        },
      }),
    );
    const loaded = req as LoadedRequest | null;
    if (loaded) {
      const request = ApprovalService.noticeRequest(loaded);
      if (result.kind === "EXPIRED") this.tell({ type: "APPROVAL_EXPIRED", request, status: "EXPIRED", actor: "system:approvals", at: result.now });
      else this.tell({ type: "APPROVAL_VOTED", request, status: result.to, actor, decision, at: result.now, seq: loaded.votes.length + 1 });
    }
    if (result.kind === "EXPIRED") {
      throw new DomainError("APPROVAL_CLOSED", `Request ${id} expired at ${(req as LoadedRequest | null)?.expiresAt.toISOString()}; it can no longer be approved or rejected. Raise a new request.`, { status: "EXPIRED" });
    }
    if (result.to === "EXECUTING") void this.drive(id);
    return this.get(id, user);
  }

  private auditStatus(ws: KeyWorkspace, r: LoadedRequest, actor: string, action: string, to: ApprovalStatus, details: Record<string, JsonValue>) {
    ws.publish({ topic: "approvals", type: "approval-status", data: { requestId: r.id, status: to } });
    ws.audit({
      actor, action, subjectType: "approval-request", subjectId: r.id, fromState: r.status, toState: to,
      details: { kind: r.kind, targetId: r.targetId, targetLabel: r.targetLabel, ...details },
    });
  }

  /** The requester takes back a request nobody has decided yet. */
  async withdraw(id: string, user: SessionUser) {
    const { spec, targetId } = await this.targetOf(id);
    let req: LoadedRequest | null = null;
    const actor = actorOf(user.email);
    await this.serial(() =>
      this.keys.runner.submit({
        keyIds: spec.keyIds(targetId),
        mesh: spec.mesh,
        load: async (c) => {
          req = await loadRequest(c, id);
        },
        run: (ws) => {
          const r = req as LoadedRequest | null;
          if (!r) throw new DomainError("APPROVAL_NOT_FOUND", `Approval request ${id} does not exist.`);
          if (r.requestedById !== user.id) throw new DomainError("NOT_PERMITTED", "Only the officer or analyst who raised a request can withdraw it.");
          if (r.status !== "PENDING") throw new DomainError("APPROVAL_CLOSED", `Request ${id} is ${r.status.toLowerCase()}; only a pending request can be withdrawn.`, { status: r.status });
          this.auditStatus(ws, r, actor, "APPROVAL_WITHDRAWN", "WITHDRAWN", {});
          return ws.now;
        },
        write: (c, now) => setStatus(c, id, "PENDING", "WITHDRAWN", now, null),
      }),
    );
    return this.get(id, user);
  }

  /** Marks overdue PENDING requests EXPIRED, each with its audit entry. Returns how many. */
  async expireOverdue(): Promise<number> {
    const overdue = await this.db.approvalRequest.findMany({ where: { status: "PENDING", expiresAt: { lte: this.keys.clock() } }, select: { id: true }, take: 500 });
    let n = 0;
    for (const { id } of overdue) {
      let req: LoadedRequest | null = null;
      const expired = await this.serial(() =>
        this.keys.runner.submit({
          keyIds: [],
          load: async (c) => {
            req = await loadRequest(c, id);
          },
          run: (ws) => {
            const r = req as LoadedRequest | null;
            if (!r || !isOverdue(r, ws.now)) return null;
            this.auditStatus(ws, r, "system:approvals", "APPROVAL_EXPIRED", "EXPIRED", { expiresAt: r.expiresAt.toISOString() });
            return ws.now;
          },
          write: async (c, now) => {
            if (now) await setStatus(c, id, "PENDING", "EXPIRED", now, null);
          },
        }),
      );
      const r = req as LoadedRequest | null;
      if (expired && r) this.tell({ type: "APPROVAL_EXPIRED", request: ApprovalService.noticeRequest(r), status: "EXPIRED", actor: "system:approvals", at: expired });
      if (expired) n += 1;
    }
    return n;
  }

  /** Drives every EXECUTING request to its end (server start, and periodically). */
  async resumeExecuting(): Promise<number> {
    const rows = await this.db.approvalRequest.findMany({ where: { status: "EXECUTING" }, select: { id: true }, orderBy: { createdAt: "asc" } });
    await Promise.all(rows.map((r) => this.drive(r.id)));
    return rows.length;
  }

  /** Runs the kind's resume step, then records the end exactly once (only an EXECUTING request moves). */
  drive(id: string): Promise<void> {
    const running = this.driving.get(id);
    if (running) return running;
    const p = this.driveOnce(id).finally(() => this.driving.delete(id));
    this.driving.set(id, p);
    return p;
  }

  private async driveOnce(id: string): Promise<void> {
    try {
      const r = await this.db.approvalRequest.findUnique({ where: { id }, select: { kind: true, targetId: true, status: true, outcome: true } });
      if (!r || r.status !== "EXECUTING") return;
      const spec = approvalKind(r.kind);
      const actor = `${SYSTEM_EXECUTOR} (request ${id})`;
      const end = spec.resume
        ? await spec.resume({ keys: this.keys, actor, incidents: this.incidents }, { id, targetId: r.targetId, outcome: r.outcome as Record<string, JsonValue> | null })
        : { status: "EXECUTED" as const, outcome: (r.outcome ?? {}) as Record<string, JsonValue> };
      let req: LoadedRequest | null = null;
      await this.serial(() =>
        this.keys.runner.submit({
          keyIds: [],
          load: async (c) => {
            req = await loadRequest(c, id);
          },
          run: (ws) => {
            const cur = req as LoadedRequest | null;
            if (!cur || cur.status !== "EXECUTING") return null; // another instance finished it
            this.auditStatus(ws, cur, actor, end.status === "EXECUTED" ? "APPROVAL_EXECUTED" : "APPROVAL_FAILED", end.status, end.outcome);
            return ws.now;
          },
          write: async (c, now) => {
            if (now) await setStatus(c, id, "EXECUTING", end.status, now, end.outcome);
          },
        }),
      );
    } catch (err) {
      // Left EXECUTING: the next resume (periodic, or at start) carries on from where it stopped.
      console.error(JSON.stringify({ level: "error", msg: "approval execution interrupted; will resume", requestId: id, error: (err as Error).message }));
    }
  }

  // -- reads ----------------------------------------------------------------------

  async list(q: { scope: "open" | "decided" | "all"; limit: number; cursor?: string | null }) {
    const statuses: ApprovalStatus[] | undefined =
      q.scope === "open" ? ["PENDING", "EXECUTING"] : q.scope === "decided" ? ["EXECUTED", "FAILED", "REJECTED", "EXPIRED", "WITHDRAWN"] : undefined;
    const rows = await this.db.approvalRequest.findMany({
      where: statuses ? { status: { in: statuses } } : {},
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: q.limit + 1,
      ...(q.cursor ? { cursor: { id: q.cursor }, skip: 1 } : {}),
      select: REQUEST_SELECT,
    });
    const items = rows.slice(0, q.limit).map((r) => this.present(r, this.keys.clock()));
    return { items, nextCursor: rows.length > q.limit ? rows[q.limit - 1]!.id : null };
  }

  async get(id: string, viewer: SessionUser) {
    const r = await this.db.approvalRequest.findUnique({ where: { id }, select: REQUEST_SELECT });
    if (!r) throw new DomainError("APPROVAL_NOT_FOUND", `Approval request ${id} does not exist.`);
    const rule = await this.db.approvalRule.findUnique({ where: { kind: r.kind } });
    const now = this.keys.clock();
    // The votes as the rules count them now (voters' current roles and controllers).
    const client = await poolOf(this.db).connect();
    const [facts, voterNow] = await Promise.all([loadRequest(client, id), loadVoter(client, viewer.id)]).finally(() => client.release());
    const counted = facts ? countedApprovals(facts) : [];
    const view = { ...this.present(r, now), approvals: counted.length, countedVoters: counted.map((v) => v.voterId) };
    let canVote = false;
    let whyNot: string | null = null;
    try {
      if (!facts || !voterNow.role) throw new DomainError("NOT_PERMITTED", "Your account cannot decide requests.");
      decideVote({ ...facts, status: view.status }, rule, { id: viewer.id, email: viewer.email, role: voterNow.role, controllers: voterNow.controllers }, "REJECT", now);
      canVote = true;
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      whyNot = err.message;
    }
    return { ...view, rule, viewer: { canVote, whyNot, canWithdraw: r.requestedById === viewer.id && view.status === "PENDING" } };
  }

  /** Open requests, and those this user could decide now (the officers' badge). */
  async pendingCount(user: SessionUser): Promise<PendingCounts> {
    return this.countPending(await this.openRequests(), user);
  }

  /** The requests still pending, with their voters: one query, the same for every user (the live badge shares it). */
  openRequests(): Promise<OpenRequest[]> {
    return this.db.approvalRequest.findMany({
      where: { status: "PENDING" },
      select: { kind: true, requestedById: true, expiresAt: true, votes: { select: { voterId: true } } },
    });
  }

  /** The badge's counts for `user` from the open requests, on the service's clock (a request past its deadline no longer counts). */
  countPending(requests: readonly OpenRequest[], user: SessionUser): PendingCounts {
    const now = this.keys.clock();
    const open = requests.filter((r) => r.expiresAt.getTime() > now.getTime());
    const awaitingYou = open.filter((r) => voterRoleOf(r.kind) === user.role && r.requestedById !== user.id && !r.votes.some((v) => v.voterId === user.id)).length;
    return { pending: open.length, awaitingYou };
  }

  private present(r: RequestRow, now: Date) {
    const status: ApprovalStatus = isOverdue({ status: r.status, expiresAt: r.expiresAt }, now) ? "EXPIRED" : r.status;
    const spec = approvalKind(r.kind);
    return {
      ...r,
      status,
      kindLabel: spec.label,
      kindDescription: spec.description,
      approvals: r.votes.filter((v) => v.decision === "APPROVE").length,
    };
  }

  // -- policy -------------------------------------------------------------------------

  rules() {
    return this.db.approvalRule.findMany({ orderBy: { kind: "asc" } });
  }

  async updateRule(kind: string, input: { minApprovals: number; ttlMinutes: number }, who: { actor: string }) {
    approvalKind(kind);
    requireValidRule(kind, { kind, ...input });
    let before: ApprovalRuleRow | null = null;
    await this.serial(() =>
      this.keys.runner.submit({
        keyIds: [],
        load: async (c) => {
          before = await loadRule(c, kind);
        },
        run: (ws) => {
          const b = before as ApprovalRuleRow | null;
          ws.publish({ topic: "approvals", type: "approval-rule-changed", data: { kind } });
          ws.audit({
            actor: who.actor, action: "APPROVAL_RULE_CHANGED", subjectType: "approval-rule", subjectId: kind,
            fromState: b ? `${b.minApprovals} approvals, ${b.ttlMinutes} min` : null, toState: `${input.minApprovals} approvals, ${input.ttlMinutes} min`,
            details: { kind, minApprovals: input.minApprovals, ttlMinutes: input.ttlMinutes, before: b ? { minApprovals: b.minApprovals, ttlMinutes: b.ttlMinutes } : null },
          });
          return ws.now;
        },
        write: async (c, now) => {
          await c.query(
            `INSERT INTO approval_rules (kind, min_approvals, ttl_minutes, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (kind) DO UPDATE SET min_approvals = $2, ttl_minutes = $3, updated_at = $4, updated_by = $5`,
            [kind, input.minApprovals, input.ttlMinutes, now, who.actor],
          );
        },
      }),
    );
    return this.db.approvalRule.findUniqueOrThrow({ where: { kind } });
  }
}

const REQUEST_SELECT = {
  id: true, kind: true, targetType: true, targetId: true, targetLabel: true, justification: true, impact: true, status: true,
  requiredApprovals: true, requestedById: true, requestedBy: true, createdAt: true, expiresAt: true, decidedAt: true, outcome: true,
  votes: { select: { voterId: true, voter: true, decision: true, comment: true, at: true }, orderBy: { at: "asc" } },
} as const;

type RequestRow = {
  id: string; kind: string; targetType: string; targetId: string; targetLabel: string; justification: string; impact: unknown;
  status: ApprovalStatus; requiredApprovals: number; requestedById: string | null; requestedBy: string; createdAt: Date;
  expiresAt: Date; decidedAt: Date | null; outcome: unknown;
  votes: Array<{ voterId: string; voter: string; decision: Decision; comment: string; at: Date }>;
};

/** The officers' badge: open requests, and those the viewer could decide now. */
export interface PendingCounts {
  pending: number;
  awaitingYou: number;
}

/** A pending request as the badge counts it (one read shared by every badge of the process). */
export interface OpenRequest {
  kind: string;
  requestedById: string | null;
  expiresAt: Date;
  votes: Array<{ voterId: string }>;
}
