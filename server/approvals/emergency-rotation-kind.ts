/**
 * EMERGENCY_ROTATION, the seed's compromise-based rotation (issue 12, finding
 * 9): immediate, no overlap. On the approving vote, in its transaction, the
 * suspect key is REVOKED (material zeroised, every holder told to purge) and
 * its replacement generated; the executor then, at once and in parallel, has
 * every holder purge (recorded on their answers, server/purging) and
 * distributes the replacement over routes that avoid the nodes and links named
 * in the request (AvoidParts, kept in the request's impact). EXECUTED when the
 * replacement is ACTIVE; the outcome says when the old key was purged
 * everywhere (or which holders the purge sweep still retries).
 *
 * Routine rotation (keys.rotate: overlap, all receipts, then RETIRED) is a
 * different procedure (server/rotation) and stays as it is.
 */
import type { JsonValue } from "../domain/audit/types";
import { DomainError } from "../domain/errors/domain-error";
import { liveSuccessor, snapshotOf, transition } from "../keys/key-effects";
import type { KeyService } from "../keys/key-service";
import { decide } from "../domain/lifecycle/key-lifecycle";
import { driveReplacement, type ApprovalKindSpec } from "./approval-kinds";
import { computeKeyImpact } from "./key-impact";

export interface AvoidParts {
  nodeIds: string[];
  linkIds: string[];
}

/**
 * How long the executor itself keeps asking silent holders before the request ends. Purge obligations are durable
 * (key_participants rows, re-sent at the holder's reconnect and by the periodic sweep: server/purging), so a holder
 * that does not answer is listed in the outcome's purgePendingAt, never waited for: an isolated or faulted node must
 * not hold an emergency rotation in EXECUTING (issue 13's regression: 20 sweeps of 0.5 s receipt timeouts each).
 */
const PURGE_ROUNDS = 3;
const PURGE_ROUND_PAUSE_MS = 200;

/** The parts to avoid, as the request recorded them in its impact (empty when none were named). */
export function avoidOf(impact: unknown): AvoidParts {
  const a = (impact as { avoid?: Partial<AvoidParts> } | null)?.avoid;
  return { nodeIds: [...(a?.nodeIds ?? [])], linkIds: [...(a?.linkIds ?? [])] };
}

/** Asks every holder of `keyId` to purge, a few rounds at most; whoever has not answered is left to the background sweep. */
async function purgeEverywhere(keys: KeyService, keyId: string): Promise<{ pending: string[] }> {
  for (let round = 0; ; round++) {
    await keys.purger?.sweep({ keyIds: [keyId], ignoreBackoff: true });
    const pending = await keys.db.keyParticipant.findMany({ where: { keyId, purgeConfirmedAt: null, purgeRequestedAt: { not: null } }, select: { nodeId: true } });
    if (pending.length === 0 || round + 1 >= PURGE_ROUNDS) return { pending: pending.map((p) => p.nodeId) };
    await new Promise((r) => setTimeout(r, PURGE_ROUND_PAUSE_MS));
  }
}

export const EMERGENCY_ROTATION_KIND: ApprovalKindSpec = {
  kind: "EMERGENCY_ROTATION",
  label: "Emergency rotation",
  requestLabel: "Request emergency rotation",
  targetType: "key",
  description:
    "Compromise-based rotation, immediate: the key is revoked and purged at every holder at once, and its replacement is distributed over paths that avoid the nodes and links named in the request. No overlap.",
  computeImpact: (db, id) => computeKeyImpact(db, id, "EMERGENCY_ROTATION"),
  keyIds: (id) => [id],
  check({ ws }, id, justification) {
    const k = ws.key(id);
    if (k.state !== "ACTIVE" && k.state !== "ROTATING") {
      throw new DomainError("TRANSITION_REFUSED", `Key ${k.label} is ${k.state}: only an ACTIVE or ROTATING key is rotated in an emergency (revoke it instead).`);
    }
    decide(snapshotOf(ws, k), { type: "REVOKE", reason: justification }, ws.now); // the engine's own refusal, unchanged
  },
  execute(x, req) {
    this.check(x, req.targetId, req.justification);
    const k = x.ws.key(req.targetId);
    transition(x.effects, k, { type: "REVOKE", reason: `emergency rotation, approved request ${req.id}: ${req.justification}` });
    const replacement = liveSuccessor(x.ws, k);
    // Always EXECUTING: the executor purges at the holders even when no replacement was needed.
    return { status: "EXECUTING", outcome: { keyState: k.state, keyVersion: k.version, replacementId: replacement?.id ?? null } };
  },
  async resume(deps, req): Promise<{ status: "EXECUTED" | "FAILED"; outcome: Record<string, JsonValue> }> {
    const r = await deps.keys.db.approvalRequest.findUniqueOrThrow({ where: { id: req.id }, select: { impact: true } });
    const avoid = avoidOf(r.impact);
    const hasReplacement = typeof req.outcome?.replacementId === "string";
    const [purged, replaced] = await Promise.all([
      purgeEverywhere(deps.keys, req.targetId),
      hasReplacement ? driveReplacement(deps, req.outcome, avoid) : Promise.resolve({ status: "EXECUTED" as const, outcome: { ...req.outcome } }),
    ]);
    return {
      status: replaced.status,
      outcome: { ...replaced.outcome, avoided: { nodeIds: avoid.nodeIds, linkIds: avoid.linkIds }, purgePendingAt: purged.pending, purgedEverywhere: purged.pending.length === 0 },
    };
  },
};
