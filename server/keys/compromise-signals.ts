/**
 * The compromise signals a key policy can let revoke automatically, with the
 * words the console shows for them. Pure (no server imports): the browser's
 * policy form uses it too.
 */
/** Compromise signals (issue "Rotation protocols and automated compromise recovery"). */
export const COMPROMISE_SIGNALS = ["QBER_ABORT", "OPERATOR_REPORT", "INTEGRITY_MISMATCH"] as const;
export type CompromiseSignal = (typeof COMPROMISE_SIGNALS)[number];

export const COMPROMISE_SIGNAL_LABELS: Record<CompromiseSignal, string> = {
  QBER_ABORT: "QBER above the abort threshold (11%) on a link in the key's route",
  OPERATOR_REPORT: "An operator reports a node or link compromised",
  INTEGRITY_MISMATCH: "A holder reports material that does not match the key's fingerprint",
};
