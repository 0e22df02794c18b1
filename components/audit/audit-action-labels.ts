/**
 * Human names of audit actions ("KEY_ROTATION_STARTED" -> "Rotation started").
 * Unknown actions fall back to the UPPER_SNAKE name in sentence case, so a new
 * action on the server still reads well here.
 */
const LABELS: Record<string, string> = {
  KEY_GENERATED: "Generated",
  KEY_GENERATION_FAILED: "Generation failed",
  KEY_DISTRIBUTED: "Distributed",
  KEY_RECEIPT_CONFIRMED: "Receipt confirmed",
  KEY_RECEIPT_REJECTED: "Receipt rejected",
  KEY_ACTIVATED: "Activated",
  KEY_DISTRIBUTION_FAILED: "Distribution failed",
  KEY_DISTRIBUTION_ABANDONED: "Distribution abandoned",
  KEY_USAGE_RECORDED: "Usage recorded",
  KEY_ROTATION_STARTED: "Rotation started",
  KEY_ROTATION_CANCELLED: "Rotation cancelled",
  KEY_RETIRED: "Retired",
  KEY_REVOKED: "Revoked",
  KEY_DESTROYED: "Destroyed",
  KEY_PURGE_CONFIRMED: "Purge confirmed",
  AGENT_PURGE_BACKLOG_APPLIED: "Purge backlog applied at reconnect",
  AGENT_KEY_COPY_LOST: "Key copy lost at a node",
  AUDIT_CHAIN_VERIFIED: "Chain verified",
  AUDIT_CHAIN_BROKEN: "Chain found broken",
};

export function actionLabel(action: string): string {
  const known = LABELS[action];
  if (known) return known;
  const words = action.toLowerCase().split("_").filter(Boolean);
  const sentence = words.join(" ");
  return sentence.charAt(0).toUpperCase() + sentence.slice(1);
}

/** Actions that alarm an operator: shown in red in timelines and tables. */
export const ALARM_ACTIONS: ReadonlySet<string> = new Set([
  "KEY_REVOKED", "KEY_RECEIPT_REJECTED", "KEY_DISTRIBUTION_FAILED", "KEY_DISTRIBUTION_ABANDONED", "KEY_GENERATION_FAILED",
  "AUDIT_CHAIN_BROKEN", "AGENT_KEY_COPY_LOST",
]);
