/**
 * Administrators' edits of the named key policies. Each create or update is
 * one job of the transition runner: it is checked against the policy as the
 * batch sees it under the audit head lock, audited (KEY_POLICY_CREATED /
 * KEY_POLICY_UPDATED, with the values before and after and the admin's reason)
 * and written in the same transaction, and it announces itself on the "keys"
 * topic so open consoles refetch. A refused edit writes nothing.
 *
 * A change applies to existing keys from the next thing that reads the policy
 * (rotation checks, overlap, retries, auto-revoke); a key's size and retention
 * period are fixed when it is generated.
 */
import type { JsonValue } from "../../domain/audit/types";
import { poolOf, type Db } from "../../db/client";
import { DomainError } from "../../domain/errors/domain-error";
import type { KeyPolicy } from "../../domain/policies/key-policy";
import { KEY_POLICIES, loadPolicies, type StoredKeyPolicy } from "../key-policies";
import type { KeyWorkspace } from "../key-workspace";
import type { TransitionRunner } from "../../commit/transition-runner";
import { policyProblems, type KeyPolicyFields } from "../../domain/policies/policy-rules";

export const KEY_POLICY_CREATED_ACTION = "KEY_POLICY_CREATED";
export const KEY_POLICY_UPDATED_ACTION = "KEY_POLICY_UPDATED";
export const KEY_POLICY_DELETED_ACTION = "KEY_POLICY_DELETED";

const FIELDS = [
  "description", "sizeBits", "cryptoperiodSeconds", "maxUsage", "overlapSeconds", "retentionDays", "maxDistributionAttempts", "autoRevokeSignals",
] as const satisfies readonly (keyof KeyPolicyFields)[];

/** A stored policy as the console lists it. */
export interface PolicyView extends StoredKeyPolicy {
  /** One of the seeded policies: edited, never deleted. */
  builtIn: boolean;
  /** Key records (any state) generated under it. */
  keyCount: number;
}

interface Who {
  actor: string;
}

function refuseInvalid(p: KeyPolicy): void {
  const problems = policyProblems(p);
  if (problems.length) throw new DomainError("INVALID_INPUT", `The policy was not saved: ${problems.join(" ")}`, { policy: p.name });
}

function requireReason(reason: string): string {
  const r = reason.trim();
  if (r.length < 3) throw new DomainError("INVALID_INPUT", "Give a reason of at least 3 characters for the audit log.");
  return r;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const fieldsOf = (p: KeyPolicy): Record<string, JsonValue> => Object.fromEntries(FIELDS.map((f) => [f, p[f]]));

export class PolicyService {
  constructor(
    private readonly db: Db,
    private readonly runner: TransitionRunner<KeyWorkspace>,
  ) {}

  /** Every stored policy, by name, with whether it is built in and how many key records name it (what deletion depends on). */
  async list(): Promise<PolicyView[]> {
    const [policies, counts] = await Promise.all([
      loadPolicies(this.db),
      poolOf(this.db).query<{ policy: string; n: string }>("SELECT policy, count(*) AS n FROM keys GROUP BY policy"),
    ]);
    const uses = new Map(counts.rows.map((r) => [r.policy, Number(r.n)]));
    return policies.map((p) => ({ ...p, builtIn: p.name in KEY_POLICIES, keyCount: uses.get(p.name) ?? 0 }));
  }

  /** A new named policy, usable for new keys once this returns. */
  async create(input: KeyPolicy, reason: string, who: Who): Promise<StoredKeyPolicy> {
    const why = requireReason(reason);
    const candidate: KeyPolicy = { ...pick(input), name: input.name.trim() };
    refuseInvalid(candidate);
    return this.runner.submit({
      keyIds: [],
      run: (ws) => {
        if (ws.policy(candidate.name)) {
          throw new DomainError("POLICY_EXISTS", `A policy named "${candidate.name}" already exists; choose another name or edit that policy.`, { policy: candidate.name });
        }
        const created: StoredKeyPolicy = { ...candidate, version: 0, updatedAt: ws.now, updatedBy: who.actor };
        record(ws, who, KEY_POLICY_CREATED_ACTION, created, { reason: why, values: fieldsOf(created) }, null);
        return created;
      },
      write: async (c, p) => {
        await c.query(
          `INSERT INTO key_policies (name, description, size_bits, cryptoperiod_seconds, max_usage, overlap_seconds, retention_days,
             max_distribution_attempts, auto_revoke_signals, version, updated_at, updated_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
          rowValues(p),
        );
      },
    });
  }

  /**
   * Changes some fields of a stored policy. `expectedVersion` is the version the
   * admin edited: a policy changed since is refused (CONCURRENT_UPDATE), as is
   * an edit that changes nothing.
   */
  async update(name: string, changes: Partial<KeyPolicyFields>, expectedVersion: number, reason: string, who: Who): Promise<StoredKeyPolicy> {
    const why = requireReason(reason);
    return this.runner.submit({
      keyIds: [],
      run: (ws) => {
        const before = ws.policy(name);
        if (!before) {
          throw new DomainError("POLICY_NOT_FOUND", `There is no policy named "${name}" (known: ${ws.policyNames().join(", ")}).`, { policy: name });
        }
        if (before.version !== expectedVersion) {
          throw new DomainError(
            "CONCURRENT_UPDATE",
            `Policy ${name} changed since you loaded it (you edited version ${expectedVersion}; it is now version ${before.version}, ` +
              `changed by ${before.updatedBy}). Reload and make your change again.`,
            { expectedVersion, actualVersion: before.version },
          );
        }
        const given = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)) as Partial<KeyPolicyFields>;
        const after: StoredKeyPolicy = { ...before, ...pick({ ...before, ...given }), version: before.version + 1, updatedAt: ws.now, updatedBy: who.actor };
        refuseInvalid(after);
        const changed = FIELDS.filter((f) => !same(before[f], after[f]));
        if (changed.length === 0) throw new DomainError("INVALID_INPUT", `Every value is the same as in policy ${name}; nothing was changed.`, { policy: name });
        const diff = Object.fromEntries(changed.map((f) => [f, { from: before[f], to: after[f] }])) as Record<string, JsonValue>;
        record(ws, who, KEY_POLICY_UPDATED_ACTION, after, { reason: why, changes: diff }, before.version);
        return after;
      },
      write: async (c, p) => {
        const r = await c.query(
          `UPDATE key_policies SET description = $2, size_bits = $3, cryptoperiod_seconds = $4, max_usage = $5, overlap_seconds = $6,
             retention_days = $7, max_distribution_attempts = $8, auto_revoke_signals = $9, version = $10, updated_at = $11, updated_by = $12
           WHERE name = $1 AND version = $10 - 1`,
          rowValues(p),
        );
        // Read under the head lock, so it cannot have moved; if it did, fail the batch rather than lose an edit.
        if (r.rowCount !== 1) throw new Error(`key policy ${p.name} was not at version ${p.version - 1} when written`);
      },
    });
  }
  /**
   * Deletes a policy no key was ever generated under (a key keeps its policy
   * for life, destroyed keys included: their record names it). The built-in
   * policies stay. Audited with the values the policy had; a policy changed
   * since the admin loaded it is refused (CONCURRENT_UPDATE).
   */
  async delete(name: string, expectedVersion: number, reason: string, who: Who): Promise<{ name: string; version: number }> {
    const why = requireReason(reason);
    let uses: Array<{ state: string; n: number }> = [];
    return this.runner.submit({
      keyIds: [],
      load: async (c) => {
        const { rows } = await c.query<{ state: string; n: string }>("SELECT state::text AS state, count(*) AS n FROM keys WHERE policy = $1 GROUP BY state ORDER BY state", [name]);
        uses = rows.map((r) => ({ state: r.state, n: Number(r.n) }));
      },
      run: (ws) => {
        const before = ws.policy(name);
        if (!before) {
          throw new DomainError("POLICY_NOT_FOUND", `There is no policy named "${name}" (known: ${ws.policyNames().join(", ")}).`, { policy: name });
        }
        if (name in KEY_POLICIES) {
          throw new DomainError("POLICY_BUILT_IN", `${name} is a built-in policy: it stays (edit its values instead). Only policies created by administrators can be deleted.`, { policy: name });
        }
        if (before.version !== expectedVersion) {
          throw new DomainError(
            "CONCURRENT_UPDATE",
            `Policy ${name} changed since you loaded it (version ${expectedVersion}; it is now version ${before.version}, changed by ${before.updatedBy}). Reload and look again before deleting it.`,
            { expectedVersion, actualVersion: before.version },
          );
        }
        const total = uses.reduce((n, u) => n + u.n, 0);
        if (total > 0) {
          throw new DomainError(
            "POLICY_IN_USE",
            `Policy ${name} cannot be deleted: ${total} key record(s) name it (${uses.map((u) => `${u.n} ${u.state}`).join(", ")}), and a key keeps its policy for life, its audit history included. Edit the policy instead.`,
            { policy: name, keys: total },
          );
        }
        ws.audit({
          actor: who.actor, action: KEY_POLICY_DELETED_ACTION, subjectType: "key-policy", subjectId: name,
          fromState: `version ${before.version}`, toState: null,
          details: { policy: name, version: before.version, reason: why, values: fieldsOf(before) },
        });
        ws.publish({ topic: "keys", type: "key-policy-deleted", data: { policy: name, version: before.version } });
        ws.removePolicy(name);
        return { name, version: before.version };
      },
      write: async (c, d) => {
        const r = await c.query("DELETE FROM key_policies WHERE name = $1 AND version = $2", [d.name, d.version]);
        // Read under the head lock, so it cannot have moved; if it did, fail the batch rather than half-delete.
        if (r.rowCount !== 1) throw new Error(`key policy ${d.name} was not at version ${d.version} when deleted`);
      },
    });
  }
}

/** Only the policy's own fields, in a fixed order (an input object may carry more). */
function pick(p: KeyPolicy): KeyPolicy {
  return {
    name: p.name, description: p.description.trim(), sizeBits: p.sizeBits, cryptoperiodSeconds: p.cryptoperiodSeconds, maxUsage: p.maxUsage,
    overlapSeconds: p.overlapSeconds, retentionDays: p.retentionDays, maxDistributionAttempts: p.maxDistributionAttempts,
    autoRevokeSignals: [...p.autoRevokeSignals],
  };
}

function record(ws: KeyWorkspace, who: Who, action: string, p: StoredKeyPolicy, details: Record<string, JsonValue>, fromVersion: number | null): void {
  ws.audit({
    actor: who.actor, action, subjectType: "key-policy", subjectId: p.name,
    fromState: fromVersion === null ? null : `version ${fromVersion}`, toState: `version ${p.version}`,
    details: { policy: p.name, version: p.version, ...details },
  });
  ws.publish({ topic: "keys", type: action === KEY_POLICY_CREATED_ACTION ? "key-policy-created" : "key-policy-updated", data: { policy: p.name, version: p.version } });
  ws.putPolicy(p);
}

function rowValues(p: StoredKeyPolicy): unknown[] {
  return [
    p.name, p.description, p.sizeBits, p.cryptoperiodSeconds, p.maxUsage, p.overlapSeconds, p.retentionDays, p.maxDistributionAttempts,
    p.autoRevokeSignals, p.version, p.updatedAt, p.updatedBy,
  ];
}
