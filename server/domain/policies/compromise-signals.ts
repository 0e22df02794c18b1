/**
 * The compromise signals a key policy can let revoke automatically, with the
 * words the console shows for them. Pure (no server imports): the browser's
 * policy form uses it too.
 */
/** Compromise signals (issue "Rotation protocols and automated compromise recovery"). */
export const COMPROMISE_SIGNALS = ["QBER_ABORT", "OPERATOR_REPORT", "INTEGRITY_MISMATCH"] as const;
export type CompromiseSignal = (typeof COMPROMISE_SIGNALS)[number];

/**
 * The signals a policy may let revoke without a person's approval (issue 12,
 * finding 2): those measured by the system itself (the QBER of a link, a
 * holder's integrity report). OPERATOR_REPORT is one person's word: it always
 * opens an incident held for officers' approval (INCIDENT_RECOVERY), whatever
 * the policy, so no single analyst can revoke keys. The rule holds in the zod
 * schema (the form and the router), in the policy service (policyProblems), in
 * the database (CHECK on key_policies) and in the recovery engine itself.
 */
export const AUTO_REVOKE_SIGNALS = ["QBER_ABORT", "INTEGRITY_MISMATCH"] as const satisfies readonly CompromiseSignal[];

export function mayRevokeAutomatically(signal: CompromiseSignal): boolean {
  return (AUTO_REVOKE_SIGNALS as readonly CompromiseSignal[]).includes(signal);
}

export const COMPROMISE_SIGNAL_LABELS: Record<CompromiseSignal, string> = {
  QBER_ABORT: "QBER above the abort threshold (11%) on a link in the key's route",
  OPERATOR_REPORT: "An operator reports a node or link compromised",
  INTEGRITY_MISMATCH: "A holder reports material that does not match the key's fingerprint",
};
