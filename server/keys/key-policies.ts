/**
 * Named key policies: how big a key is, when it rotates (cryptoperiod, usage
 * limit), how long the old key overlaps its replacement, how long retired keys
 * are kept, how often distribution is retried, and which compromise signals
 * revoke automatically (the others wait for a security officer's approval).
 *
 * The built-in set below seeds the `key_policies` table; administrators edit
 * the stored ones. Code inside a runner job reads a key's policy with
 * policyIn(ws, name); code outside jobs with loadPolicies(db).
 */
import type pg from "pg";
import { poolOf, type Db } from "../db/client";
import { COMPROMISE_SIGNALS, type CompromiseSignal } from "../domain/policies/compromise-signals";
import type { KeyPolicy } from "../domain/policies/key-policy";

export { COMPROMISE_SIGNALS, COMPROMISE_SIGNAL_LABELS, type CompromiseSignal } from "../domain/policies/compromise-signals";

const DAY = 86_400;

export const KEY_POLICIES: Record<string, KeyPolicy> = {
  standard: {
    name: "standard",
    description: "256-bit keys, rotated daily or after 1,000,000 uses, 5 min overlap, 30 days retention (the AWS/GCP KMS default waiting period)",
    sizeBits: 256,
    cryptoperiodSeconds: DAY,
    maxUsage: 1_000_000,
    overlapSeconds: 300,
    retentionDays: 30,
    maxDistributionAttempts: 3,
    autoRevokeSignals: ["QBER_ABORT", "INTEGRITY_MISMATCH"],
  },
  "high-assurance": {
    name: "high-assurance",
    description: "512-bit keys, rotated hourly or after 100,000 uses, 1 min overlap, 90 days retention, 5 distribution attempts",
    sizeBits: 512,
    cryptoperiodSeconds: 3_600,
    maxUsage: 100_000,
    overlapSeconds: 60,
    retentionDays: 90,
    maxDistributionAttempts: 5,
    // No OPERATOR_REPORT: one analyst's word never revokes alone (compromise-signals.ts).
    autoRevokeSignals: ["QBER_ABORT", "INTEGRITY_MISMATCH"],
  },
  "short-lived": {
    name: "short-lived",
    description: "256-bit session keys, rotated every 15 minutes, no overlap, 7 days retention",
    sizeBits: 256,
    cryptoperiodSeconds: 900,
    maxUsage: null,
    overlapSeconds: 0,
    retentionDays: 7,
    maxDistributionAttempts: 3,
    autoRevokeSignals: ["QBER_ABORT", "INTEGRITY_MISMATCH"],
  },
  // Pool keys served to applications over ETSI GS QKD 014 (KEY-DELIVERY.md §5.1): a pool key, or a key a master took
  // and its slave has not fetched, lives at most a cryptoperiod; a consumed key is destroyed at once (retention 0).
  etsi014: {
    name: "etsi014",
    description: "ETSI 014 pool keys for applications: 256 bits, served once, rotated daily if unused, 5 min fetch window, no retention",
    sizeBits: 256,
    cryptoperiodSeconds: DAY,
    maxUsage: null,
    overlapSeconds: 300,
    retentionDays: 0,
    maxDistributionAttempts: 3,
    autoRevokeSignals: ["QBER_ABORT", "INTEGRITY_MISMATCH"],
  },
};

/** The built-in policies' names (the seed); the stored set may have more, see loadPolicies. */
export const POLICY_NAMES = Object.keys(KEY_POLICIES) as [string, ...string[]];

/** The built-in policy of that name (the standard one for an unknown name): the seed and the fallback. */
export function policyOf(name: string): KeyPolicy {
  return KEY_POLICIES[name] ?? KEY_POLICIES.standard!;
}

/** A stored policy with its edit history marks (optimistic concurrency, who changed it last). */
export interface StoredKeyPolicy extends KeyPolicy {
  version: number;
  updatedAt: Date;
  updatedBy: string;
}

/** Anything that can answer a key's policy inside a job (the key workspace). */
export interface PolicySource {
  policy?(name: string): KeyPolicy | undefined;
}

/** A key's policy inside a runner job: the stored one the batch loaded, else the built-in fallback. */
export function policyIn(ws: object, name: string): KeyPolicy {
  return (ws as PolicySource).policy?.(name) ?? policyOf(name);
}

interface PolicyRow {
  name: string; description: string; size_bits: number; cryptoperiod_seconds: number; max_usage: string | null;
  overlap_seconds: number; retention_days: number; max_distribution_attempts: number; auto_revoke_signals: string[];
  version: number; updated_at: Date; updated_by: string;
}

const SELECT_POLICIES = `SELECT name, description, size_bits, cryptoperiod_seconds, max_usage::text AS max_usage, overlap_seconds,
  retention_days, max_distribution_attempts, auto_revoke_signals, version, updated_at, updated_by FROM key_policies ORDER BY name`;

function fromRow(r: PolicyRow): StoredKeyPolicy {
  return {
    name: r.name, description: r.description, sizeBits: r.size_bits, cryptoperiodSeconds: r.cryptoperiod_seconds,
    maxUsage: r.max_usage === null ? null : Number(r.max_usage), overlapSeconds: r.overlap_seconds, retentionDays: r.retention_days,
    maxDistributionAttempts: r.max_distribution_attempts,
    autoRevokeSignals: r.auto_revoke_signals.filter((s): s is CompromiseSignal => (COMPROMISE_SIGNALS as readonly string[]).includes(s)),
    version: r.version, updatedAt: r.updated_at, updatedBy: r.updated_by,
  };
}

/** Every stored policy, read with this client (the transition runner reads them in its batch transaction). */
export async function readPolicies(client: pg.ClientBase | pg.Pool): Promise<StoredKeyPolicy[]> {
  const { rows } = await client.query<PolicyRow>({ name: "qecnet-read-key-policies", text: SELECT_POLICIES });
  return rows.map(fromRow);
}

/** Every stored policy, outside a job (sweeps, routers), by name. */
export async function loadPolicies(db: Db): Promise<StoredKeyPolicy[]> {
  return readPolicies(poolOf(db));
}
