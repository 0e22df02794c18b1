/**
 * Named key policies: how big a key is, how long the old key overlaps its
 * replacement, how long retired keys are kept, how often distribution is
 * retried. Issue "Rotation protocols" makes these editable; until then they are
 * fixed here.
 */
export interface KeyPolicy {
  name: string;
  description: string;
  sizeBits: number;
  overlapSeconds: number;
  retentionDays: number;
  maxDistributionAttempts: number;
}

export const KEY_POLICIES: Record<string, KeyPolicy> = {
  standard: {
    name: "standard",
    description: "256-bit keys, 5 min overlap, 30 days retention (the AWS/GCP KMS default waiting period)",
    sizeBits: 256,
    overlapSeconds: 300,
    retentionDays: 30,
    maxDistributionAttempts: 3,
  },
  "high-assurance": {
    name: "high-assurance",
    description: "512-bit keys, 1 min overlap, 90 days retention, 5 distribution attempts",
    sizeBits: 512,
    overlapSeconds: 60,
    retentionDays: 90,
    maxDistributionAttempts: 5,
  },
  "short-lived": {
    name: "short-lived",
    description: "256-bit session keys, no overlap, 7 days retention",
    sizeBits: 256,
    overlapSeconds: 0,
    retentionDays: 7,
    maxDistributionAttempts: 3,
  },
};

export const POLICY_NAMES = Object.keys(KEY_POLICIES) as [string, ...string[]];

export function policyOf(name: string): KeyPolicy {
  return KEY_POLICIES[name] ?? KEY_POLICIES.standard!;
}
