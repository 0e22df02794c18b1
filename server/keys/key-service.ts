/**
 * The key service: every business action on keys, each one job of the
 * transition runner (one transaction with its audit entries). Callers get the
 * key's new public view or a DomainError; material never leaves this layer.
 */
import { systemClock, type Clock } from "../time/clock";
import type { Db } from "../db/client";
import { DomainError } from "../domain/errors/domain-error";
import type { KeyEvent } from "../domain/lifecycle/key-events";
import { KEY_GENERATION_FAILED_ACTION } from "../domain/lifecycle/key-events";
import { createKey, transition, type EffectContext } from "./key-effects";
import { PolicyService } from "./policies/policy-service";
import type { KeyRecord } from "./key-record";
import { toKeyView, type KeyView } from "./key-views";
import type { KeyVault } from "./key-vault";
import type { KeyWorkspace } from "./key-workspace";
import type { RunnerHooks, TransitionRunner } from "../commit/transition-runner";
import { keyRunner } from "./key-batch";

export interface Actor {
  actor: string;
}

export interface CreateKeyInput {
  label: string;
  purpose: string;
  policy: string;
  participants: string[];
}

/**
 * Distribution over the mesh (server/distribution), as the key layer sees it:
 * handed in by the wiring (server/runtime/services.ts) so that code holding
 * only the key service (e.g. the approvals executor) distributes the real way.
 */
export interface KeyDistributor {
  /** `avoid`: nodes and links no route may cross (emergency rotation). */
  distribute(keyId: string, who: Actor, expectedVersion?: number, avoid?: { nodeIds: readonly string[]; linkIds: readonly string[] }): Promise<{ finalKey: KeyView }>;
  collect(keyId: string, who: Actor, expectedVersion?: number): Promise<{ finalKey: KeyView }>;
}

/** Tells the holders of ended keys to purge and records their answers (server/purging). */
export interface KeyPurger {
  sweep(opts: { keyIds?: string[]; ignoreBackoff?: boolean }): Promise<{ confirmed: number; unanswered: number }>;
}

/** The key service's collaborators, handed in by the wiring (server/runtime/services.ts); absent only for a bare key service. */
export interface KeyServiceOptions {
  clock?: Clock;
  /** The runner of this service's jobs; by default one with the keys' part alone (no mesh). */
  runner?: TransitionRunner<KeyWorkspace>;
  hooks?: RunnerHooks;
  maxBatch?: number;
  distributor?: KeyDistributor;
  purger?: KeyPurger;
  /** A rotation began inside another event's transaction (usage limit); its replacement must be distributed. */
  onRotationBegun?: (keyId: string, successorId: string) => void;
}

export class KeyService {
  readonly runner: TransitionRunner<KeyWorkspace>;
  /** The server's one clock: the runner stamps every transition with it, and services beside this one read it too. */
  readonly clock: Clock;
  /** Null only for a bare key service in unit-level tests. */
  readonly distributor: KeyDistributor | null;
  readonly purger: KeyPurger | null;
  /** The named key policies (list, create, update), edited through this service's runner. */
  readonly policies: PolicyService;
  private readonly onRotationBegun: ((keyId: string, successorId: string) => void) | null;

  constructor(
    readonly db: Db,
    /** The vault this service seals with (for the distribution service beside it; never exposed to clients). */
    readonly vault: KeyVault,
    opts: KeyServiceOptions = {},
  ) {
    this.clock = opts.clock ?? opts.runner?.clock ?? systemClock;
    this.runner = opts.runner ?? keyRunner(db, this.clock, { hooks: opts.hooks, maxBatch: opts.maxBatch });
    this.distributor = opts.distributor ?? null;
    this.purger = opts.purger ?? null;
    this.onRotationBegun = opts.onRotationBegun ?? null;
    this.policies = new PolicyService(db, this.runner);
  }

  private ctx(ws: KeyWorkspace, who: Actor): EffectContext {
    return { ws, vault: this.vault, actor: who.actor };
  }

  /** For services that change keys inside jobs of their own (approvals): the effect context of such a job. */
  effectContext(ws: KeyWorkspace, who: Actor): EffectContext {
    return this.ctx(ws, who);
  }

  /** Generates a key for its participants. A generation failure leaves no key record, only its audit entry. */
  async create(input: CreateKeyInput, who: Actor): Promise<KeyView> {
    const outcome = await this.runner.submit({
      keyIds: [],
      nodeIds: input.participants,
      run: (ws) => {
        const missing = input.participants.filter((n) => !ws.nodes.has(n));
        if (missing.length) throw new DomainError("NODE_NOT_FOUND", `Unknown participant node(s): ${missing.join(", ")}`);
        if (!ws.policy(input.policy)) {
          throw new DomainError("INVALID_INPUT", `policy must be one of ${ws.policyNames().join(", ")} ("${input.policy}" is not a stored policy)`);
        }
        try {
          return { ok: true as const, key: createKey(this.ctx(ws, who), { ...input, nodeIds: input.participants, reason: "requested by operator" }) };
        } catch (err) {
          if (err instanceof DomainError) throw err;
          // Entropy or sealing failed: no key record, but the failure is on the record.
          ws.audit({
            actor: who.actor, action: KEY_GENERATION_FAILED_ACTION, subjectType: "key-request", subjectId: input.label,
            fromState: null, toState: null,
            details: { label: input.label, policy: input.policy, participants: input.participants, error: (err as Error).name },
          });
          return { ok: false as const };
        }
      },
    });
    if (!outcome.ok) throw new DomainError("GENERATION_FAILED", "Key generation failed (entropy source or sealing); no key was created. The failure is in the audit log.");
    return toKeyView(outcome.key);
  }

  /** Applies one lifecycle event. expectedVersion guards against acting on a stale view. */
  async apply(keyId: string, event: KeyEvent, who: Actor, expectedVersion?: number): Promise<KeyView> {
    const r = await this.runner.submit({
      keyIds: [keyId],
      run: (ws) => {
        const k = ws.key(keyId);
        checkVersion(k, expectedVersion);
        transition(this.ctx(ws, who), k, event);
        const began = event.type === "RECORD_USAGE" ? ws.jobInsertedKeys().find((x) => x.predecessorId === keyId) : undefined;
        return { view: toKeyView(ws.key(keyId)), successorId: began?.id ?? null };
      },
    });
    if (r.successorId) this.onRotationBegun?.(keyId, r.successorId);
    return r.view;
  }

  /** A participant's proof of possession. A wrong proof is audited and refused. */
  async confirmReceipt(keyId: string, nodeId: string, mac: string, who: Actor): Promise<KeyView> {
    const r = await this.runner.submit({
      keyIds: [keyId],
      run: (ws) => {
        const k = ws.key(keyId);
        if (k.state === "DISTRIBUTED" && k.materialCiphertext && k.materialNonce && k.participants.some((p) => p.nodeId === nodeId)) {
          this.requireOwnMasterKey(k);
          if (!this.vault.checkReceipt(k.id, { ciphertext: k.materialCiphertext, nonce: k.materialNonce }, nodeId, mac)) {
            ws.audit({ actor: who.actor, action: "KEY_RECEIPT_REJECTED", subjectType: "key", subjectId: k.id, fromState: k.state, toState: k.state, details: { nodeId } });
            return { ok: false as const };
          }
        }
        transition(this.ctx(ws, who), k, { type: "CONFIRM_RECEIPT", nodeId }, { receiptMac: mac });
        return { ok: true as const, view: toKeyView(ws.key(keyId)) };
      },
    });
    if (!r.ok) throw new DomainError("RECEIPT_INVALID", `The receipt from node ${nodeId} does not prove possession of this key; it was refused and recorded.`);
    return r.view;
  }

  /** Material sealed under another master key cannot be opened here: say so instead of failing obscurely. */
  private requireOwnMasterKey(k: KeyRecord): void {
    if (k.materialKeyId && k.materialKeyId !== this.vault.masterKeyId) {
      throw new DomainError(
        "MASTER_KEY_MISMATCH",
        `Key ${k.label} was sealed under master key ${k.materialKeyId}, but this server runs with master key ${this.vault.masterKeyId}. ` +
          "Start it with the original QECNET_MASTER_KEY (or master.key file).",
      );
    }
  }

  /**
   * Collects receipts from every pending participant through the in-process node
   * agents (the simulation's stand-in for agents at the nodes), activating the key
   * once all confirmed.
   */
  async collectReceipts(keyId: string, who: Actor, expectedVersion?: number): Promise<KeyView> {
    return this.runner.submit({
      keyIds: [keyId],
      run: (ws) => {
        const k = ws.key(keyId);
        checkVersion(k, expectedVersion);
        const pending = k.participants.filter((p) => !p.confirmedAt).map((p) => p.nodeId);
        if (k.state !== "DISTRIBUTED" || !k.materialCiphertext || !k.materialNonce || pending.length === 0) {
          // Let the engine refuse with its own words.
          transition(this.ctx(ws, who), k, { type: "CONFIRM_RECEIPT", nodeId: pending[0] ?? "" });
        }
        this.requireOwnMasterKey(k);
        const sealed = { ciphertext: k.materialCiphertext!, nonce: k.materialNonce! };
        for (const nodeId of pending) {
          const mac = this.vault.receiptFor(k.id, sealed, nodeId);
          transition(this.ctx(ws, who), k, { type: "CONFIRM_RECEIPT", nodeId }, { receiptMac: mac });
        }
        return toKeyView(ws.key(keyId));
      },
    });
  }
}

function checkVersion(k: KeyRecord, expected: number | undefined): void {
  if (expected !== undefined && expected !== k.version) {
    throw new DomainError(
      "CONCURRENT_UPDATE",
      `Key ${k.label} changed since you loaded it (you saw version ${expected}; it is now version ${k.version}, ${k.state}). Reload and try again.`,
      { expectedVersion: expected, actualVersion: k.version, state: k.state },
    );
  }
}
