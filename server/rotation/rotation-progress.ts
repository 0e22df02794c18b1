/**
 * A key's rotation as the console shows it (keys.rotation): for a ROTATING key
 * the replacement and each participant's receipt of it and when the overlap
 * ends; for an ACTIVE key when the next scheduled rotation is due and its usage
 * against the limit; a cancelled rotation's reason and when it is retried; for
 * a RETIRED key when it is destroyed. Ids, states and times only, no material.
 */
import type { Db } from "../db/client";
import { DomainError } from "../domain/errors/domain-error";
import { loadPolicies, policyOf } from "../keys/key-policies";
import type { KeyState } from "../domain/lifecycle/key-states";
import { RETRY_SCHEDULED_ACTION } from "./rotation-service";

export interface RotationProgressView {
  keyId: string;
  state: KeyState;
  policy: { name: string; cryptoperiodSeconds: number; maxUsage: number | null; overlapSeconds: number; retentionDays: number };
  usage: { count: string; max: number | null };
  /** ACTIVE keys: activatedAt + cryptoperiod. */
  nextScheduledRotationAt: Date | null;
  rotation: {
    startedAt: Date | null;
    reason: string | null;
    successor: { id: string; label: string; state: KeyState; attempt: number } | null;
    receipts: Array<{ nodeId: string; nodeName: string; confirmedAt: Date | null }>;
    /** Set once the replacement is ACTIVE. */
    overlapEndsAt: Date | null;
  } | null;
  /** The latest cancelled rotation while the key is ACTIVE again. */
  lastFailure: { at: Date; reason: string; retryAt: Date | null } | null;
  /** RETIRED keys: when retention ends. */
  destroyAt: Date | null;
}

const LIVE: readonly string[] = ["GENERATED", "DISTRIBUTED", "ACTIVE"];

export async function rotationProgress(db: Db, keyId: string): Promise<RotationProgressView> {
  const k = await db.key.findUnique({
    where: { id: keyId },
    select: { id: true, state: true, policy: true, usageCount: true, activatedAt: true, rotatingAt: true, retiredAt: true, retentionDays: true },
  });
  if (!k) throw new DomainError("KEY_NOT_FOUND", `Key ${keyId} does not exist`, { keyId });
  const policy = (await loadPolicies(db)).find((p) => p.name === k.policy) ?? policyOf(k.policy);
  const state = k.state as KeyState;

  let rotation: RotationProgressView["rotation"] = null;
  if (state === "ROTATING") {
    const successors = await db.key.findMany({
      where: { predecessorId: keyId },
      orderBy: [{ generation: "asc" }, { distributionAttempt: "asc" }],
      select: { id: true, label: true, state: true, distributionAttempt: true, activatedAt: true, participants: { select: { nodeId: true, confirmedAt: true }, orderBy: { nodeId: "asc" } } },
    });
    const s = successors.filter((x) => LIVE.includes(x.state)).at(-1) ?? null;
    const nodes = new Map((await db.node.findMany({ where: { id: { in: s?.participants.map((p) => p.nodeId) ?? [] } }, select: { id: true, name: true } })).map((n) => [n.id, n.name]));
    const started = await db.auditEntry.findFirst({ where: { subjectType: "key", subjectId: keyId, action: "KEY_ROTATION_STARTED" }, orderBy: { seq: "desc" }, select: { details: true } });
    rotation = {
      startedAt: k.rotatingAt,
      reason: ((started?.details ?? {}) as { reason?: string }).reason ?? null,
      successor: s ? { id: s.id, label: s.label, state: s.state as KeyState, attempt: s.distributionAttempt } : null,
      receipts: (s?.participants ?? []).map((p) => ({ nodeId: p.nodeId, nodeName: nodes.get(p.nodeId) ?? p.nodeId, confirmedAt: p.confirmedAt })),
      overlapEndsAt: s?.state === "ACTIVE" && s.activatedAt ? new Date(s.activatedAt.getTime() + policy.overlapSeconds * 1000) : null,
    };
  }

  let lastFailure: RotationProgressView["lastFailure"] = null;
  if (state === "ACTIVE") {
    const e = await db.auditEntry.findFirst({ where: { subjectType: "key", subjectId: keyId, action: RETRY_SCHEDULED_ACTION }, orderBy: { seq: "desc" }, select: { at: true, details: true } });
    if (e) {
      const d = e.details as { reason?: string; retryAt?: string };
      lastFailure = { at: e.at, reason: d.reason ?? "rotation cancelled", retryAt: d.retryAt ? new Date(d.retryAt) : null };
    }
  }

  return {
    keyId,
    state,
    policy: { name: policy.name, cryptoperiodSeconds: policy.cryptoperiodSeconds, maxUsage: policy.maxUsage, overlapSeconds: policy.overlapSeconds, retentionDays: policy.retentionDays },
    usage: { count: k.usageCount.toString(), max: policy.maxUsage },
    nextScheduledRotationAt: state === "ACTIVE" && k.activatedAt ? new Date(k.activatedAt.getTime() + policy.cryptoperiodSeconds * 1000) : null,
    rotation,
    lastFailure,
    destroyAt: state === "RETIRED" && k.retiredAt ? new Date(k.retiredAt.getTime() + k.retentionDays * 86_400_000) : null,
  };
}
