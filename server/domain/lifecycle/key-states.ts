/**
 * The states of a key (seed: GENERATED -> DISTRIBUTED -> ACTIVE -> ROTATING ->
 * RETIRED, with REVOKED on compromise and DESTROYED at the end of the line) and
 * what each means to an operator.
 */
export const KEY_STATES = [
  "GENERATED",
  "DISTRIBUTED",
  "ACTIVE",
  "ROTATING",
  "RETIRED",
  "REVOKED",
  "DESTROYED",
] as const;

export type KeyState = (typeof KEY_STATES)[number];

/** States from which no event leads anywhere. */
export const TERMINAL_STATES: ReadonlySet<KeyState> = new Set(["REVOKED", "DESTROYED"]);

/** States in which material must have been zeroised. */
export const MATERIAL_ZEROISED_STATES: ReadonlySet<KeyState> = new Set(["REVOKED", "DESTROYED"]);

/** States in which the key may protect traffic (ROTATING: the overlap period). */
export const USABLE_STATES: ReadonlySet<KeyState> = new Set(["ACTIVE", "ROTATING"]);

export const KEY_STATE_DESCRIPTIONS: Record<KeyState, string> = {
  GENERATED: "Material drawn from the entropy source; not yet sent to any node.",
  DISTRIBUTED: "Sent to its participants over QKD channels; waiting for every receipt.",
  ACTIVE: "In operational use; usage counted and integrity monitored.",
  ROTATING: "A replacement is being distributed; this key stays usable until the overlap ends.",
  RETIRED: "Out of operational use; archived until its retention period ends.",
  REVOKED: "Invalidated on suspected compromise; every holder purged it.",
  DESTROYED: "Material zeroised; the record and its audit history remain.",
};

export function isKeyState(value: string): value is KeyState {
  return (KEY_STATES as readonly string[]).includes(value);
}
