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
import type { Db } from "../db/client";

/** Compromise signals (issue "Rotation protocols and automated compromise recovery"). */
export const COMPROMISE_SIGNALS = ["QBER_ABORT", "OPERATOR_REPORT", "INTEGRITY_MISMATCH"] as const;
export type CompromiseSignal = (typeof COMPROMISE_SIGNALS)[number];

export const COMPROMISE_SIGNAL_LABELS: Record<CompromiseSignal, string> = {
  QBER_ABORT: "QBER above the abort threshold (11%) on a link in the key's route",
  OPERATOR_REPORT: "An operator reports a node or link compromised",
  INTEGRITY_MISMATCH: "A holder reports material that does not match the key's fingerprint",
};

export interface KeyPolicy {
  name: string;
  description: string;
  sizeBits: number;
  /** Scheduled rotation: an ACTIVE key rotates this long after it became ACTIVE. */
  cryptoperiodSeconds: number;
  /** Rotation when the usage counter reaches this; null: no usage limit. */
  maxUsage: number | null;
  overlapSeconds: number;
  retentionDays: number;
  maxDistributionAttempts: number;
  /** Signals whose recovery runs without waiting for an officer's approval. */
  autoRevokeSignals: CompromiseSignal[];
}

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
    autoRevokeSignals: ["QBER_ABORT", "OPERATOR_REPORT", "INTEGRITY_MISMATCH"],
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
};

export const POLICY_NAMES = Object.keys(KEY_POLICIES) as [string, ...string[]];

/** The built-in policy of that name (the standard one for an unknown name). */
export function policyOf(name: string): KeyPolicy {
  return KEY_POLICIES[name] ?? KEY_POLICIES.standard!;
}

/** Anything that can answer a key's policy inside a job (the key workspace). */
export interface PolicySource {
  policy?(name: string): KeyPolicy | undefined;
}

/** A key's policy inside a runner job (stored policies once the workspace loads them). */
export function policyIn(ws: object, name: string): KeyPolicy {
  return (ws as PolicySource).policy?.(name) ?? policyOf(name);
}

/** Every policy, outside a job (sweeps, routers). */
export async function loadPolicies(_db: Db): Promise<KeyPolicy[]> {
  return Object.values(KEY_POLICIES);
}
