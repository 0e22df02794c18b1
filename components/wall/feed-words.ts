/**
 * The wall feed's words: an audit entry said the way a SOC operator says it
 * ("Link contained", "Key revoked"), with a severity that picks its colour
 * and is also written out, so no entry is told by colour alone.
 */
import { actionLabel } from "@/components/audit/audit-action-labels";

export type Severity = "critical" | "warning" | "info";

const CRITICAL = new Set([
  "AUDIT_CHAIN_BROKEN", "EAVESDROPPER_INJECTED", "LINK_QBER_ABORT", "LINK_CONTAINED", "NODE_ISOLATED", "KEY_REVOKED",
  "KEY_RECEIPT_REJECTED", "USER_SIGN_IN_THROTTLED", "INCIDENT_OPENED", "INCIDENT_CONTAINED", "INCIDENT_KEYS_REVOKED", "INCIDENT_FAILED",
]);
const WARNING = new Set([
  "KEY_DISTRIBUTION_FAILED", "KEY_DISTRIBUTION_ABANDONED", "KEY_GENERATION_FAILED", "KEY_ROTATION_STARTED", "LINK_BYPASS_ESTABLISHED",
  "LINK_REMOVED", "USER_SIGN_IN_FAILED", "USER_SIGN_IN_FAILURES_SUMMARISED", "APPROVAL_REQUESTED", "USER_ROLE_CHANGED", "USER_ROLE_GRANTED",
  "INCIDENT_HELD_FOR_APPROVAL", "AGENT_KEY_COPY_LOST",
]);

export function severityOf(action: string): Severity {
  if (CRITICAL.has(action)) return "critical";
  if (WARNING.has(action)) return "warning";
  return "info";
}

/** Subject words: "key", "link", "node"... keep their own name; the system is not named. */
const SUBJECT_NOUNS: Record<string, string> = { key: "Key", link: "Link", node: "Node", user: "User", approval: "Approval", policy: "Policy", incident: "Incident" };

/** "Key revoked", "Link contained", "Node isolated": the noun from the subject, the verb from the action. */
export function feedHeadline(action: string, subjectType: string): string {
  const noun = SUBJECT_NOUNS[subjectType];
  const label = actionLabel(action);
  if (!noun) return label;
  // Action names repeat their subject (KEY_REVOKED, LINK_CONTAINED): drop it from the verb.
  const verb = action.startsWith(`${subjectType.toUpperCase()}_`) ? actionLabel(action.slice(subjectType.length + 1)) : label;
  return `${noun} ${verb.charAt(0).toLowerCase()}${verb.slice(1)}`;
}

export const SEVERITY_STYLES: Record<Severity, { row: string; badge: string; label: string }> = {
  critical: { row: "border-l-rose-500 bg-rose-950/50", badge: "bg-rose-700 text-white", label: "Critical" },
  warning: { row: "border-l-amber-400 bg-amber-950/40", badge: "bg-amber-400 text-slate-950", label: "Warning" },
  info: { row: "border-l-sky-500 bg-panel/90", badge: "bg-slate-600 text-white", label: "Info" },
};
