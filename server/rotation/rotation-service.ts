/**
 * The rotation procedure: ACTIVE → ROTATING (the engine generates the
 * replacement), the replacement distributed over the mesh (retried per policy),
 * the old key kept usable until the replacement is ACTIVE and the overlap has
 * passed, then RETIRED; RETIRED keys DESTROYED when retention ends. Each step is
 * one runner job (state change and audit entry in one transaction); the waits
 * between steps are durable jobs (server/jobs) with the sweep as safety net.
 * A replacement that cannot be distributed has the engine cancel the rotation
 * (old key ACTIVE again, usable); this service records why and when it will try
 * again (KEY_ROTATION_RETRY_SCHEDULED), backing off so no key is retried in a loop.
 */
import { poolOf, type Db } from "../db/client";
import { DomainError } from "../domain/errors/domain-error";
import { liveSuccessor, transition } from "../keys/key-effects";
import { policyIn } from "../keys/key-policies";
import type { Actor, KeyService } from "../keys/key-service";
import { toKeyView, type KeyView } from "../keys/key-views";
import type { JobQueue } from "../jobs/job-queue";
import type { AgentDirectory } from "../agents/node-agent";

export const ROTATION_ACTOR: Actor = { actor: "system:rotation" };

export const ROTATION_QUEUES = {
  drive: "rotation-drive",
  complete: "rotation-complete",
  destroy: "key-destroy",
  retry: "rotation-retry",
  sweep: "rotation-sweep",
  trigger: "rotation-trigger",
} as const;

export const RETRY_SCHEDULED_ACTION = "KEY_ROTATION_RETRY_SCHEDULED";

export interface RotationOptions {
  clock?: () => Date;
  /** Wait before rotating again after the n-th failed rotation (n = 1, 2, ...). */
  retryBackoffMs?: (failures: number) => number;
  agents?: AgentDirectory | null;
  log?: { error(obj: object, msg: string): void };
}

export type DriveOutcome =
  | { outcome: "active"; successorId: string; overlapEndsAt: Date; completed: boolean }
  | { outcome: "cancelled"; reason: string; retryAt: Date }
  | { outcome: "not-rotating" | "busy" };

/** A refusal that means someone else moved the key first: skip it, do not fail the job. */
export function isRaceRefusal(err: unknown): boolean {
  return err instanceof DomainError && ["TRANSITION_REFUSED", "GUARD_FAILED", "CONCURRENT_UPDATE", "KEY_NOT_FOUND"].includes(err.code);
}

const defaultBackoff = (n: number) => Math.min(3_600_000, 60_000 * 2 ** (n - 1));

export class RotationService {
  private readonly clock: () => Date;
  private readonly backoff: (failures: number) => number;

  constructor(
    readonly keys: KeyService,
    readonly db: Db,
    readonly queue: JobQueue | null,
    private readonly opts: RotationOptions = {},
  ) {
    this.clock = opts.clock ?? keys.clock;
    this.backoff = opts.retryBackoffMs ?? defaultBackoff;
  }

  now(): Date {
    return this.clock();
  }

  /** ACTIVE → ROTATING with a GENERATED replacement, in one transaction. */
  async begin(keyId: string, reason: string, who: Actor, expectedVersion?: number): Promise<{ key: KeyView; successorId: string }> {
    return this.keys.runner.submit({
      keyIds: [keyId],
      run: (ws) => {
        const k = ws.key(keyId);
        if (expectedVersion !== undefined && expectedVersion !== k.version) {
          throw new DomainError("CONCURRENT_UPDATE", `Key ${k.label} changed since you loaded it (version ${expectedVersion}, now ${k.version}, ${k.state}). Reload and try again.`);
        }
        transition(this.keys.effectContext(ws, who), k, { type: "BEGIN_ROTATION", reason });
        const s = ws.jobInsertedKeys().find((x) => x.predecessorId === keyId)!;
        return { key: toKeyView(ws.key(keyId)), successorId: s.id };
      },
    });
  }

  /** Operator or trigger: begins the rotation and hands the rest to a durable job (or to this process). */
  async request(keyId: string, reason: string, who: Actor, expectedVersion?: number): Promise<KeyView> {
    const r = await this.begin(keyId, reason, who, expectedVersion);
    await this.enqueueDrive(keyId, r.successorId);
    return r.key;
  }

  /** Begins and drives the whole rotation in this call (sweeps without a queue, tests). */
  async rotate(keyId: string, reason: string, who: Actor = ROTATION_ACTOR): Promise<DriveOutcome> {
    await this.begin(keyId, reason, who);
    return this.drive(keyId, who);
  }

  async enqueueDrive(keyId: string, successorId: string): Promise<void> {
    if (this.queue?.running) {
      await this.queue.send(ROTATION_QUEUES.drive, { keyId }, { dedupeKey: successorId });
      return;
    }
    void this.drive(keyId).catch((err: unknown) => this.opts.log?.error({ keyId, error: (err as Error).name }, "driving a rotation failed"));
  }

  /** Distributes the replacement of a ROTATING key, then schedules completion, or records the cancellation. */
  async drive(keyId: string, who: Actor = ROTATION_ACTOR): Promise<DriveOutcome> {
    const state = await this.family(keyId);
    if (!state) return { outcome: "not-rotating" };
    const distributor = this.keys.distributor;
    if (!distributor) throw new Error("the key service has no distributor (wiring)");
    if (state.successor) {
      try {
        if (state.successor.state === "GENERATED") await distributor.distribute(state.successor.id, who);
        else if (state.successor.state === "DISTRIBUTED") await distributor.collect(state.successor.id, who);
      } catch (err) {
        if (isRaceRefusal(err)) return { outcome: "busy" };
        throw err;
      }
    } else {
      // Nothing left to distribute (e.g. a crash between abandonment steps): never leave the old key in limbo.
      await this.keys.apply(keyId, { type: "CANCEL_ROTATION", reason: "no replacement left to distribute" }, who).catch((e: unknown) => {
        if (!isRaceRefusal(e)) throw e;
      });
    }
    return this.settle(keyId, who);
  }

  /** After distribution: schedule (or do) completion, or back off after a cancelled rotation. */
  private async settle(keyId: string, who: Actor): Promise<DriveOutcome> {
    const after = await this.family(keyId, true);
    if (after?.key.state === "ROTATING" && after.successor?.state === "ACTIVE" && after.successor.activatedAt) {
      const overlapEndsAt = new Date(after.successor.activatedAt.getTime() + after.overlapSeconds * 1000);
      const completed = overlapEndsAt <= this.clock() ? await this.complete(keyId, who) : false;
      if (!completed) await this.queue?.send(ROTATION_QUEUES.complete, { keyId }, { startAfter: overlapEndsAt, dedupeKey: `complete:${keyId}` });
      return { outcome: "active", successorId: after.successor.id, overlapEndsAt, completed };
    }
    if (after?.key.state === "ACTIVE") return this.scheduleRetry(keyId, who);
    return { outcome: "busy" };
  }

  /** Records why the rotation was cancelled and when it is tried again; queues that retry. */
  async scheduleRetry(keyId: string, who: Actor): Promise<DriveOutcome> {
    const pool = poolOf(this.db);
    const { rows: failedRows } = await pool.query<{ reason: string | null }>(
      `SELECT a.details->>'reason' AS reason FROM audit_entries a
        WHERE a.action = 'KEY_DISTRIBUTION_ABANDONED' AND a.subject_type = 'key'
          AND a.subject_id IN (SELECT id::text FROM keys WHERE predecessor_id = $1::uuid)
        ORDER BY a.seq DESC LIMIT 1`,
      [keyId],
    );
    const { rows: countRows } = await pool.query<{ n: string }>(
      "SELECT count(*) AS n FROM audit_entries WHERE subject_type = 'key' AND subject_id = $1 AND action = $2",
      [keyId, RETRY_SCHEDULED_ACTION],
    );
    const failures = Number(countRows[0]?.n ?? 0) + 1;
    const reason = failedRows[0]?.reason ?? "the replacement could not be distributed";
    const retryAt = new Date(this.clock().getTime() + this.backoff(failures));
    const wrote = await this.keys.runner.submit({
      keyIds: [keyId],
      run: (ws) => {
        const k = ws.key(keyId);
        if (k.state !== "ACTIVE") return false;
        ws.audit({
          actor: who.actor, action: RETRY_SCHEDULED_ACTION, subjectType: "key", subjectId: keyId, fromState: k.state, toState: k.state,
          details: { reason: `rotation cancelled: ${reason}`, retryAt: retryAt.toISOString(), failures },
        });
        ws.publish({ topic: "keys", type: "rotation-retry-scheduled", data: { keyId, retryAt: retryAt.toISOString() } });
        return true;
      },
    });
    if (wrote) await this.queue?.send(ROTATION_QUEUES.retry, { keyId }, { startAfter: retryAt, dedupeKey: `retry:${keyId}:${failures}` });
    return { outcome: "cancelled", reason, retryAt };
  }

  /** A retry that came due: rotates again if the key is still ACTIVE and out of its backoff. */
  async retry(keyId: string, who: Actor = ROTATION_ACTOR): Promise<DriveOutcome> {
    const { rows } = await poolOf(this.db).query<{ state: string; reason: string | null }>(
      `SELECT k.state::text AS state,
              (SELECT a.details->>'reason' FROM audit_entries a WHERE a.subject_type = 'key' AND a.subject_id = k.id::text
                 AND a.action = 'KEY_ROTATION_STARTED' ORDER BY a.seq DESC LIMIT 1) AS reason
         FROM keys k WHERE k.id = $1::uuid`,
      [keyId],
    );
    if (rows[0]?.state !== "ACTIVE") return { outcome: "not-rotating" };
    const first = (rows[0].reason ?? "rotation").replace(/^retry after a failed rotation: /, "");
    try {
      return await this.rotate(keyId, `retry after a failed rotation: ${first}`, who);
    } catch (err) {
      if (isRaceRefusal(err)) return { outcome: "busy" };
      throw err;
    }
  }

  /** ROTATING → RETIRED once the replacement is ACTIVE and the overlap passed; schedules destruction. */
  async complete(keyId: string, who: Actor = ROTATION_ACTOR): Promise<boolean> {
    let retired: { retiredAt: Date; retentionDays: number } | null = null;
    try {
      const v = await this.keys.apply(keyId, { type: "COMPLETE_ROTATION" }, who);
      retired = { retiredAt: v.retiredAt ?? this.clock(), retentionDays: v.retentionDays };
    } catch (err) {
      if (isRaceRefusal(err)) return false;
      throw err;
    }
    const destroyAt = new Date(retired.retiredAt.getTime() + retired.retentionDays * 86_400_000);
    await this.queue?.send(ROTATION_QUEUES.destroy, { keyId }, { startAfter: destroyAt, dedupeKey: `destroy:${keyId}` });
    return true;
  }

  /** RETIRED → DESTROYED when retention ended: material zeroised, holders purge, record and audit kept. */
  async destroy(keyId: string, who: Actor = ROTATION_ACTOR): Promise<boolean> {
    try {
      const v = await this.keys.apply(keyId, { type: "DESTROY" }, who);
      const agents = this.opts.agents;
      if (agents) await Promise.all(v.participants.map((p) => agents.agent(p.nodeId).purge(keyId).catch(() => false)));
      return true;
    } catch (err) {
      if (isRaceRefusal(err)) return false;
      throw err;
    }
  }

  /** The key and its live replacement as committed now (read through a runner job: one consistent view). */
  private async family(keyId: string, any = false) {
    return this.keys.runner.submit({
      keyIds: [keyId],
      run: (ws) => {
        if (!ws.hasKey(keyId)) return null;
        const k = ws.key(keyId);
        if (!any && k.state !== "ROTATING") return null;
        const s = k.state === "ROTATING" ? liveSuccessor(ws, k) : null;
        return {
          key: { id: k.id, state: k.state },
          successor: s ? { id: s.id, state: s.state, activatedAt: s.activatedAt } : null,
          overlapSeconds: policyIn(ws, k.policy).overlapSeconds,
        };
      },
    });
  }
}
