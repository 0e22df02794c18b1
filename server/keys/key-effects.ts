/**
 * Carries out a lifecycle decision inside a batch workspace: sets the new state
 * and its timestamp, runs the effects the engine asked for, and records the
 * audit entry. The only place where decisions turn into changes.
 */
import { randomUUID } from "node:crypto";
import type { JsonValue } from "../domain/audit/types";
import { decide, type Decision, type KeySnapshot, type SaeDeliveryFact } from "../domain/lifecycle/key-lifecycle";
import type { KeyEvent } from "../domain/lifecycle/key-events";
import { KEY_GENERATED_ACTION } from "../domain/lifecycle/key-events";
import { policyIn } from "./key-policies";
import type { KeyRecord } from "./key-record";
import type { KeyVault } from "./key-vault";
import type { KeyWorkspace } from "./key-workspace";

export interface EffectContext {
  ws: KeyWorkspace;
  vault: KeyVault;
  actor: string;
}

const LIVE = new Set(["GENERATED", "DISTRIBUTED", "ACTIVE"]);

/** The successor a rotation waits for: the newest replacement not given up on. */
export function liveSuccessor(ws: KeyWorkspace, k: KeyRecord): KeyRecord | null {
  const live = ws.successorsOf(k.id).filter((s) => LIVE.has(s.state));
  return live[live.length - 1] ?? null;
}

export function snapshotOf(ws: KeyWorkspace, k: KeyRecord): KeySnapshot {
  const policy = policyIn(ws, k.policy);
  const s = k.state === "ROTATING" ? liveSuccessor(ws, k) : null;
  return {
    state: k.state,
    participants: k.participants.map((p) => ({ nodeId: p.nodeId, confirmed: p.confirmedAt !== null })),
    retiredAt: k.retiredAt,
    retentionDays: k.retentionDays,
    overlapSeconds: policy.overlapSeconds,
    successor: s ? { state: s.state, activatedAt: s.activatedAt } : null,
    predecessorRotating: k.predecessorId !== null && ws.hasKey(k.predecessorId) && ws.key(k.predecessorId).state === "ROTATING",
    sizeBits: k.sizeBits,
  };
}

/** What a transition is given beyond the key: the receipt being recorded, whether a failure retries, the key's application deliveries. */
export interface TransitionExtra {
  receiptMac?: string;
  retry?: boolean;
  /** The key's deliveries to applications as the claim job sees them (server/kme): the ETSI 014 events' guards read them. */
  saeDeliveries?: readonly SaeDeliveryFact[];
  /** Facts the caller adds to this transition's own audit entry (e.g. the KME and request of a delivery). */
  auditDetails?: Record<string, JsonValue>;
}

/** Decides and applies an event; throws the engine's refusal unchanged. */
export function transition(ctx: EffectContext, k: KeyRecord, event: KeyEvent, extra: TransitionExtra = {}): Decision {
  const snapshot = snapshotOf(ctx.ws, k);
  const d = decide(extra.saeDeliveries ? { ...snapshot, saeDeliveries: extra.saeDeliveries } : snapshot, event, ctx.ws.now);
  apply(ctx, k, d, extra);
  return d;
}

function apply(ctx: EffectContext, k: KeyRecord, d: Decision, extra: TransitionExtra): void {
  const { ws } = ctx;
  k.state = d.to;
  if (d.stamp) k[d.stamp] = ws.now;
  ws.touch(k);
  const details: Record<string, JsonValue> = { ...d.details, ...extra.auditDetails, version: k.version, fingerprint: k.fingerprint };
  // The transition's entry comes before the entries its effects write (a
  // successor's generation); effects still add to its details until the flush.
  ws.audit({ actor: ctx.actor, action: d.action, subjectType: "key", subjectId: k.id, fromState: d.from, toState: d.to, details });
  let followUp: (() => void) | null = null;
  for (const e of d.effects) {
    switch (e.type) {
      case "ZEROISE_MATERIAL":
        ws.markZeroised(k);
        details.materialZeroised = true;
        break;
      case "PURGE_HOLDERS":
        // Requested here, in the transition's transaction; recorded as done only when the holder confirms
        // (server/purging: the purge sweep tells every holder, retries the silent ones, also after a restart).
        for (const p of k.participants) if (!p.purgeConfirmedAt) p.purgeRequestedAt ??= ws.now;
        ws.purgeRequested.add(k.id);
        details.purgeInstructed = k.participants.map((p) => p.nodeId);
        break;
      case "MARK_RECEIPT": {
        const p = k.participants.find((x) => x.nodeId === e.nodeId)!;
        p.confirmedAt = ws.now;
        p.receiptMac = extra.receiptMac ?? null;
        break;
      }
      case "ACTIVATE_WHEN_ALL_CONFIRMED":
        followUp = () => transition(ctx, k, { type: "ACTIVATE" });
        break;
      case "CONSUME_WHEN_ALL_FETCHED": {
        // The fetch just recorded was the last one: the key is consumed in the same transaction.
        const fetched = d.details.saeId;
        const after = (extra.saeDeliveries ?? []).map((x) => (x.role === "slave" && x.saeId === fetched ? { ...x, delivered: true } : x));
        const kmes = extra.auditDetails?.kmes;
        followUp = chain(followUp, () => transition(ctx, k, { type: "CONSUME" }, { saeDeliveries: after, auditDetails: kmes === undefined ? {} : { kmes } }));
        break;
      }
      case "INCREMENT_USAGE":
        k.usageCount += BigInt(e.count);
        k.lastUsedAt = ws.now;
        details.usageCount = k.usageCount.toString();
        followUp = chain(followUp, () => beginRotationAtUsageLimit(ctx, k));
        break;
      case "GENERATE_SUCCESSOR":
      case "EMERGENCY_ROTATION_REQUIRED": {
        const s = createKey(ctx, {
          label: k.label, purpose: k.purpose, policy: k.policy, nodeIds: k.participants.map((p) => p.nodeId),
          lineageId: k.lineageId, generation: k.generation + 1, predecessorId: k.id, attempt: 1,
          reason: e.type === "GENERATE_SUCCESSOR" ? `rotation: ${e.reason}` : `emergency rotation: ${e.reason}`,
        });
        details.successorId = s.id;
        break;
      }
      case "RETRY_WITH_NEW_MATERIAL": {
        if (extra.retry === false) break;
        followUp = () => retryDistribution(ctx, k, e.reason);
        break;
      }
      case "ABANDON_SUCCESSOR":
        for (const s of ws.successorsOf(k.id)) {
          if (s.state === "GENERATED" || s.state === "DISTRIBUTED") {
            followUp = chain(followUp, () => transition(ctx, s, { type: "FAIL_DISTRIBUTION", reason: e.reason }, { retry: false }));
          }
        }
        break;
    }
  }
  if (d.event === "REVOKE" || d.event === "FAIL_DISTRIBUTION") {
    const reason = (d.details.reason as string | undefined) ?? null;
    if (d.event === "REVOKE") k.revocationReason = reason;
    else k.failureReason = reason;
  }
  followUp?.();
}

const chain = (a: (() => void) | null, b: () => void) => (a ? () => { a(); b(); } : b);

/**
 * Triggered rotation (issue 4): the usage counter reached the policy's limit, so
 * the rotation begins in the same transaction as the usage that reached it. Not
 * while the key's own rotation into ACTIVE is still overlapping (the engine
 * would refuse and the usage must still be recorded); the sweep catches it later.
 */
function beginRotationAtUsageLimit(ctx: EffectContext, k: KeyRecord): void {
  const max = policyIn(ctx.ws, k.policy).maxUsage;
  if (k.state !== "ACTIVE" || max === null || k.usageCount < BigInt(max) || snapshotOf(ctx.ws, k).predecessorRotating) return;
  transition(ctx, k, { type: "BEGIN_ROTATION", reason: `usage limit reached (${k.usageCount} of ${max} uses)` });
}

function retryDistribution(ctx: EffectContext, failed: KeyRecord, reason: string): void {
  const policy = policyIn(ctx.ws, failed.policy);
  const base = { lineageId: failed.lineageId, generation: failed.generation, predecessorId: failed.predecessorId };
  if (failed.distributionAttempt < policy.maxDistributionAttempts) {
    createKey(ctx, {
      label: failed.label, purpose: failed.purpose, policy: failed.policy, nodeIds: failed.participants.map((p) => p.nodeId),
      ...base, attempt: failed.distributionAttempt + 1,
      reason: `distribution retry ${failed.distributionAttempt + 1}/${policy.maxDistributionAttempts} after: ${reason}`,
      retryOf: failed.id,
    });
    return;
  }
  ctx.ws.audit({
    actor: ctx.actor, action: "KEY_DISTRIBUTION_ABANDONED", subjectType: "key", subjectId: failed.id, fromState: null, toState: null,
    details: { reason: `${policy.maxDistributionAttempts} distribution attempts failed; last: ${reason}`, attempts: failed.distributionAttempt },
  });
  // A rotation whose replacement cannot be distributed keeps the old key usable.
  const pred = failed.predecessorId ? ctx.ws.key(failed.predecessorId) : null;
  if (pred?.state === "ROTATING" && !liveSuccessor(ctx.ws, pred)) {
    transition(ctx, pred, { type: "CANCEL_ROTATION", reason: "replacement could not be distributed" });
  }
}

export interface NewKeySpec {
  label: string;
  purpose: string;
  policy: string;
  nodeIds: string[];
  lineageId?: string;
  generation?: number;
  predecessorId?: string | null;
  attempt?: number;
  reason: string;
  retryOf?: string;
}

/** Generates material for a new key and inserts it GENERATED, audited. */
export function createKey(ctx: EffectContext, spec: NewKeySpec): KeyRecord {
  const { ws, vault } = ctx;
  const id = randomUUID();
  const policy = policyIn(ws, spec.policy);
  const sealed = vault.generate(id, policy.sizeBits);
  const k: KeyRecord = {
    id, lineageId: spec.lineageId ?? id, generation: spec.generation ?? 1, distributionAttempt: spec.attempt ?? 1,
    predecessorId: spec.predecessorId ?? null, label: spec.label, purpose: spec.purpose, policy: policy.name,
    state: "GENERATED", version: 0, sizeBits: policy.sizeBits, fingerprint: sealed.fingerprint, entropySource: sealed.entropySource,
    materialCiphertext: sealed.ciphertext, materialNonce: sealed.nonce, materialKeyId: sealed.masterKeyId,
    usageCount: 0n, lastUsedAt: null, failureReason: null, revocationReason: null, retentionDays: policy.retentionDays,
    generatedAt: ws.now, distributedAt: null, activatedAt: null, rotatingAt: null, retiredAt: null, revokedAt: null,
    destroyedAt: null, updatedAt: ws.now,
    participants: spec.nodeIds.map((nodeId) => ({ nodeId, confirmedAt: null, receiptMac: null, purgeConfirmedAt: null, purgeRequestedAt: null })),
  };
  ws.insertKey(k);
  ws.audit({
    actor: ctx.actor, action: KEY_GENERATED_ACTION, subjectType: "key", subjectId: id, fromState: null, toState: "GENERATED",
    details: {
      label: k.label, purpose: k.purpose, policy: k.policy, generation: k.generation, attempt: k.distributionAttempt,
      sizeBits: k.sizeBits, fingerprint: k.fingerprint, entropySource: k.entropySource, participants: spec.nodeIds,
      predecessorId: k.predecessorId, reason: spec.reason, ...(spec.retryOf ? { retryOf: spec.retryOf } : {}),
    },
  });
  return k;
}

export type { Decision };
