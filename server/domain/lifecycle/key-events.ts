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
  | { type: "DESTROY" }
  /** ETSI 014 enc_keys: the master application takes the key; the slaves named may fetch it (KEY-DELIVERY.md §5.2). */
  | { type: "ISSUE_TO_SAE"; saeId: string; slaves: string[]; sizeBits: number }
  /** ETSI 014 dec_keys: an addressed slave application fetches the key. */
  | { type: "FETCH_BY_SAE"; saeId: string }
  /** Every addressed application has the key: it is destroyed at once (follows the last FETCH_BY_SAE). */
  | { type: "CONSUME" };

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
  "ISSUE_TO_SAE",
  "FETCH_BY_SAE",
  "CONSUME",
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
  // Application deliveries (ETSI GS QKD 014): only the KME's claim jobs apply these, never an operator.
  ISSUE_TO_SAE: { from: ["ACTIVE"], to: null, action: "KEY_ISSUED_TO_SAE", label: "Issue to an application" },
  FETCH_BY_SAE: { from: ["ACTIVE", "ROTATING"], to: null, action: "KEY_FETCHED_BY_SAE", label: "Deliver to an addressed application" },
  CONSUME: { from: ["ACTIVE", "ROTATING"], to: "DESTROYED", action: "KEY_CONSUMED", label: "Consume (every addressed application has it)" },
};

/** Events only the system applies (application deliveries), never offered as an operator's action. */
export const SYSTEM_ONLY_EVENTS: ReadonlySet<KeyEventType> = new Set(["ISSUE_TO_SAE", "FETCH_BY_SAE", "CONSUME"]);

/** Audit actions that are not transitions of an existing key. */
export const KEY_GENERATED_ACTION = "KEY_GENERATED";
export const KEY_GENERATION_FAILED_ACTION = "KEY_GENERATION_FAILED";

/** Events the table accepts from a state (guards may still refuse them). */
export function eventsFrom(state: KeyState): KeyEventType[] {
  return KEY_EVENT_TYPES.filter((t) => TRANSITIONS[t].from.includes(state));
}

/** What an operator may do to a key in this state (the key page's actions): the table without the system's own events. */
export function operatorEventsFrom(state: KeyState): KeyEventType[] {
  return eventsFrom(state).filter((t) => !SYSTEM_ONLY_EVENTS.has(t));
}
