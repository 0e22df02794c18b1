/**
 * How each lifecycle event appears as a button on a key's page: its words, its
 * tone, what it asks for before running (a reason, a count, a confirmation).
 * Only events the API lists in `allowedEvents` are shown. CONFIRM_RECEIPT is a
 * node's own proof of possession; the console offers it as "Collect receipts",
 * which asks the (simulated) node agents for theirs.
 */
import type { DirectKeyEvent } from "./run-key-action";
import type { ButtonTone } from "@/components/ui/button-styles";

export type ActionInput = "none" | "reason" | "count";

export interface KeyActionSpec {
  event: DirectKeyEvent;
  /** data-testid of the button: action-<EVENT>, action-COLLECT_RECEIPTS for CONFIRM_RECEIPT. */
  testId: string;
  label: string;
  tone: ButtonTone;
  input: ActionInput;
  /** When set, running the action needs a second, explicit confirmation. */
  confirm?: (participants: number) => string;
  help: string;
}

/** The actions an operator runs directly on a key (revocation is requested on the key page instead, see request-approval.tsx). */
export const KEY_ACTION_SPECS: Record<DirectKeyEvent, KeyActionSpec> = {
  DISTRIBUTE: {
    event: "DISTRIBUTE", testId: "action-DISTRIBUTE", label: "Distribute", tone: "primary", input: "none",
    help: "Send the key to its participants over the QKD channels.",
  },
  CONFIRM_RECEIPT: {
    event: "CONFIRM_RECEIPT", testId: "action-COLLECT_RECEIPTS", label: "Collect receipts", tone: "primary", input: "none",
    help: "Ask every participant's node agent to prove possession; the key activates when all have confirmed.",
  },
  ACTIVATE: {
    event: "ACTIVATE", testId: "action-ACTIVATE", label: "Activate", tone: "neutral", input: "none",
    help: "Put the key into use. Needs a confirmed receipt from every participant.",
  },
  FAIL_DISTRIBUTION: {
    event: "FAIL_DISTRIBUTION", testId: "action-FAIL_DISTRIBUTION", label: "Report distribution failure", tone: "neutral", input: "reason",
    help: "Destroys this attempt; the policy retries with new material.",
  },
  RECORD_USAGE: {
    event: "RECORD_USAGE", testId: "action-RECORD_USAGE", label: "Record usage", tone: "neutral", input: "count",
    help: "Add to the key's usage counter.",
  },
  BEGIN_ROTATION: {
    event: "BEGIN_ROTATION", testId: "action-BEGIN_ROTATION", label: "Rotate", tone: "primary", input: "reason",
    help: "Generate the next generation; this key stays usable until the replacement is confirmed everywhere.",
  },
  COMPLETE_ROTATION: {
    event: "COMPLETE_ROTATION", testId: "action-COMPLETE_ROTATION", label: "Complete rotation", tone: "primary", input: "none",
    help: "Retire this key once its replacement is active and the overlap has passed.",
  },
  CANCEL_ROTATION: {
    event: "CANCEL_ROTATION", testId: "action-CANCEL_ROTATION", label: "Cancel rotation", tone: "neutral", input: "reason",
    help: "Keep this key active and give up on the replacement.",
  },
  DESTROY: {
    event: "DESTROY", testId: "action-DESTROY", label: "Destroy", tone: "danger", input: "none",
    confirm: () => "Destroying zeroises the key material. The record and its audit history remain. It cannot be undone.",
    help: "End of retention: zeroise the material.",
  },
};

/** Events that need a form (reason, count or confirmation) before they run. */
export function needsForm(spec: KeyActionSpec): boolean {
  return spec.input !== "none" || spec.confirm !== undefined;
}
