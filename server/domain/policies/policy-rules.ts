/**
 * What a key policy may say, in one place: the limits (the migration's CHECKs
 * say the same), the zod schemas the router validates with, and the check the
 * service runs again on the merged policy (cross-field rules such as "the
 * overlap is shorter than the cryptoperiod" need the stored values of an edit).
 * Messages name the field, the limit and the value, for the administrator who
 * reads them. Pure: no database, safe to import in the browser for the form.
 */
import { z } from "zod";
import { safeText } from "../validation/safe-text";
import { COMPROMISE_SIGNALS, mayRevokeAutomatically } from "./compromise-signals";
import type { KeyPolicy } from "./key-policy";

const DAY = 86_400;

export const POLICY_LIMITS = {
  sizeBits: [256, 384, 512] as const,
  cryptoperiodSeconds: { min: 60, max: 730 * DAY },
  maxUsage: { min: 1, max: 1_000_000_000_000 },
  overlapSeconds: { min: 0, max: DAY },
  retentionDays: { min: 0, max: 3_650 },
  maxDistributionAttempts: { min: 1, max: 10 },
  descriptionMax: 300,
} as const;

export const POLICY_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,39}$/;
const NAME_RULE = "1 to 40 lower-case letters, digits and -, starting with a letter or digit (e.g. long-haul)";

/** The fields a policy has besides its name. */
export type KeyPolicyFields = Omit<KeyPolicy, "name">;

/** "90 s", "5 min", "1 h", "1 day", "2 days 3 h": how the console and the messages show durations. */
export function formatSeconds(s: number): string {
  if (s < 60 || s % 60 !== 0) return `${s.toLocaleString("en-US")} s`;
  const units: [number, string, string][] = [[DAY, "day", "days"], [3_600, "h", "h"], [60, "min", "min"]];
  const parts: string[] = [];
  let rest = s;
  for (const [size, one, many] of units) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n.toLocaleString("en-US")} ${n === 1 ? one : many}`);
    rest -= n * size;
  }
  return parts.join(" ");
}

const int = (field: string, min: number, max: number, show: (n: number) => string = String) =>
  z.number({ message: `${field} must be a number` }).int(`${field} must be a whole number`)
    .min(min, `${field} must be at least ${show(min)}`).max(max, `${field} must be at most ${show(max)}`);

export const ZPolicyNameSchema = safeText().trim().regex(POLICY_NAME_PATTERN, `a policy name is ${NAME_RULE}`);

const L = POLICY_LIMITS;
/** Each field on its own; the cross-field rules are in policyProblems. */
export const ZPolicyFieldsSchema = z.object({
  description: safeText().trim().max(L.descriptionMax, `at most ${L.descriptionMax} characters`),
  sizeBits: z.number().refine((n) => (L.sizeBits as readonly number[]).includes(n), "Key size must be 256, 384 or 512 bits"),
  cryptoperiodSeconds: int("Cryptoperiod", L.cryptoperiodSeconds.min, L.cryptoperiodSeconds.max, formatSeconds),
  maxUsage: int("Usage limit", L.maxUsage.min, L.maxUsage.max, (n) => `${n.toLocaleString("en-US")} uses`).nullable(),
  overlapSeconds: int("Overlap", L.overlapSeconds.min, L.overlapSeconds.max, formatSeconds),
  retentionDays: int("Retention", L.retentionDays.min, L.retentionDays.max, (n) => `${n} days`),
  maxDistributionAttempts: int("Distribution attempts", L.maxDistributionAttempts.min, L.maxDistributionAttempts.max),
  autoRevokeSignals: z.array(z.enum(COMPROMISE_SIGNALS, { message: `a signal is one of ${COMPROMISE_SIGNALS.join(", ")}` }))
    .max(COMPROMISE_SIGNALS.length)
    .refine((a) => new Set(a).size === a.length, "signals must not repeat")
    .refine((a) => a.every(mayRevokeAutomatically), "An operator's report never revokes automatically: it waits for security officers' approval (only QBER_ABORT and INTEGRITY_MISMATCH may)"),
});

/**
 * Every reason this policy cannot be stored, as sentences; empty when it can.
 * The service runs it on the complete policy (after merging an edit), so the
 * rules hold whatever the router let through.
 */
export function policyProblems(p: KeyPolicy): string[] {
  const out: string[] = [];
  if (!POLICY_NAME_PATTERN.test(p.name)) out.push(`The name "${p.name}" is not valid: ${NAME_RULE}.`);
  const fields = ZPolicyFieldsSchema.safeParse(p);
  if (!fields.success) out.push(...fields.error.issues.map((i) => `${i.message}.`));
  if (Number.isFinite(p.overlapSeconds) && Number.isFinite(p.cryptoperiodSeconds) && p.overlapSeconds >= p.cryptoperiodSeconds) {
    out.push(`Overlap (${formatSeconds(p.overlapSeconds)}) must be shorter than the cryptoperiod (${formatSeconds(p.cryptoperiodSeconds)}).`);
  }
  return out;
}
