/**
 * The registry of actions that need approval. Each kind names its policy rule
 * (a row of approval_rules with the same name), computes its impact for the
 * officers, checks that it could run now, executes in the job that records the
 * last approval, and — when it spans the mesh — is driven to completion by
 * `resume`, which must be idempotent: after a restart it is called again for
 * every request still EXECUTING.
 *
 * Plug-in point for other features (e.g. the recovery engine holding a step
 * for approval): call registerApprovalKind() at start-up with a kind whose
 * `execute` resumes the held step, add its approval_rules row in a migration,
 * and raise requests with ApprovalService.requestAsSystem().
 */
import type { Role } from "../domain/access/roles";
import type { JsonValue } from "../domain/audit/types";
import type { Db } from "../db/client";
import { DomainError } from "../domain/errors/domain-error";
import { liveSuccessor, snapshotOf, transition, type EffectContext } from "../keys/key-effects";
import type { KeyService } from "../keys/key-service";
import type { KeyWorkspace } from "../keys/key-workspace";
import { decide } from "../domain/lifecycle/key-lifecycle";
import type { KeyEvent } from "../domain/lifecycle/key-events";
import { computeKeyImpact, type KeyActionKind } from "./key-impact";
import type { Impact } from "../domain/approvals/approval-impact";

export interface KindJobContext {
  ws: KeyWorkspace;
  /** Effects of key transitions, recorded as the acting person. */
  effects: EffectContext;
}

export interface ExecutionResult {
  status: "EXECUTED" | "EXECUTING";
  outcome: Record<string, JsonValue>;
}

export interface ApprovalKindSpec {
  kind: string;
  label: string;
  /** Verb phrase for buttons and messages: "Request emergency rotation". */
  requestLabel: string;
  targetType: "key" | "node" | "incident" | "user";
  /** Who may raise it (rank at least); absent: anyone the access table lets call approvals.request. */
  requesterRole?: Role;
  /** The kind's jobs change the mesh (the batch loads it: KeyJob.mesh). */
  mesh?: boolean;
  description: string;
  computeImpact(db: Db, targetId: string): Promise<{ label: string; impact: Impact }>;
  /** Keys the jobs of this kind read or change. */
  keyIds(targetId: string): string[];
  /** In the request's job: refuse (throw) if the action could not run now. Must not change anything. */
  check(x: KindJobContext, targetId: string, justification: string): void;
  /** In the job that records the last approval. Throwing a DomainError marks the request FAILED. */
  execute(x: KindJobContext, req: { id: string; targetId: string; justification: string }): ExecutionResult;
  /** Drives an EXECUTING request to its end; idempotent (it runs again after a restart). */
  resume?(deps: ResumeDeps, req: { id: string; targetId: string; outcome: Record<string, JsonValue> | null }): Promise<{ status: "EXECUTED" | "FAILED"; outcome: Record<string, JsonValue> }>;
}

/** What a kind's resume may use: the key service, the acting name, and the incident driver (server/recovery) where the wiring has one. */
export interface ResumeDeps {
  keys: KeyService;
  actor: string;
  incidents: { drive(incidentId: string): Promise<{ status: string } | null> } | null;
}

const registry = new Map<string, ApprovalKindSpec>();

/**
 * Registers the kinds of this console, in one explicit call from the wiring
 * (server/runtime/services.ts). A kind name registered with another spec, or
 * twice in one call, is refused; the same wiring registering the same specs
 * again (one more set of services in this process) changes nothing.
 */
export function registerApprovalKinds(specs: readonly ApprovalKindSpec[]): void {
  const names = specs.map((s) => s.kind);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new Error(`approval kind ${twice} is listed twice`);
  const clash = specs.find((s) => registry.has(s.kind) && registry.get(s.kind) !== s);
  if (clash) throw new Error(`approval kind ${clash.kind} is already registered with another definition`);
  for (const spec of specs) registry.set(spec.kind, spec);
}

export function approvalKind(kind: string): ApprovalKindSpec {
  const spec = registry.get(kind);
  if (!spec) throw new DomainError("INVALID_INPUT", `Unknown kind of request "${kind}" (known: ${[...registry.keys()].join(", ")})`);
  return spec;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NODE_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
/** A role grant's target: "<role>:<account id>", the id as better-auth makes them (and the seed's). */
const ROLE_AND_USER_ID = /^[a-z]{1,16}:[A-Za-z0-9_-]{1,128}$/;
const TARGET_FORMS: Record<ApprovalKindSpec["targetType"], { test: (id: string) => boolean; says: string }> = {
  key: { test: (id) => UUID.test(id), says: "names the key by its id (UUID)" },
  incident: { test: (id) => UUID.test(id), says: "names the incident by its id (UUID)" },
  node: { test: (id) => NODE_ID.test(id), says: "names the node by its id, such as hub-1 (lower-case letters, digits and -)" },
  user: { test: (id) => ROLE_AND_USER_ID.test(id), says: "names the role and the user as <role>:<account id> (letters, digits, - and _)" },
};

/**
 * The kind of a request, with its target id checked against the kind's target
 * type before any query uses it (a non-UUID key id used to fail in PostgreSQL as a 500).
 */
export function approvalKindFor(kind: string, targetId: string): ApprovalKindSpec {
  const spec = approvalKind(kind);
  const form = TARGET_FORMS[spec.targetType];
  if (!form.test(targetId)) throw new DomainError("INVALID_INPUT", `targetId: must be valid for a ${spec.label.toLowerCase()} request, which ${form.says}.`);
  return spec;
}

export function approvalKinds(): ApprovalKindSpec[] {
  return [...registry.values()];
}

// -- the two key actions of the issue -------------------------------------------

function keyEvent(_kind: KeyActionKind, reason: string): KeyEvent {
  return { type: "REVOKE", reason };
}

/** Distribute the replacement and collect every participant's receipt, step by step from whatever state it is in; routes avoid `avoid`. */
export async function driveReplacement(
  deps: Pick<ResumeDeps, "keys" | "actor">,
  outcome: Record<string, JsonValue> | null,
  avoid?: { nodeIds: readonly string[]; linkIds: readonly string[] },
): Promise<{ status: "EXECUTED" | "FAILED"; outcome: Record<string, JsonValue> }> {
  const recorded = typeof outcome?.replacementId === "string" ? outcome.replacementId : null;
  if (!recorded) return { status: "FAILED", outcome: { ...outcome, failure: "no replacement key was recorded" } };
  let replacementId: string = recorded;
  const who = { actor: deps.actor };
  for (let step = 0; step < 8; step++) {
    const k: { state: string; version: number } | null = await deps.keys.db.key.findUnique({ where: { id: replacementId }, select: { state: true, version: true } });
    if (!k) return { status: "FAILED", outcome: { ...outcome, failure: `replacement ${replacementId} does not exist` } };
    try {
      if (k.state === "ACTIVE") return { status: "EXECUTED", outcome: { ...outcome, replacementId, replacementState: "ACTIVE" } };
      const mesh = deps.keys.distributor;
      if (mesh && (k.state === "GENERATED" || k.state === "DISTRIBUTED")) {
        // Over the mesh: routes, pads, agents, receipts; a failed attempt is retried with new material (a new key id).
        const r: { finalKey: { id: string; state: string } } = k.state === "GENERATED" ? await mesh.distribute(replacementId, who, k.version, avoid) : await mesh.collect(replacementId, who, k.version);
        replacementId = r.finalKey.id;
        if (r.finalKey.state !== "ACTIVE") {
          return { status: "FAILED", outcome: { ...outcome, replacementId, replacementState: r.finalKey.state, failure: "the replacement could not be distributed (every attempt failed; see its lineage)" } };
        }
        continue;
      }
      if (k.state === "GENERATED") await deps.keys.apply(replacementId, { type: "DISTRIBUTE" }, who, k.version);
      else if (k.state === "DISTRIBUTED") await deps.keys.collectReceipts(replacementId, who, k.version);
      else return { status: "FAILED", outcome: { ...outcome, replacementState: k.state, failure: `the replacement became ${k.state} before it was active` } };
    } catch (err) {
      // Someone else moved it meanwhile (another instance resuming too): look again.
      if (err instanceof DomainError && ["CONCURRENT_UPDATE", "TRANSITION_REFUSED"].includes(err.code)) continue;
      throw err;
    }
  }
  throw new Error(`replacement ${replacementId} did not become ACTIVE within 8 steps`);
}

function keyKind(kind: KeyActionKind, label: string, requestLabel: string, description: string): ApprovalKindSpec {
  return {
    kind,
    label,
    requestLabel,
    targetType: "key",
    description,
    computeImpact: (db, id) => computeKeyImpact(db, id, kind),
    keyIds: (id) => [id],
    check({ ws }, id, justification) {
      const k = ws.key(id);
      decide(snapshotOf(ws, k), keyEvent(kind, justification), ws.now); // the engine's own refusal, unchanged
    },
    execute({ ws, effects }, req) {
      const k = ws.key(req.targetId);
      const before = new Set(ws.successorsOf(k.id).map((s) => s.id));
      transition(effects, k, keyEvent(kind, `approved request ${req.id}: ${req.justification}`));
      const replacement =
        kind === "EMERGENCY_ROTATION" ? liveSuccessor(ws, k) : (ws.successorsOf(k.id).filter((s) => !before.has(s.id) && s.state === "GENERATED").at(-1) ?? null);
      const outcome: Record<string, JsonValue> = { keyState: k.state, keyVersion: k.version, replacementId: replacement?.id ?? null };
      return { status: replacement ? "EXECUTING" : "EXECUTED", outcome };
    },
    resume: (deps, req) => driveReplacement(deps, req.outcome),
  };
}

export const REVOCATION_KIND = keyKind(
  "REVOCATION",
  "Revocation",
  "Request revocation",
  "Compromise: the key is revoked, its material zeroised and every holder purges its copy; an ACTIVE key gets an emergency replacement, distributed and activated at once.",
);
// EMERGENCY_ROTATION has its own procedure: server/approvals/emergency-rotation-kind.ts.
