/**
 * Events that move a key through its lifecycle, the transition table that says
 * from which states each is accepted, and the audit action each one records.
 */
import type { KeyState } from "./key-states";

export type KeyEvent =
  | { type: "DISTRIBUTE" }
  | { type: "CONFIRM_RECEIPT"; nodeId: string }
  | { type: "ACTIVATE" }
  | { type: "FAIL_DISTRIBUTION"; reason: string }
  | { type: "RECORD_USAGE"; count: number }
  | { type: "BEGIN_ROTATION"; reason: string }
  | { type: "COMPLETE_ROTATION" }
  | { type: "CANCEL_ROTATION"; reason: string }
  | { type: "REVOKE"; reason: string }
  | { type: "DESTROY" };

export type KeyEventType = KeyEvent["type"];

export const KEY_EVENT_TYPES = [
  "DISTRIBUTE",
  "CONFIRM_RECEIPT",
  "ACTIVATE",
  "FAIL_DISTRIBUTION",
  "RECORD_USAGE",
  "BEGIN_ROTATION",
  "COMPLETE_ROTATION",
  "CANCEL_ROTATION",
  "REVOKE",
  "DESTROY",
] as const satisfies readonly KeyEventType[];

export interface TransitionRule {
  from: readonly KeyState[];
  /** null: the key stays in the state it is in (a recorded fact, not a move). */
  to: KeyState | null;
  action: string;
  label: string;
}

/**
 * The whole transition table. Anything not listed here is refused.
 * Beyond the seed's arrows: distribution can fail before anything was sent
 * (GENERATED, e.g. no path), a rotation whose replacement cannot be distributed
 * is cancelled back to ACTIVE (the old key must never be left in limbo), and a
 * compromise revokes a key in any state that still has material.
 */
export const TRANSITIONS: Record<KeyEventType, TransitionRule> = {
  DISTRIBUTE: { from: ["GENERATED"], to: "DISTRIBUTED", action: "KEY_DISTRIBUTED", label: "Distribute" },
  CONFIRM_RECEIPT: { from: ["DISTRIBUTED"], to: null, action: "KEY_RECEIPT_CONFIRMED", label: "Confirm receipt" },
  ACTIVATE: { from: ["DISTRIBUTED"], to: "ACTIVE", action: "KEY_ACTIVATED", label: "Activate" },
  FAIL_DISTRIBUTION: {
    from: ["GENERATED", "DISTRIBUTED"],
    to: "DESTROYED",
    action: "KEY_DISTRIBUTION_FAILED",
    label: "Report distribution failure",
  },
  RECORD_USAGE: { from: ["ACTIVE", "ROTATING"], to: null, action: "KEY_USAGE_RECORDED", label: "Record usage" },
  BEGIN_ROTATION: { from: ["ACTIVE"], to: "ROTATING", action: "KEY_ROTATION_STARTED", label: "Rotate" },
  COMPLETE_ROTATION: { from: ["ROTATING"], to: "RETIRED", action: "KEY_RETIRED", label: "Complete rotation" },
  CANCEL_ROTATION: { from: ["ROTATING"], to: "ACTIVE", action: "KEY_ROTATION_CANCELLED", label: "Cancel rotation" },
  REVOKE: {
    from: ["GENERATED", "DISTRIBUTED", "ACTIVE", "ROTATING", "RETIRED"],
    to: "REVOKED",
    action: "KEY_REVOKED",
    label: "Revoke (compromise)",
  },
  DESTROY: { from: ["RETIRED"], to: "DESTROYED", action: "KEY_DESTROYED", label: "Destroy (retention expired)" },
};

/** Audit actions that are not transitions of an existing key. */
export const KEY_GENERATED_ACTION = "KEY_GENERATED";
export const KEY_GENERATION_FAILED_ACTION = "KEY_GENERATION_FAILED";

/** Events the table accepts from a state (guards may still refuse them). */
export function eventsFrom(state: KeyState): KeyEventType[] {
  return KEY_EVENT_TYPES.filter((t) => TRANSITIONS[t].from.includes(state));
}
