/**
 * Table-driven tests of the pure lifecycle engine: every (state, event) pair,
 * every guard, the effects each transition asks the service to carry out, and
 * purity. The expected transitions are written out here independently of
 * TRANSITIONS so that an accidental edit of the table fails a test.
 */
import { describe, expect, it } from "vitest";
import { DomainError } from "../errors/domain-error";
import { eventsFrom, KEY_EVENT_TYPES, TRANSITIONS, type KeyEvent, type KeyEventType } from "./key-events";
import { decide, type Decision, type KeyEffect, type KeySnapshot, type StateStamp } from "./key-lifecycle";
import { KEY_STATES, MATERIAL_ZEROISED_STATES, TERMINAL_STATES, USABLE_STATES, type KeyState } from "./key-states";
import { TransitionRefusedError, type GuardCode } from "./transition-refused";

// ---------------------------------------------------------------------------
// The expected lifecycle, written out by hand from the seed and DOMAIN.md.
// `to: null` means the event is recorded but the key stays where it is.
// ---------------------------------------------------------------------------

interface ExpectedTransition {
  from: KeyState;
  event: KeyEventType;
  to: KeyState | null;
  action: string;
}

const EXPECTED_TRANSITIONS: readonly ExpectedTransition[] = [
  { from: "GENERATED", event: "DISTRIBUTE", to: "DISTRIBUTED", action: "KEY_DISTRIBUTED" },
  { from: "DISTRIBUTED", event: "CONFIRM_RECEIPT", to: null, action: "KEY_RECEIPT_CONFIRMED" },
  { from: "DISTRIBUTED", event: "ACTIVATE", to: "ACTIVE", action: "KEY_ACTIVATED" },
  { from: "GENERATED", event: "FAIL_DISTRIBUTION", to: "DESTROYED", action: "KEY_DISTRIBUTION_FAILED" },
  { from: "DISTRIBUTED", event: "FAIL_DISTRIBUTION", to: "DESTROYED", action: "KEY_DISTRIBUTION_FAILED" },
  { from: "ACTIVE", event: "RECORD_USAGE", to: null, action: "KEY_USAGE_RECORDED" },
  { from: "ROTATING", event: "RECORD_USAGE", to: null, action: "KEY_USAGE_RECORDED" },
  { from: "ACTIVE", event: "BEGIN_ROTATION", to: "ROTATING", action: "KEY_ROTATION_STARTED" },
  { from: "ROTATING", event: "COMPLETE_ROTATION", to: "RETIRED", action: "KEY_RETIRED" },
  { from: "ROTATING", event: "CANCEL_ROTATION", to: "ACTIVE", action: "KEY_ROTATION_CANCELLED" },
  { from: "GENERATED", event: "REVOKE", to: "REVOKED", action: "KEY_REVOKED" },
  { from: "DISTRIBUTED", event: "REVOKE", to: "REVOKED", action: "KEY_REVOKED" },
  { from: "ACTIVE", event: "REVOKE", to: "REVOKED", action: "KEY_REVOKED" },
  { from: "ROTATING", event: "REVOKE", to: "REVOKED", action: "KEY_REVOKED" },
  { from: "RETIRED", event: "REVOKE", to: "REVOKED", action: "KEY_REVOKED" },
  { from: "RETIRED", event: "DESTROY", to: "DESTROYED", action: "KEY_DESTROYED" },
  // ETSI 014 application deliveries (KEY-DELIVERY.md §5.2).
  { from: "ACTIVE", event: "ISSUE_TO_SAE", to: null, action: "KEY_ISSUED_TO_SAE" },
  { from: "ACTIVE", event: "FETCH_BY_SAE", to: null, action: "KEY_FETCHED_BY_SAE" },
  { from: "ROTATING", event: "FETCH_BY_SAE", to: null, action: "KEY_FETCHED_BY_SAE" },
  { from: "ACTIVE", event: "CONSUME", to: "DESTROYED", action: "KEY_CONSUMED" },
  { from: "ROTATING", event: "CONSUME", to: "DESTROYED", action: "KEY_CONSUMED" },
];

const EXPECTED_STATES = ["GENERATED", "DISTRIBUTED", "ACTIVE", "ROTATING", "RETIRED", "REVOKED", "DESTROYED"];
const EXPECTED_EVENT_TYPES = [
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
];

/** Which timestamp column entering a state sets (hand-written, not the engine's map). */
const EXPECTED_STAMP: Record<KeyState, StateStamp | null> = {
  GENERATED: null,
  DISTRIBUTED: "distributedAt",
  ACTIVE: "activatedAt",
  ROTATING: "rotatingAt",
  RETIRED: "retiredAt",
  REVOKED: "revokedAt",
  DESTROYED: "destroyedAt",
};

/**
 * Transitions that enter a state without setting its timestamp: a cancelled
 * rotation returns to ACTIVE but keeps the key's first activation time, so a
 * cryptoperiod counted from it does not restart.
 */
const UNSTAMPED_TRANSITIONS: ReadonlySet<string> = new Set(["ROTATING CANCEL_ROTATION"]);

/** The timestamp column a transition is expected to set. */
function expectedStamp(t: ExpectedTransition): StateStamp | null {
  if (t.to === null || UNSTAMPED_TRANSITIONS.has(`${t.from} ${t.event}`)) return null;
  return EXPECTED_STAMP[t.to];
}

function expectedFor(state: KeyState, event: KeyEventType): ExpectedTransition | undefined {
  return EXPECTED_TRANSITIONS.find((t) => t.from === state && t.event === event);
}

// ---------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------

const NOW = new Date("2025-06-01T12:00:00.000Z");
const DAY_MS = 86_400_000;
const OVERLAP_SECONDS = 3600;
const RETENTION_DAYS = 30;

function snapshot(overrides: Partial<KeySnapshot> = {}): KeySnapshot {
  return {
    state: "GENERATED",
    participants: [
      { nodeId: "hub", confirmed: true },
      { nodeId: "node-a", confirmed: true },
    ],
    retiredAt: null,
    retentionDays: RETENTION_DAYS,
    overlapSeconds: OVERLAP_SECONDS,
    successor: null,
    ...overrides,
  };
}

/** An event of each type with valid parameters. */
function validEvent(type: KeyEventType): KeyEvent {
  switch (type) {
    case "DISTRIBUTE":
      return { type };
    case "CONFIRM_RECEIPT":
      return { type, nodeId: "node-a" };
    case "ACTIVATE":
      return { type };
    case "FAIL_DISTRIBUTION":
      return { type, reason: "no QKD path to node-a" };
    case "RECORD_USAGE":
      return { type, count: 3 };
    case "BEGIN_ROTATION":
      return { type, reason: "cryptoperiod elapsed" };
    case "COMPLETE_ROTATION":
      return { type };
    case "CANCEL_ROTATION":
      return { type, reason: "replacement could not be distributed" };
    case "REVOKE":
      return { type, reason: "QBER above abort threshold on link hub-a" };
    case "DESTROY":
      return { type };
    case "ISSUE_TO_SAE":
      return { type, saeId: "sae-bank-1", slaves: ["sae-stock-1"], sizeBits: 128 };
    case "FETCH_BY_SAE":
      return { type, saeId: "sae-stock-1" };
    case "CONSUME":
      return { type };
  }
}

/** A snapshot in `state` that passes every guard of `event`. */
function guardedSnapshot(state: KeyState, event: KeyEventType): KeySnapshot {
  return snapshot({
    state,
    participants: [
      { nodeId: "hub", confirmed: true },
      // CONFIRM_RECEIPT needs a participant that has not confirmed yet.
      { nodeId: "node-a", confirmed: event !== "CONFIRM_RECEIPT" },
    ],
    // COMPLETE_ROTATION needs an ACTIVE successor whose overlap has elapsed;
    // CANCEL_ROTATION needs one that is not ACTIVE yet.
    successor:
      event === "COMPLETE_ROTATION"
        ? { state: "ACTIVE", activatedAt: new Date(NOW.getTime() - OVERLAP_SECONDS * 1000 - 1000) }
        : event === "CANCEL_ROTATION"
          ? { state: "DISTRIBUTED", activatedAt: null }
          : null,
    // DESTROY needs an expired retention period.
    retiredAt: state === "RETIRED" ? new Date(NOW.getTime() - (RETENTION_DAYS + 1) * DAY_MS) : null,
    sizeBits: 256,
    // ISSUE_TO_SAE needs an unassigned key; FETCH_BY_SAE an addressed slave that has not fetched; CONSUME every delivery done.
    saeDeliveries:
      event === "FETCH_BY_SAE"
        ? [{ saeId: "sae-bank-1", role: "master", delivered: true }, { saeId: "sae-stock-1", role: "slave", delivered: false }]
        : event === "CONSUME"
          ? [{ saeId: "sae-bank-1", role: "master", delivered: true }, { saeId: "sae-stock-1", role: "slave", delivered: true }]
          : [],
  });
}

function catchRefusal(fn: () => unknown): TransitionRefusedError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TransitionRefusedError);
    return e as TransitionRefusedError;
  }
  throw new Error("expected decide to throw TransitionRefusedError, but it returned");
}

function expectGuard(fn: () => unknown, guard: GuardCode): TransitionRefusedError {
  const err = catchRefusal(fn);
  expect(err).toBeInstanceOf(DomainError);
  expect(err.code).toBe("GUARD_FAILED");
  expect(err.guard).toBe(guard);
  expect(err.details).toMatchObject({ guard });
  return err;
}

function effectTypes(d: Decision): string[] {
  return d.effects.map((e) => e.type);
}

function effect<T extends KeyEffect["type"]>(d: Decision, type: T): Extract<KeyEffect, { type: T }> | undefined {
  return d.effects.find((e): e is Extract<KeyEffect, { type: T }> => e.type === type);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}

// ---------------------------------------------------------------------------
// The table itself
// ---------------------------------------------------------------------------

describe("the transition table", () => {
  it("has exactly the expected states and event types, in order", () => {
    expect([...KEY_STATES]).toEqual(EXPECTED_STATES);
    expect([...KEY_EVENT_TYPES]).toEqual(EXPECTED_EVENT_TYPES);
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...EXPECTED_EVENT_TYPES].sort());
  });

  it("equals the hand-written seed transitions (from, event, to, action)", () => {
    const fromTable = KEY_EVENT_TYPES.flatMap((event) =>
      TRANSITIONS[event].from.map((from) => ({ from, event, to: TRANSITIONS[event].to, action: TRANSITIONS[event].action })),
    );
    const key = (t: ExpectedTransition) => `${t.from} ${t.event}`;
    const sortBy = (a: ExpectedTransition, b: ExpectedTransition) => key(a).localeCompare(key(b));
    expect([...fromTable].sort(sortBy)).toEqual([...EXPECTED_TRANSITIONS].sort(sortBy));
  });

  it("lists no state twice for an event", () => {
    for (const event of KEY_EVENT_TYPES) {
      expect(new Set(TRANSITIONS[event].from).size).toBe(TRANSITIONS[event].from.length);
    }
  });

  it("has REVOKED and DESTROYED as the only terminal states, with material zeroised in both", () => {
    expect([...TERMINAL_STATES].sort()).toEqual(["DESTROYED", "REVOKED"]);
    expect([...MATERIAL_ZEROISED_STATES].sort()).toEqual(["DESTROYED", "REVOKED"]);
    expect([...USABLE_STATES].sort()).toEqual(["ACTIVE", "ROTATING"]);
    for (const state of KEY_STATES) {
      const expected = EXPECTED_TRANSITIONS.filter((t) => t.from === state).map((t) => t.event);
      expect(eventsFrom(state).sort()).toEqual([...expected].sort());
      expect(eventsFrom(state).length === 0).toBe(TERMINAL_STATES.has(state));
    }
  });

  it("reaches every state from GENERATED", () => {
    const reached = new Set<KeyState>(["GENERATED"]);
    let grew = true;
    while (grew) {
      grew = false;
      for (const t of EXPECTED_TRANSITIONS) {
        if (reached.has(t.from) && t.to && !reached.has(t.to)) {
          reached.add(t.to);
          grew = true;
        }
      }
    }
    expect([...reached].sort()).toEqual([...KEY_STATES].sort());
  });
});

// ---------------------------------------------------------------------------
// Every (state, event) pair
// ---------------------------------------------------------------------------

const ALL_PAIRS = KEY_STATES.flatMap((state) => KEY_EVENT_TYPES.map((event) => ({ state, event })));

describe("decide on every (state, event) pair", () => {
  it("covers 7 x 13 pairs", () => {
    expect(ALL_PAIRS).toHaveLength(91);
  });

  it.each(ALL_PAIRS)("$state + $event", ({ state, event }) => {
    const expected = expectedFor(state, event);
    const inTable = TRANSITIONS[event].from.includes(state);
    expect(inTable).toBe(expected !== undefined);

    const key = guardedSnapshot(state, event);
    if (expected) {
      const d = decide(key, validEvent(event), NOW);
      const to = expected.to ?? state;
      expect(d.event).toBe(event);
      expect(d.from).toBe(state);
      expect(d.to).toBe(to);
      expect(d.to).toBe(TRANSITIONS[event].to ?? state);
      expect(d.action).toBe(expected.action);
      expect(d.action).toBe(TRANSITIONS[event].action);
      expect(d.stamp).toBe(expectedStamp(expected));
    } else {
      const err = catchRefusal(() => decide(key, validEvent(event), NOW));
      expect(err).toBeInstanceOf(DomainError);
      expect(err.name).toBe("TransitionRefusedError");
      expect(err.code).toBe("TRANSITION_REFUSED");
      expect(err.state).toBe(state);
      expect(err.event).toBe(event);
      expect(err.guard).toBeNull();
      expect(err.details).toEqual({ state, event, guard: null });
      expect(err.message).toContain(state);
      expect(err.message).toContain(event);
      // The table check comes before any guard: a snapshot that would also fail
      // guards is still refused as a disallowed transition.
      const bad = snapshot({ state, participants: [], successor: null, retiredAt: null });
      const err2 = catchRefusal(() => decide(bad, validEvent(event), NOW));
      expect(err2.code).toBe("TRANSITION_REFUSED");
      expect(err2.guard).toBeNull();
    }
  });

  it("tells the operator what is allowed instead, or that the state is final", () => {
    const err = catchRefusal(() => decide(snapshot({ state: "ACTIVE" }), { type: "DESTROY" }, NOW));
    for (const allowed of ["RECORD_USAGE", "BEGIN_ROTATION", "REVOKE"]) expect(err.message).toContain(allowed);
    for (const state of ["REVOKED", "DESTROYED"] as const) {
      const final = catchRefusal(() => decide(snapshot({ state }), { type: "REVOKE", reason: "again" }, NOW));
      expect(final.message).toMatch(/final/);
    }
  });
});

// ---------------------------------------------------------------------------
// Guards
// ---------------------------------------------------------------------------

describe("guards", () => {
  describe("DISTRIBUTE", () => {
    it("NO_PARTICIPANTS: a key with no participants cannot be distributed", () => {
      expectGuard(() => decide(snapshot({ state: "GENERATED", participants: [] }), { type: "DISTRIBUTE" }, NOW), "NO_PARTICIPANTS");
    });

    it("records the participants it is sent to", () => {
      const d = decide(snapshot({ state: "GENERATED" }), { type: "DISTRIBUTE" }, NOW);
      expect(d.details).toEqual({ participants: ["hub", "node-a"] });
      expect(d.effects).toEqual([]);
    });
  });

  describe("CONFIRM_RECEIPT", () => {
    const distributed = snapshot({
      state: "DISTRIBUTED",
      participants: [
        { nodeId: "hub", confirmed: false },
        { nodeId: "node-a", confirmed: false },
        { nodeId: "node-b", confirmed: true },
      ],
    });

    it("UNKNOWN_PARTICIPANT: a node that does not hold the key cannot confirm it", () => {
      const err = expectGuard(
        () => decide(distributed, { type: "CONFIRM_RECEIPT", nodeId: "node-z" }, NOW),
        "UNKNOWN_PARTICIPANT",
      );
      expect(err.message).toContain("node-z");
      expectGuard(() => decide(distributed, { type: "CONFIRM_RECEIPT", nodeId: "" }, NOW), "UNKNOWN_PARTICIPANT");
      // Node ids are matched exactly.
      expectGuard(() => decide(distributed, { type: "CONFIRM_RECEIPT", nodeId: "HUB" }, NOW), "UNKNOWN_PARTICIPANT");
    });

    it("RECEIPT_ALREADY_CONFIRMED: a node confirms once", () => {
      const err = expectGuard(
        () => decide(distributed, { type: "CONFIRM_RECEIPT", nodeId: "node-b" }, NOW),
        "RECEIPT_ALREADY_CONFIRMED",
      );
      expect(err.message).toContain("node-b");
    });

    it("earlier receipts mark the receipt only; the last one also asks for activation", () => {
      const first = decide(distributed, { type: "CONFIRM_RECEIPT", nodeId: "hub" }, NOW);
      expect(first.to).toBe("DISTRIBUTED");
      expect(first.effects).toEqual([{ type: "MARK_RECEIPT", nodeId: "hub" }]);
      expect(first.details).toEqual({ nodeId: "hub", pending: ["node-a"] });

      const afterFirst = snapshot({
        ...distributed,
        participants: distributed.participants.map((p) => (p.nodeId === "hub" ? { ...p, confirmed: true } : p)),
      });
      const last = decide(afterFirst, { type: "CONFIRM_RECEIPT", nodeId: "node-a" }, NOW);
      expect(last.to).toBe("DISTRIBUTED");
      expect(last.effects).toEqual([{ type: "MARK_RECEIPT", nodeId: "node-a" }, { type: "ACTIVATE_WHEN_ALL_CONFIRMED" }]);
      expect(last.details).toEqual({ nodeId: "node-a", pending: [] });
    });

    it("a single participant's receipt is at once the last one", () => {
      const d = decide(
        snapshot({ state: "DISTRIBUTED", participants: [{ nodeId: "hub", confirmed: false }] }),
        { type: "CONFIRM_RECEIPT", nodeId: "hub" },
        NOW,
      );
      expect(effectTypes(d)).toEqual(["MARK_RECEIPT", "ACTIVATE_WHEN_ALL_CONFIRMED"]);
    });
  });

  describe("ACTIVATE", () => {
    it("RECEIPTS_PENDING: names every node that has not confirmed", () => {
      const err = expectGuard(
        () =>
          decide(
            snapshot({
              state: "DISTRIBUTED",
              participants: [
                { nodeId: "hub", confirmed: true },
                { nodeId: "node-a", confirmed: false },
                { nodeId: "node-b", confirmed: false },
              ],
            }),
            { type: "ACTIVATE" },
            NOW,
          ),
        "RECEIPTS_PENDING",
      );
      expect(err.message).toContain("node-a");
      expect(err.message).toContain("node-b");
      expect(err.message).not.toContain("hub");
    });

    it("NO_PARTICIPANTS: a key nobody holds is never activated", () => {
      expectGuard(() => decide(snapshot({ state: "DISTRIBUTED", participants: [] }), { type: "ACTIVATE" }, NOW), "NO_PARTICIPANTS");
    });

    it("activates once every participant confirmed", () => {
      const d = decide(snapshot({ state: "DISTRIBUTED" }), { type: "ACTIVATE" }, NOW);
      expect(d.to).toBe("ACTIVE");
      expect(d.stamp).toBe("activatedAt");
    });
  });

  describe("BEGIN_ROTATION", () => {
    const begin: KeyEvent = { type: "BEGIN_ROTATION", reason: "cryptoperiod elapsed" };

    it("PREDECESSOR_STILL_ROTATING: a key whose predecessor's overlap is still running cannot rotate", () => {
      const err = expectGuard(() => decide(snapshot({ state: "ACTIVE", predecessorRotating: true }), begin, NOW), "PREDECESSOR_STILL_ROTATING");
      expect(err.state).toBe("ACTIVE");
      expect(err.event).toBe("BEGIN_ROTATION");
      expect(err.details).toEqual({ state: "ACTIVE", event: "BEGIN_ROTATION", guard: "PREDECESSOR_STILL_ROTATING" });
      expect(err.message).toMatch(/ROTATING/);
    });

    it("allows the rotation once the predecessor is no longer ROTATING, or when there is none", () => {
      for (const predecessorRotating of [false, undefined]) {
        const d = decide(snapshot({ state: "ACTIVE", predecessorRotating }), begin, NOW);
        expect(d.to).toBe("ROTATING");
        expect(d.stamp).toBe("rotatingAt");
        expect(d.effects).toEqual([{ type: "GENERATE_SUCCESSOR", reason: "cryptoperiod elapsed" }]);
      }
      // A snapshot that does not mention the field at all (as before it existed).
      const { predecessorRotating: _omitted, ...bare } = snapshot({ state: "ACTIVE" });
      expect("predecessorRotating" in bare).toBe(false);
      expect(decide(bare, begin, NOW).to).toBe("ROTATING");
    });

    it("during the predecessor's overlap the key is still used and can still be revoked", () => {
      const key = snapshot({ state: "ACTIVE", predecessorRotating: true });
      expect(decide(key, { type: "RECORD_USAGE", count: 1 }, NOW).to).toBe("ACTIVE");
      const revoked = decide(key, { type: "REVOKE", reason: "QBER above abort threshold" }, NOW);
      expect(revoked.to).toBe("REVOKED");
      expect(effectTypes(revoked)).toEqual(["ZEROISE_MATERIAL", "PURGE_HOLDERS", "EMERGENCY_ROTATION_REQUIRED"]);
    });
  });

  describe("COMPLETE_ROTATION", () => {
    const activatedAt = new Date("2025-06-01T10:00:00.000Z");
    const rotating = (successor: KeySnapshot["successor"]) => snapshot({ state: "ROTATING", successor });

    it("SUCCESSOR_NOT_ACTIVE: no successor, a successor not yet ACTIVE, or an ACTIVE one without an activation date", () => {
      const missing = expectGuard(() => decide(rotating(null), { type: "COMPLETE_ROTATION" }, NOW), "SUCCESSOR_NOT_ACTIVE");
      expect(missing.message).toContain("missing");
      for (const state of ["GENERATED", "DISTRIBUTED", "ROTATING", "RETIRED", "REVOKED", "DESTROYED"] as const) {
        const err = expectGuard(
          () => decide(rotating({ state, activatedAt: null }), { type: "COMPLETE_ROTATION" }, NOW),
          "SUCCESSOR_NOT_ACTIVE",
        );
        expect(err.message).toContain(state);
      }
      expectGuard(
        () => decide(rotating({ state: "ACTIVE", activatedAt: null }), { type: "COMPLETE_ROTATION" }, NOW),
        "SUCCESSOR_NOT_ACTIVE",
      );
    });

    it("OVERLAP_NOT_ELAPSED: allowed exactly at activatedAt + overlap, refused 1 ms before", () => {
      const key = rotating({ state: "ACTIVE", activatedAt });
      const overlapEnds = activatedAt.getTime() + OVERLAP_SECONDS * 1000;

      const err = expectGuard(
        () => decide(key, { type: "COMPLETE_ROTATION" }, new Date(overlapEnds - 1)),
        "OVERLAP_NOT_ELAPSED",
      );
      expect(err.message).toContain(new Date(overlapEnds).toISOString());
      expectGuard(() => decide(key, { type: "COMPLETE_ROTATION" }, activatedAt), "OVERLAP_NOT_ELAPSED");

      const d = decide(key, { type: "COMPLETE_ROTATION" }, new Date(overlapEnds));
      expect(d.to).toBe("RETIRED");
      expect(d.stamp).toBe("retiredAt");
      expect(d.effects).toEqual([]);
      expect(d.details).toEqual({ overlapSeconds: OVERLAP_SECONDS });
    });

    it("a zero overlap allows completion the moment the successor is ACTIVE", () => {
      const key = snapshot({ state: "ROTATING", overlapSeconds: 0, successor: { state: "ACTIVE", activatedAt } });
      expect(decide(key, { type: "COMPLETE_ROTATION" }, activatedAt).to).toBe("RETIRED");
    });
  });

  describe("CANCEL_ROTATION", () => {
    it("ROTATION_PAST_POINT_OF_NO_RETURN: an ACTIVE successor cannot be abandoned", () => {
      expectGuard(
        () =>
          decide(
            snapshot({ state: "ROTATING", successor: { state: "ACTIVE", activatedAt: NOW } }),
            { type: "CANCEL_ROTATION", reason: "changed my mind" },
            NOW,
          ),
        "ROTATION_PAST_POINT_OF_NO_RETURN",
      );
    });

    it("abandons a successor that is not ACTIVE yet (or is missing) and returns to ACTIVE", () => {
      for (const successor of [null, { state: "GENERATED", activatedAt: null }, { state: "DISTRIBUTED", activatedAt: null }] as const) {
        const d = decide(snapshot({ state: "ROTATING", successor }), { type: "CANCEL_ROTATION", reason: "  no path  " }, NOW);
        expect(d.to).toBe("ACTIVE");
        expect(d.effects).toEqual([{ type: "ABANDON_SUCCESSOR", reason: "no path" }]);
        expect(d.details).toEqual({ reason: "no path" });
      }
    });

    it("sets no timestamp: the key keeps its first activation time, so its cryptoperiod does not restart", () => {
      for (const successor of [null, { state: "GENERATED", activatedAt: null }, { state: "DISTRIBUTED", activatedAt: null }] as const) {
        const d = decide(snapshot({ state: "ROTATING", successor }), { type: "CANCEL_ROTATION", reason: "no path" }, NOW);
        expect(d.to).toBe("ACTIVE");
        expect(d.stamp).toBeNull();
      }
      // Whereas the first activation does set it.
      expect(decide(snapshot({ state: "DISTRIBUTED" }), { type: "ACTIVATE" }, NOW).stamp).toBe("activatedAt");
    });
  });

  describe("DESTROY", () => {
    const retiredAt = new Date("2025-05-01T00:00:00.000Z");
    const retired = snapshot({ state: "RETIRED", retiredAt });
    const expires = retiredAt.getTime() + RETENTION_DAYS * DAY_MS;

    it("RETENTION_NOT_EXPIRED: allowed exactly when retention ends, refused 1 ms before", () => {
      const err = expectGuard(() => decide(retired, { type: "DESTROY" }, new Date(expires - 1)), "RETENTION_NOT_EXPIRED");
      expect(err.message).toContain(new Date(expires).toISOString());
      const d = decide(retired, { type: "DESTROY" }, new Date(expires));
      expect(d.to).toBe("DESTROYED");
      expect(d.stamp).toBe("destroyedAt");
      expect(d.details).toEqual({ retentionDays: RETENTION_DAYS });
    });

    it("RETENTION_NOT_EXPIRED: a retired key without a retirement date is never destroyed", () => {
      expectGuard(
        () => decide(snapshot({ state: "RETIRED", retiredAt: null }), { type: "DESTROY" }, new Date(8.64e15)),
        "RETENTION_NOT_EXPIRED",
      );
    });

    it("a zero retention allows destruction at the moment of retirement", () => {
      const d = decide(snapshot({ state: "RETIRED", retiredAt, retentionDays: 0 }), { type: "DESTROY" }, retiredAt);
      expect(d.to).toBe("DESTROYED");
    });
  });

  describe("INVALID_EVENT", () => {
    const blankReasons = ["", " ", "   ", "\t\n"];
    const reasonEvents: Array<{ state: KeyState; make: (reason: string) => KeyEvent; successor?: KeySnapshot["successor"] }> = [
      { state: "GENERATED", make: (reason) => ({ type: "FAIL_DISTRIBUTION", reason }) },
      { state: "DISTRIBUTED", make: (reason) => ({ type: "FAIL_DISTRIBUTION", reason }) },
      { state: "ACTIVE", make: (reason) => ({ type: "BEGIN_ROTATION", reason }) },
      { state: "ROTATING", make: (reason) => ({ type: "CANCEL_ROTATION", reason }) },
      ...(["GENERATED", "DISTRIBUTED", "ACTIVE", "ROTATING", "RETIRED"] as const).map((state) => ({
        state,
        make: (reason: string): KeyEvent => ({ type: "REVOKE", reason }),
      })),
    ];

    it.each(reasonEvents.map((r) => ({ ...r, type: r.make("x").type })))(
      "$type from $state needs a non-blank reason",
      ({ state, make }) => {
        for (const reason of blankReasons) {
          const err = expectGuard(() => decide(snapshot({ state }), make(reason), NOW), "INVALID_EVENT");
          expect(err.message).toMatch(/reason/);
        }
        // A reason is trimmed before it is recorded.
        const d = decide(snapshot({ state }), make("  link down  "), NOW);
        expect(d.details).toEqual({ reason: "link down" });
      },
    );

    it("RECORD_USAGE needs a positive whole count (0, negative, 1.5, NaN, Infinity, unsafe are refused)", () => {
      for (const state of ["ACTIVE", "ROTATING"] as const) {
        for (const count of [0, -1, -0, 1.5, 0.5, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER + 1]) {
          const err = expectGuard(() => decide(snapshot({ state }), { type: "RECORD_USAGE", count }, NOW), "INVALID_EVENT");
          expect(err.message).toMatch(/count/);
        }
        for (const count of [1, 7, Number.MAX_SAFE_INTEGER]) {
          const d = decide(snapshot({ state }), { type: "RECORD_USAGE", count }, NOW);
          expect(d.to).toBe(state);
          expect(d.stamp).toBeNull();
          expect(d.effects).toEqual([{ type: "INCREMENT_USAGE", count }]);
          expect(d.details).toEqual({ count });
        }
      }
    });
  });

  it("guard refusals carry the state and event too", () => {
    const err = expectGuard(() => decide(snapshot({ state: "RETIRED", retiredAt: NOW }), { type: "DESTROY" }, NOW), "RETENTION_NOT_EXPIRED");
    expect(err.state).toBe("RETIRED");
    expect(err.event).toBe("DESTROY");
    expect(err.details).toEqual({ state: "RETIRED", event: "DESTROY", guard: "RETENTION_NOT_EXPIRED" });
  });
});

// ---------------------------------------------------------------------------
// Effects
// ---------------------------------------------------------------------------

describe("effects", () => {
  const reason = "intercept-resend detected on link hub-a";
  const revoke = (key: KeySnapshot) => decide(key, { type: "REVOKE", reason }, NOW);

  it("REVOKE from ACTIVE zeroises, purges every holder and requires an emergency rotation", () => {
    const d = revoke(snapshot({ state: "ACTIVE" }));
    expect(d.to).toBe("REVOKED");
    expect(d.stamp).toBe("revokedAt");
    expect(d.effects).toEqual([
      { type: "ZEROISE_MATERIAL" },
      { type: "PURGE_HOLDERS" },
      { type: "EMERGENCY_ROTATION_REQUIRED", reason },
    ]);
    expect(effect(d, "ABANDON_SUCCESSOR")).toBeUndefined();
  });

  it("REVOKE of a key that never protected traffic, or no longer does, needs no emergency rotation", () => {
    for (const state of ["GENERATED", "DISTRIBUTED", "RETIRED"] as const) {
      const d = revoke(snapshot({ state, retiredAt: state === "RETIRED" ? NOW : null }));
      expect(d.effects).toEqual([{ type: "ZEROISE_MATERIAL" }, { type: "PURGE_HOLDERS" }]);
    }
  });

  it("REVOKE from ROTATING with a successor not (yet) ACTIVE also abandons the successor, before the emergency rotation", () => {
    const successors: Array<KeySnapshot["successor"]> = [
      null,
      { state: "GENERATED", activatedAt: null },
      { state: "DISTRIBUTED", activatedAt: null },
    ];
    for (const successor of successors) {
      const d = revoke(snapshot({ state: "ROTATING", successor }));
      // Order matters: the service runs effects in sequence, and abandoning after
      // the emergency replacement was generated would abandon that one too.
      expect(effectTypes(d)).toEqual(["ZEROISE_MATERIAL", "PURGE_HOLDERS", "ABANDON_SUCCESSOR", "EMERGENCY_ROTATION_REQUIRED"]);
      expect(effect(d, "EMERGENCY_ROTATION_REQUIRED")?.reason).toBe(reason);
      expect(effect(d, "ABANDON_SUCCESSOR")?.reason).toContain(reason);
    }
  });

  it("REVOKE from ROTATING with an ACTIVE successor neither abandons it nor requires an emergency rotation", () => {
    const d = revoke(snapshot({ state: "ROTATING", successor: { state: "ACTIVE", activatedAt: NOW } }));
    expect(d.effects).toEqual([{ type: "ZEROISE_MATERIAL" }, { type: "PURGE_HOLDERS" }]);
  });

  it("FAIL_DISTRIBUTION zeroises and retries with new material", () => {
    for (const state of ["GENERATED", "DISTRIBUTED"] as const) {
      const d = decide(snapshot({ state }), { type: "FAIL_DISTRIBUTION", reason: " no path " }, NOW);
      expect(d.to).toBe("DESTROYED");
      expect(d.stamp).toBe("destroyedAt");
      expect(effect(d, "ZEROISE_MATERIAL")).toBeDefined();
      expect(effect(d, "RETRY_WITH_NEW_MATERIAL")).toEqual({ type: "RETRY_WITH_NEW_MATERIAL", reason: "no path" });
      expect(effect(d, "EMERGENCY_ROTATION_REQUIRED")).toBeUndefined();
    }
  });

  it("DESTROY zeroises and has every holder purge", () => {
    const d = decide(snapshot({ state: "RETIRED", retiredAt: new Date(0) }), { type: "DESTROY" }, NOW);
    expect(d.effects).toEqual([{ type: "ZEROISE_MATERIAL" }, { type: "PURGE_HOLDERS" }]);
  });

  it("BEGIN_ROTATION asks for a successor", () => {
    const d = decide(snapshot({ state: "ACTIVE" }), { type: "BEGIN_ROTATION", reason: "usage limit" }, NOW);
    expect(d.to).toBe("ROTATING");
    expect(d.stamp).toBe("rotatingAt");
    expect(d.effects).toEqual([{ type: "GENERATE_SUCCESSOR", reason: "usage limit" }]);
  });

  it("every transition into REVOKED or DESTROYED zeroises the material", () => {
    for (const t of EXPECTED_TRANSITIONS.filter((x) => x.to === "REVOKED" || x.to === "DESTROYED")) {
      const d = decide(guardedSnapshot(t.from, t.event), validEvent(t.event), NOW);
      expect(effect(d, "ZEROISE_MATERIAL"), `${t.from} ${t.event}`).toBeDefined();
    }
    for (const t of EXPECTED_TRANSITIONS.filter((x) => x.to !== "REVOKED" && x.to !== "DESTROYED")) {
      const d = decide(guardedSnapshot(t.from, t.event), validEvent(t.event), NOW);
      expect(effect(d, "ZEROISE_MATERIAL"), `${t.from} ${t.event}`).toBeUndefined();
    }
  });
});

// ---------------------------------------------------------------------------
// Purity
// ---------------------------------------------------------------------------

describe("purity", () => {
  it.each(ALL_PAIRS)("does not mutate a deep-frozen snapshot and is deterministic: $state + $event", ({ state, event }) => {
    const key = guardedSnapshot(state, event);
    const before = structuredClone(key);
    const frozen = deepFreeze(structuredClone(key));
    const ev = deepFreeze(validEvent(event));
    const now = new Date(NOW);

    const run = (k: KeySnapshot, e: KeyEvent, n: Date): Decision | { refused: unknown[] } => {
      try {
        return decide(k, e, n);
      } catch (err) {
        if (!(err instanceof TransitionRefusedError)) throw err;
        return { refused: [err.code, err.state, err.event, err.guard, err.message] };
      }
    };

    const a = run(frozen, ev, now);
    const b = run(structuredClone(key), validEvent(event), new Date(NOW));
    expect(a).toEqual(b);
    expect(frozen).toEqual(before);
    expect(now.getTime()).toBe(NOW.getTime());
    if (frozen.successor?.activatedAt) expect(frozen.successor.activatedAt.getTime()).toBe(before.successor?.activatedAt?.getTime());
    if (frozen.retiredAt) expect(frozen.retiredAt.getTime()).toBe(before.retiredAt?.getTime());

    // The decision shares no mutable structure with the snapshot.
    if ("details" in a && Array.isArray(a.details.participants)) {
      (a.details.participants as string[]).push("mutated");
      expect(run(frozen, ev, now)).toEqual(b);
    }
  });
});

// ---------------------------------------------------------------------------
// Application deliveries (ETSI GS QKD 014, KEY-DELIVERY.md §5.2)
// ---------------------------------------------------------------------------

describe("application deliveries", () => {
  const active = (saeDeliveries: KeySnapshot["saeDeliveries"]) => snapshot({ state: "ACTIVE", sizeBits: 256, saeDeliveries });
  const issued = (slaveDelivered: boolean, more: Array<{ saeId: string; role: "slave"; delivered: boolean }> = []) =>
    active([{ saeId: "sae-bank-1", role: "master", delivered: true }, { saeId: "sae-stock-1", role: "slave", delivered: slaveDelivered }, ...more]);

  it("issues an unassigned ACTIVE key to a master for its slaves, counting one use", () => {
    const d = decide(active([]), { type: "ISSUE_TO_SAE", saeId: "sae-bank-1", slaves: ["sae-stock-1"], sizeBits: 128 }, NOW);
    expect(d).toMatchObject({ from: "ACTIVE", to: "ACTIVE", action: "KEY_ISSUED_TO_SAE", stamp: null });
    expect(d.effects).toEqual([{ type: "INCREMENT_USAGE", count: 1 }]);
    expect(d.details).toEqual({ saeId: "sae-bank-1", role: "master", masterSaeId: "sae-bank-1", slaveSaeIds: ["sae-stock-1"], sizeBits: 128 });
  });

  it("never issues a key twice, to itself, to nobody, or larger than the key", () => {
    expectGuard(() => decide(issued(false), { type: "ISSUE_TO_SAE", saeId: "sae-x", slaves: ["sae-y"], sizeBits: 128 }, NOW), "ALREADY_ISSUED");
    for (const bad of [
      { slaves: [] as string[], sizeBits: 128 },
      { slaves: ["sae-bank-1"], sizeBits: 128 },
      { slaves: ["sae-stock-1", "sae-stock-1"], sizeBits: 128 },
      { slaves: ["sae-stock-1"], sizeBits: 264 },
      { slaves: ["sae-stock-1"], sizeBits: 12 },
      { slaves: ["sae-stock-1"], sizeBits: 0 },
    ]) {
      expectGuard(() => decide(active([]), { type: "ISSUE_TO_SAE", saeId: "sae-bank-1", ...bad }, NOW), "INVALID_EVENT");
    }
    for (const state of ["GENERATED", "DISTRIBUTED", "ROTATING", "RETIRED", "REVOKED", "DESTROYED"] as const) {
      const e = catchRefusal(() => decide(snapshot({ state }), { type: "ISSUE_TO_SAE", saeId: "a", slaves: ["b"], sizeBits: 128 }, NOW));
      expect(e.code).toBe("TRANSITION_REFUSED");
    }
  });

  it("lets each addressed slave fetch once; the last fetch asks for consumption", () => {
    const d = decide(issued(false), { type: "FETCH_BY_SAE", saeId: "sae-stock-1" }, NOW);
    expect(d).toMatchObject({ from: "ACTIVE", to: "ACTIVE", action: "KEY_FETCHED_BY_SAE" });
    expect(effectTypes(d)).toEqual(["INCREMENT_USAGE", "CONSUME_WHEN_ALL_FETCHED"]);
    expect(d.details).toEqual({ saeId: "sae-stock-1", role: "slave", masterSaeId: "sae-bank-1", remaining: [] });
    const multicast = decide(issued(false, [{ saeId: "sae-stock-2", role: "slave", delivered: false }]), { type: "FETCH_BY_SAE", saeId: "sae-stock-1" }, NOW);
    expect(effectTypes(multicast)).toEqual(["INCREMENT_USAGE"]);
    expect(multicast.details.remaining).toEqual(["sae-stock-2"]);
    const rotating = decide({ ...issued(false), state: "ROTATING" }, { type: "FETCH_BY_SAE", saeId: "sae-stock-1" }, NOW);
    expect(rotating.to).toBe("ROTATING");
  });

  it("refuses a fetch by the master, a stranger, or a slave that already has the key", () => {
    expectGuard(() => decide(issued(false), { type: "FETCH_BY_SAE", saeId: "sae-bank-1" }, NOW), "NOT_ADDRESSED");
    expectGuard(() => decide(issued(false), { type: "FETCH_BY_SAE", saeId: "sae-other" }, NOW), "NOT_ADDRESSED");
    expectGuard(() => decide(active([]), { type: "FETCH_BY_SAE", saeId: "sae-stock-1" }, NOW), "NOT_ADDRESSED");
    expectGuard(() => decide(issued(true, [{ saeId: "sae-stock-2", role: "slave", delivered: false }]), { type: "FETCH_BY_SAE", saeId: "sae-stock-1" }, NOW), "ALREADY_FETCHED");
    for (const state of ["RETIRED", "REVOKED", "DESTROYED"] as const) {
      expect(catchRefusal(() => decide({ ...issued(false), state }, { type: "FETCH_BY_SAE", saeId: "sae-stock-1" }, NOW)).code).toBe("TRANSITION_REFUSED");
    }
  });

  it("consumes a key only once every addressed application has it: destroyed, zeroised, purged", () => {
    const d = decide(issued(true), { type: "CONSUME" }, NOW);
    expect(d).toMatchObject({ from: "ACTIVE", to: "DESTROYED", action: "KEY_CONSUMED", stamp: "destroyedAt" });
    expect(effectTypes(d)).toEqual(["ZEROISE_MATERIAL", "PURGE_HOLDERS"]);
    expect(d.details).toEqual({ deliveredTo: ["sae-bank-1", "sae-stock-1"] });
    expectGuard(() => decide(issued(false), { type: "CONSUME" }, NOW), "NOT_ALL_FETCHED");
    expectGuard(() => decide(active([]), { type: "CONSUME" }, NOW), "NOT_ALL_FETCHED");
  });
});
