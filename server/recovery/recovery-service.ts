/**
 * Automated compromise recovery (services().recovery): opens an incident per
 * compromise signal and drives it step by step (recovery-steps.ts) to verified
 * integrity: contain → revoke → purge at every holder → distribute the
 * replacements over paths that avoid the contained part → verify. A step held
 * for an officer's approval waits in AWAITING_APPROVAL. Every step's state is
 * in the incident row, so drive() (and resumeOpen() at start) carries on from
 * wherever a previous process stopped, never doing a step twice. The
 * incidents' read side is incident-queries.ts; the demo's scripted
 * eavesdropper is server/demo/demo-scenario.ts.
 */
import { type Clock } from "../time/clock";
import type pg from "pg";
import type { Db } from "../db/client";
import { poolOf } from "../db/client";
import { DomainError } from "../domain/errors/domain-error";
import { logger } from "../ops/logger";
import type { KeyService } from "../keys/key-service";
import { withTimeout, type AgentDirectory } from "../agents/node-agent";
import { loadMesh } from "../mesh/mesh-rows";
import { MeshGraph } from "../mesh/routing/route-planner";
import { hubOf } from "../domain/mesh/mesh-model";
import { chunks, mapBounded } from "../background/bounded";
import type { ApprovalService } from "../approvals/approval-service";
import { loadIncident, loadIncidentKeys, reference, type IncidentRow } from "./incident-rows";
import { OPEN_STATUSES } from "../domain/incidents/incident-status";
import type { IncidentSummaryView } from "./incident-views";
import { incidentSummary } from "./incident-queries";
import {
  actorOf, approveStep, dismissStep, openIncident, purgedAndRedistributedStep, recordApprovalRequest, redistributedStep, revokeStep, notifyConsumedStep, verifyStep, waitingDistributedJob,
  RECOVERY_ACTOR, type OpenInput,
} from "./recovery-steps";
import { INCIDENT_RECOVERY_KIND } from "./incident-recovery-kind";

/** How long a DISTRIBUTED replacement may still be in another run's hands (its receipts being collected). */
const COLLECTING_WINDOW_MS = 5_000;

export interface RecoveryOptions {
  /** Replacements distributed at once (the runner group-commits their jobs). */
  concurrency?: number;
  /** Keys revoked per transaction. */
  revokeChunk?: number;
  /** Replacements routed (and their receipts recorded) per transaction. */
  bulkChunk?: number;
  /** How long a holder has to confirm a purge. */
  purgeTimeoutMs?: number;
  /** The clock the runner stamps with (tests run on their own). */
  clock?: Clock;
  /** Test hook: called before each step; throwing stops the drive there (a crash between steps). */
  beforeStep?: (step: string, incidentId: string) => void;
}

/** The distribution service's bulk path (server/distribution), when the wiring provides it. */
interface BulkDistributor {
  distributeMany(
    keyIds: readonly string[], who: { actor: string }, opts: { leaveUnroutable?: boolean },
  ): Promise<Map<string, { finalId: string; state: string; blockedBy?: string }>>;
}

/** What distributing a replacement needs to know of it. */
interface ReplacementFacts {
  id: string;
  state: string;
  version: number;
  sizeBits: number;
  participants: string[];
}

/** The replacements' facts in one query. */
async function replacementFacts(pool: pg.Pool, ids: readonly string[]): Promise<Map<string, ReplacementFacts>> {
  if (ids.length === 0) return new Map();
  const { rows } = await pool.query<ReplacementFacts>(
    `SELECT k.id, k.state::text AS state, k.version, k.size_bits AS "sizeBits",
            COALESCE(array_agg(p.node_id ORDER BY p.node_id) FILTER (WHERE p.node_id IS NOT NULL), '{}') AS participants
       FROM keys k LEFT JOIN key_participants p ON p.key_id = k.id
      WHERE k.id = ANY($1::uuid[]) GROUP BY k.id`,
    [ids],
  );
  return new Map(rows.map((r) => [r.id, r]));
}

/** What distributing an incident's replacements came to: outcomes by original key, and the ones waiting with their node. */
interface Distribution {
  outcome: Map<string, { finalId: string; state: string }>;
  waiting: Map<string, string>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


export class RecoveryService {
  private readonly driving = new Map<string, Promise<IncidentRow | null>>();
  private readonly opts: Required<Omit<RecoveryOptions, "beforeStep">> & Pick<RecoveryOptions, "beforeStep">;

  constructor(
    private readonly db: Db,
    private readonly keys: KeyService,
    private readonly agents: AgentDirectory,
    opts: RecoveryOptions = {},
    /** Where a recovery outside the affected keys' auto-revoke signals is held for an officer (null: no approvals here). */
    private readonly approvals: ApprovalService | null = null,
  ) {
    this.opts = { concurrency: opts.concurrency ?? 64, revokeChunk: opts.revokeChunk ?? 2_000, bulkChunk: opts.bulkChunk ?? 500, purgeTimeoutMs: opts.purgeTimeoutMs ?? 500,
      clock: opts.clock ?? keys.clock, beforeStep: opts.beforeStep };
  }

  private requireApprovals(): ApprovalService {
    if (!this.approvals) throw new Error("the recovery service was built without the approval service");
    return this.approvals;
  }

  private get deps() {
    return { keys: this.keys };
  }

  // -- signals ----------------------------------------------------------------------

  /** Opens an incident for a signal and drives it (returns once it is resolved, held or failed). */
  async signal(input: OpenInput, who: { actor: string }): Promise<IncidentRow> {
    const row = await openIncident(this.deps, input, who);
    return (await this.drive(row.id)) ?? row;
  }

  async report(input: { targetType: "link" | "node"; targetId: string; reason: string }, who: { actor: string }): Promise<IncidentSummaryView> {
    const reason = input.reason?.trim() ?? "";
    if (!reason) throw new DomainError("INVALID_INPUT", "Say why the node or link is believed compromised (the reason goes into the incident and the audit log).");
    if (input.targetType !== "link" && input.targetType !== "node") throw new DomainError("INVALID_INPUT", 'targetType must be "link" or "node"');
    const row = await openIncident(this.deps, { signal: "OPERATOR_REPORT", targetType: input.targetType, targetId: input.targetId, reason }, who);
    // Recovery runs on: the operator sees the incident at once and follows it live. A failure here
    // leaves the incident open at its step; the worker's periodic resume carries it on.
    void this.drive(row.id).catch((err: unknown) =>
      logger().error({ incidentId: row.id, error: (err as Error).name }, "recovery of a reported compromise stopped; it resumes on the next sweep"));
    return incidentSummary(row, (await loadIncidentKeys(poolOf(this.db), row.id)).length);
  }

  // -- driving ----------------------------------------------------------------------

  /** Resolves once no drive started by this service is running (tests and shutdown wait on it). */
  async idle(): Promise<void> {
    while (this.driving.size > 0) await Promise.allSettled([...this.driving.values()]);
  }

  /** Carries an incident as far as it can go now; concurrent calls share one run. */
  drive(id: string): Promise<IncidentRow | null> {
    const running = this.driving.get(id);
    if (running) return running;
    const p = this.driveOnce(id).finally(() => this.driving.delete(id));
    this.driving.set(id, p);
    return p;
  }

  private async driveOnce(id: string): Promise<IncidentRow | null> {
    const pool = poolOf(this.db);
    for (let guard = 0; guard < 50; guard++) {
      const row = await loadIncident(pool, id);
      if (!row || !OPEN_STATUSES.includes(row.status)) return row;
      this.opts.beforeStep?.(`${row.status}/${row.step}`, id);
      if (row.status === "AWAITING_APPROVAL") {
        if (!(await this.driveApproval(row))) return loadIncident(pool, id);
        continue;
      }
      switch (row.step) {
        case "CONTAINED":
          await this.revoke(row);
          break;
        case "REVOKED": {
          // Purging the revoked material at its holders and distributing the replacements do not depend on
          // each other: both go at once, and both are recorded in one step job (purge first).
          const [p, d] = await Promise.all([this.purgeHolders(row), this.distributeReplacements(row)]);
          await purgedAndRedistributedStep(this.deps, id, p, d.outcome, d.waiting);
          break;
        }
        case "PURGED": {
          // Only an incident recorded by an earlier version, which recorded the purge in a job of its own.
          const d = await this.distributeReplacements(row);
          await redistributedStep(this.deps, id, d.outcome, d.waiting);
          break;
        }
        case "REDISTRIBUTED":
          await verifyStep(this.deps, id);
          break;
        default:
          return row;
      }
    }
    throw new Error(`incident ${id} did not settle`);
  }

  /** Returns true when the incident moved on (approved or dismissed). */
  private async driveApproval(row: IncidentRow): Promise<boolean> {
    if (!row.approvalRequestId) {
      let requestId: string;
      try {
        const req = await this.requireApprovals().requestAsSystem(
          { kind: INCIDENT_RECOVERY_KIND, targetId: row.id, justification: `${reference(row.number)}: ${row.reason}` },
          RECOVERY_ACTOR,
        );
        requestId = req.id;
      } catch (err) {
        // Raised before a crash, not yet recorded on the incident: use that request.
        if (err instanceof DomainError && err.code === "APPROVAL_DUPLICATE" && typeof err.details.requestId === "string") requestId = err.details.requestId;
        else throw err;
      }
      await recordApprovalRequest(this.deps, row.id, row.step, requestId);
      return false;
    }
    const req = await this.db.approvalRequest.findUnique({ where: { id: row.approvalRequestId }, select: { status: true, votes: { select: { voter: true, decision: true } } } });
    const status = req?.status ?? "FAILED";
    if (status === "PENDING") return false;
    if (status === "EXECUTING" || status === "EXECUTED") {
      const by = req?.votes.filter((v) => v.decision === "APPROVE").map((v) => v.voter).join(", ") || "security officer";
      await approveStep(this.deps, row.id, by);
      return true;
    }
    await dismissStep(this.deps, row.id, row.step, `approval request ${status.toLowerCase()}`);
    return true;
  }

  private async revoke(row: IncidentRow): Promise<void> {
    // Keys applications already consumed cannot be revoked, but their applications are told (ETSI 014, §5.5).
    await notifyConsumedStep(this.deps, row.id);
    const keys = await loadIncidentKeys(poolOf(this.db), row.id);
    const todo = keys.filter((k) => !k.revoked).map((k) => k.keyId);
    // No key left to revoke still takes one (empty) job: it moves the incident on to REVOKED.
    for (const c of todo.length === 0 ? [[]] : chunks(todo, this.opts.revokeChunk)) await revokeStep(this.deps, row.id, c);
  }

  /**
   * Every holder of every revoked key is told to erase it; who confirmed (recorded by the step job). Through the
   * purge service when there is one, so a confirmation is recorded on the holder's row (purge_confirmed_at) and a
   * holder that does not answer keeps its obligation queued (re-sent at its agent's reconnect).
   */
  private async purgeHolders(row: IncidentRow): Promise<{ confirmations: Map<string, string[]>; unanswered: string[] }> {
    const keys = (await loadIncidentKeys(poolOf(this.db), row.id)).filter((k) => k.revoked);
    const keyIds = keys.map((k) => k.keyId);
    const confirmations = new Map<string, string[]>();
    const unanswered: string[] = [];
    if (this.keys.purger) {
      if (keyIds.length > 0) await this.keys.purger.sweep({ keyIds, ignoreBackoff: true });
      const parts = await this.db.keyParticipant.findMany({ where: { keyId: { in: keyIds } }, select: { keyId: true, nodeId: true, purgeConfirmedAt: true } });
      for (const p of parts) {
        if (p.purgeConfirmedAt) confirmations.set(p.keyId, [...(confirmations.get(p.keyId) ?? []), p.nodeId]);
        else unanswered.push(`${p.nodeId}/${p.keyId}`);
      }
      return { confirmations, unanswered };
    }
    const parts = await this.db.keyParticipant.findMany({ where: { keyId: { in: keyIds } }, select: { keyId: true, nodeId: true } });
    await mapBounded(parts, 256, async (p) => {
      const ok = await withTimeout(this.agents.agent(p.nodeId).purge(p.keyId), p.nodeId, this.opts.purgeTimeoutMs).then(() => true, () => false);
      if (ok) confirmations.set(p.keyId, [...(confirmations.get(p.keyId) ?? []), p.nodeId]);
      else unanswered.push(`${p.nodeId}/${p.keyId}`);
    });
    return { confirmations, unanswered };
  }

  /**
   * Replacements that cannot be distributed now, each with the participant in
   * the way: one the hub cannot reach (the compromised node itself, a node the
   * containment cut off), or one whose every path lacks pad bits (e.g. the
   * bypasses an isolation just set up start with empty pools). Checked against
   * the stored mesh with the pads these replacements would spend counted, so a
   * distribution attempt (and the key material it burns on failure) is only
   * made when it can succeed; they go out when the node is back or the pools
   * have filled (the worker looks again on simulation ticks).
   */
  private async blockedBy(keys: readonly ReplacementFacts[]): Promise<Map<string, string>> {
    const blocked = new Map<string, string>();
    if (keys.length === 0) return blocked;
    const mesh = await loadMesh(poolOf(this.db));
    const hub = hubOf(mesh);
    const spent = new Map<string, number>();
    const graph = new MeshGraph(mesh);
    const available = (linkId: string) => (mesh.links.get(linkId)?.poolBits ?? 0) - (spent.get(linkId) ?? 0);
    // One shortest-path tree from the hub serves most keys; a key whose tree path lacks pads (spent by the
    // keys before it) gets a route of its own, as distribution would find.
    const tree = hub ? graph.routesFrom(hub.id, Math.max(...keys.map((k) => k.sizeBits), 0), available) : new Map<string, { linkPath: string[] }>();
    for (const k of keys) {
      for (const nodeId of k.participants) {
        const onTree = tree.get(nodeId);
        const r = onTree && onTree.linkPath.every((l) => available(l) >= k.sizeBits)
          ? onTree
          : hub ? graph.route(hub.id, nodeId, k.sizeBits, available) : { none: "no-path" as const };
        if ("none" in r) {
          blocked.set(k.id, nodeId);
          break;
        }
        for (const l of r.linkPath) spent.set(l, (spent.get(l) ?? 0) + k.sizeBits);
      }
    }
    return blocked;
  }

  /**
   * Distributes the incident's replacements that can go out now (ACTIVE when
   * every holder confirmed); the ones that cannot wait, with the node in the
   * way. Safe to run again: a replacement already on its way or ACTIVE is
   * carried on or left alone (ensureActive), never sent twice.
   */
  private async distributeReplacements(row: IncidentRow): Promise<Distribution> {
    const all = (await loadIncidentKeys(poolOf(this.db), row.id)).filter((k) => k.replacementId && !k.distributed && !k.waitingForNode);
    // One read for all: a replacement still GENERATED at its first attempt goes straight to distribution;
    // anything else (a restart found it further along) takes the careful path.
    const facts = await replacementFacts(poolOf(this.db), all.map((k) => k.replacementId!));
    const outcome = new Map<string, { finalId: string; state: string }>();
    const waiting = new Map<string, string>();
    const who = { actor: actorOf(row) };
    const bulk = this.keys.distributor as Partial<BulkDistributor> | null;
    let careful = all.filter((k) => facts.get(k.replacementId!)?.state !== "GENERATED");
    const fresh = all.filter((k) => facts.get(k.replacementId!)?.state === "GENERATED");
    if (bulk?.distributeMany) {
      // Fresh replacements in a few big jobs: one routing job and one receipts job per chunk. One that
      // cannot be routed now (its node cut off, or no pads on its paths) is left GENERATED and waits.
      await mapBounded(chunks(fresh, this.opts.bulkChunk), 2, async (chunk) => {
        const byRep = new Map(chunk.map((k) => [k.replacementId!, k.keyId]));
        const r = await bulk.distributeMany!([...byRep.keys()], who, { leaveUnroutable: true });
        for (const [repId, o] of r) {
          if (o.blockedBy) waiting.set(byRep.get(repId)!, o.blockedBy);
          else if (o.state === "ACTIVE" || o.finalId !== repId) outcome.set(byRep.get(repId)!, o);
        }
      });
      careful = [...careful, ...fresh.filter((k) => !outcome.has(k.keyId) && !waiting.has(k.keyId))];
    } else {
      // One at a time: a participant the hub cannot reach now, or not with enough pad bits, waits.
      const cutOff = await this.blockedBy(fresh.map((k) => facts.get(k.replacementId!)!));
      for (const k of fresh) if (cutOff.has(k.replacementId!)) waiting.set(k.keyId, cutOff.get(k.replacementId!)!);
      careful = [...careful, ...fresh.filter((k) => !waiting.has(k.keyId))];
    }
    await mapBounded(careful, this.opts.concurrency, async (k) => {
      const f = facts.get(k.replacementId!);
      // GENERATED means never routed (routing moves it to DISTRIBUTED in the same transaction as the pads).
      if (f?.state === "GENERATED" && this.keys.distributor) {
        try {
          const r = await this.keys.distributor.distribute(f.id, who, f.version);
          outcome.set(k.keyId, { finalId: r.finalKey.id, state: r.finalKey.state });
          return;
        } catch (err) {
          if (!(err instanceof DomainError)) throw err; // moved on meanwhile: the careful path looks again
        }
      }
      outcome.set(k.keyId, await this.ensureActive(k.replacementId!, who.actor));
    });
    return { outcome, waiting };
  }

  /**
   * Brings a replacement (or the newest retry of it) to ACTIVE over the mesh,
   * from whatever state it is in: safe to call again after a crash (an ACTIVE
   * one is left alone, a GENERATED one is distributed once: routing refuses a
   * key that is no longer GENERATED).
   */
  async ensureActive(replacementId: string, actor: string): Promise<{ finalId: string; state: string }> {
    const who = { actor };
    const waited = new Set<string>();
    const first = await this.db.key.findUnique({ where: { id: replacementId }, select: { lineageId: true, generation: true } });
    if (!first) return { finalId: replacementId, state: "MISSING" };
    for (let i = 0; i < 20; i++) {
      const cur = await this.db.key.findFirst({
        where: { lineageId: first.lineageId, generation: first.generation },
        orderBy: { distributionAttempt: "desc" },
        select: { id: true, state: true, version: true, distributedAt: true },
      });
      if (!cur) return { finalId: replacementId, state: "MISSING" };
      const distributor = this.keys.distributor;
      if (!distributor || (cur.state !== "GENERATED" && cur.state !== "DISTRIBUTED")) return { finalId: cur.id, state: cur.state };
      try {
        if (cur.state === "GENERATED") {
          const r = await distributor.distribute(cur.id, who, cur.version);
          return { finalId: r.finalKey.id, state: r.finalKey.state };
        }
        // DISTRIBUTED: another run is collecting its receipts, or a crash cut it short. Give a run that
        // may still be collecting the rest of its window once (real time: a restart can come within
        // seconds), then collect: a second collect that finds the key ACTIVE leaves it alone.
        const age = cur.distributedAt ? this.opts.clock().getTime() - cur.distributedAt.getTime() : Infinity;
        if (age < COLLECTING_WINDOW_MS && !waited.has(cur.id)) {
          waited.add(cur.id);
          await sleep(Math.min(COLLECTING_WINDOW_MS, COLLECTING_WINDOW_MS - age));
          continue;
        }
        const r = await distributor.collect(cur.id, who, cur.version);
        return { finalId: r.finalKey.id, state: r.finalKey.state };
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        await sleep(50); // moved on meanwhile: look again
      }
    }
    return { finalId: replacementId, state: "STUCK" };
  }

  /**
   * Replacements waiting for a node (the compromised node itself, or one the
   * containment cut off) that the hub can reach again: distributed now.
   * Returns how many became ACTIVE.
   */
  async distributeWaiting(nodeId?: string): Promise<number> {
    const where = nodeId ? { waitingForNode: nodeId, distributed: false } : { waitingForNode: { not: null }, distributed: false };
    const rows = await this.db.incidentKey.findMany({ where, select: { incidentId: true, keyId: true, replacementId: true, waitingForNode: true, incident: { select: { number: true, status: true } } } });
    if (rows.length === 0) return 0;
    const candidates = rows.filter((r) => r.replacementId && r.incident.status !== "AWAITING_APPROVAL");
    const blocked = await this.blockedBy([...(await replacementFacts(poolOf(this.db), candidates.map((r) => r.replacementId!))).values()]);
    const ready = candidates.filter((r) => !blocked.has(r.replacementId!));
    if (ready.length === 0) return 0;
    const byIncident = new Map<string, Map<string, { finalId: string; state: string }>>();
    await mapBounded(ready, this.opts.concurrency, async (r) => {
      const o = await this.ensureActive(r.replacementId!, actorOf(r.incident));
      let m = byIncident.get(r.incidentId);
      if (!m) byIncident.set(r.incidentId, (m = new Map()));
      m.set(r.keyId, o);
    });
    let active = 0;
    for (const [incidentId, m] of byIncident) {
      await waitingDistributedJob(this.deps, incidentId, m);
      active += [...m.values()].filter((o) => o.state === "ACTIVE").length;
    }
    return active;
  }

  /** At start: every open incident carried on, and replacements waiting for restored nodes distributed. */
  async resumeOpen(): Promise<number> {
    const open = await this.db.incident.findMany({ where: { status: { in: OPEN_STATUSES } }, select: { id: true }, orderBy: { detectedAt: "asc" } });
    for (const { id } of open) await this.drive(id);
    await this.distributeWaiting();
    return open.length;
  }

  /**
   * Links whose QBER is over the abort threshold, not severed, with no open
   * incident: a crash between the tick that saw the crossing and the incident
   * must not lose the signal.
   */
  async sweepQber(abort: number): Promise<IncidentRow[]> {
    const { rows } = await poolOf(this.db).query<{ id: string; qber: number }>(
      `SELECT l.id, l.qber FROM links l WHERE l.qber > $1 AND l.status <> 'DOWN'
          AND NOT EXISTS (SELECT 1 FROM incidents i WHERE i.open_target = 'link:' || l.id)`,
      [abort],
    );
    const opened: IncidentRow[] = [];
    for (const l of rows) {
      const r = await this.qberAbort(l.id, `QBER ${(l.qber * 100).toFixed(1)}% found over the abort threshold at start`);
      if (r) opened.push(r);
    }
    return opened;
  }

  /** A link crossed the abort threshold: open (unless one is open) and recover. */
  async qberAbort(linkId: string, reason: string): Promise<IncidentRow | null> {
    try {
      return await this.signal({ signal: "QBER_ABORT", targetType: "link", targetId: linkId, reason }, { actor: "system:qber-monitor" });
    } catch (err) {
      if (err instanceof DomainError && (err.code === "INCIDENT_OPEN" || err.code === "MESH_ELEMENT_NOT_FOUND")) return null;
      throw err;
    }
  }

  /**
   * An agent's hello showed copies that do not match (mismatched) or that it no longer holds although it confirmed
   * them (lost: a wiped or lost store): one integrity incident on that node for only those keys, which revokes and
   * replaces them like any integrity mismatch (a lost copy may have left with the store).
   */
  async integrityLoss(nodeId: string, loss: { mismatched: string[]; lost: string[] }): Promise<IncidentRow | null> {
    const keyIds = [...new Set([...loss.mismatched, ...loss.lost])];
    if (keyIds.length === 0) return null;
    const parts = [
      loss.mismatched.length ? `${loss.mismatched.length} held cop${loss.mismatched.length === 1 ? "y does" : "ies do"} not match the recorded fingerprint` : "",
      loss.lost.length ? `${loss.lost.length} confirmed cop${loss.lost.length === 1 ? "y is" : "ies are"} missing from the agent's store (lost or wiped)` : "",
    ].filter(Boolean);
    return this.integrityMismatch(nodeId, keyIds, parts.join("; "));
  }

  /** A holder's copy does not match: an incident on that node for only those keys. */
  async integrityMismatch(nodeId: string, keyIds: string[], reason?: string): Promise<IncidentRow | null> {
    try {
      return await this.signal(
        { signal: "INTEGRITY_MISMATCH", targetType: "node", targetId: nodeId, reason: reason ?? `${keyIds.length} held cop${keyIds.length === 1 ? "y does" : "ies do"} not match the recorded fingerprint`, onlyKeys: keyIds },
        { actor: "system:integrity-monitor" },
      );
    } catch (err) {
      if (err instanceof DomainError && err.code === "INCIDENT_OPEN") return null; // the open one is being handled; the next scan looks again
      throw err;
    }
  }

}
