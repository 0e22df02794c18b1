/**
 * Model-based property test of the lifecycle engine. The "real" system is a
 * tiny in-memory key store that applies `decide` the way the key service does
 * (server/keys/key-effects.ts: stamp, receipts, auto-activation, successors,
 * emergency replacements, retries, abandonment, zeroisation, one audit record
 * per accepted decision, all or nothing). fast-check drives it with arbitrary
 * events, valid and invalid, against arbitrary keys, and with a fake clock;
 * after every command the store's invariants are checked, and each outcome is
 * compared with an independent oracle of the seed's lifecycle.
 */
import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KEY_GENERATED_ACTION, TRANSITIONS, type KeyEvent, type KeyEventType } from "./key-events";
import { decide, type Decision, type KeySnapshot, type StateStamp } from "./key-lifecycle";
import { KEY_STATES, type KeyState } from "./key-states";
import { TransitionRefusedError, type GuardCode } from "./transition-refused";

const DAY_MS = 86_400_000;
const START = Date.parse("2025-01-01T00:00:00.000Z");
const NODES = ["hub", "n1", "n2", "n3"] as const;

// ---------------------------------------------------------------------------
// Independent oracle: the seed lifecycle written out by hand ("=" means stay).
// ---------------------------------------------------------------------------

const LEGAL: Readonly<Record<string, { to: KeyState | "="; action: string }>> = {
  "GENERATED DISTRIBUTE": { to: "DISTRIBUTED", action: "KEY_DISTRIBUTED" },
  "DISTRIBUTED CONFIRM_RECEIPT": { to: "=", action: "KEY_RECEIPT_CONFIRMED" },
  "DISTRIBUTED ACTIVATE": { to: "ACTIVE", action: "KEY_ACTIVATED" },
  "GENERATED FAIL_DISTRIBUTION": { to: "DESTROYED", action: "KEY_DISTRIBUTION_FAILED" },
  "DISTRIBUTED FAIL_DISTRIBUTION": { to: "DESTROYED", action: "KEY_DISTRIBUTION_FAILED" },
  "ACTIVE RECORD_USAGE": { to: "=", action: "KEY_USAGE_RECORDED" },
  "ROTATING RECORD_USAGE": { to: "=", action: "KEY_USAGE_RECORDED" },
  "ACTIVE BEGIN_ROTATION": { to: "ROTATING", action: "KEY_ROTATION_STARTED" },
  "ROTATING COMPLETE_ROTATION": { to: "RETIRED", action: "KEY_RETIRED" },
  "ROTATING CANCEL_ROTATION": { to: "ACTIVE", action: "KEY_ROTATION_CANCELLED" },
  "GENERATED REVOKE": { to: "REVOKED", action: "KEY_REVOKED" },
  "DISTRIBUTED REVOKE": { to: "REVOKED", action: "KEY_REVOKED" },
  "ACTIVE REVOKE": { to: "REVOKED", action: "KEY_REVOKED" },
  "ROTATING REVOKE": { to: "REVOKED", action: "KEY_REVOKED" },
  "RETIRED REVOKE": { to: "REVOKED", action: "KEY_REVOKED" },
  "RETIRED DESTROY": { to: "DESTROYED", action: "KEY_DESTROYED" },
};

const TERMINAL: ReadonlySet<KeyState> = new Set(["REVOKED", "DESTROYED"]);

const STAMP_FOR: ReadonlyArray<[StateStamp, KeyState]> = [
  ["distributedAt", "DISTRIBUTED"],
  ["activatedAt", "ACTIVE"],
  ["rotatingAt", "ROTATING"],
  ["retiredAt", "RETIRED"],
  ["revokedAt", "REVOKED"],
  ["destroyedAt", "DESTROYED"],
];

type Prediction =
  | { accepted: true; finalState: KeyState }
  | { accepted: false; code: "TRANSITION_REFUSED" }
  | { accepted: false; code: "GUARD_FAILED"; guards: GuardCode[] };

/**
 * What the seed says should happen to `key` on `event` at `now` (all failing
 * guards listed). `successor` is the replacement a rotation waits for,
 * `predecessor` the key this one replaced, if any.
 */
function predict(key: StoredKey, successor: StoredKey | undefined, predecessor: StoredKey | undefined, event: KeyEvent, now: number): Prediction {
  const legal = LEGAL[`${key.state} ${event.type}`];
  if (!legal) return { accepted: false, code: "TRANSITION_REFUSED" };
  const guards: GuardCode[] = [];
  const blank = (s: string) => s.trim() === "";
  let finalState: KeyState = legal.to === "=" ? key.state : legal.to;
  switch (event.type) {
    case "DISTRIBUTE":
      if (key.participants.length === 0) guards.push("NO_PARTICIPANTS");
      break;
    case "CONFIRM_RECEIPT": {
      const p = key.participants.find((x) => x.nodeId === event.nodeId);
      if (!p) guards.push("UNKNOWN_PARTICIPANT");
      else if (p.confirmed) guards.push("RECEIPT_ALREADY_CONFIRMED");
      else if (key.participants.every((x) => x.confirmed || x.nodeId === event.nodeId)) finalState = "ACTIVE";
      break;
    }
    case "ACTIVATE":
      if (key.participants.length === 0) guards.push("NO_PARTICIPANTS");
      if (key.participants.some((x) => !x.confirmed)) guards.push("RECEIPTS_PENDING");
      break;
    case "RECORD_USAGE":
      if (!(Number.isInteger(event.count) && event.count >= 1 && event.count <= Number.MAX_SAFE_INTEGER)) guards.push("INVALID_EVENT");
      break;
    case "FAIL_DISTRIBUTION":
    case "REVOKE":
      if (blank(event.reason)) guards.push("INVALID_EVENT");
      break;
    case "BEGIN_ROTATION":
      if (blank(event.reason)) guards.push("INVALID_EVENT");
      // A successor does not rotate while its predecessor's overlap with it runs.
      if (predecessor?.state === "ROTATING") guards.push("PREDECESSOR_STILL_ROTATING");
      break;
    case "CANCEL_ROTATION":
      if (blank(event.reason)) guards.push("INVALID_EVENT");
      if (successor?.state === "ACTIVE") guards.push("ROTATION_PAST_POINT_OF_NO_RETURN");
      break;
    case "COMPLETE_ROTATION": {
      const activatedAt = successor?.stamps.activatedAt ?? null;
      if (successor?.state !== "ACTIVE" || activatedAt === null) guards.push("SUCCESSOR_NOT_ACTIVE");
      else if (now < activatedAt + key.overlapSeconds * 1000) guards.push("OVERLAP_NOT_ELAPSED");
      break;
    }
    case "DESTROY": {
      const retiredAt = key.stamps.retiredAt;
      if (retiredAt === null || now < retiredAt + key.retentionDays * DAY_MS) guards.push("RETENTION_NOT_EXPIRED");
      break;
    }
  }
  return guards.length ? { accepted: false, code: "GUARD_FAILED", guards } : { accepted: true, finalState };
}

// ---------------------------------------------------------------------------
// The "real" system: an in-memory key store applying decide like the service.
// ---------------------------------------------------------------------------

interface StoredKey {
  id: string;
  generation: number;
  /** 1 for a new key or successor, n for the n-th distribution attempt of the same generation. */
  attempt: number;
  predecessorId: string | null;
  state: KeyState;
  participants: Array<{ nodeId: string; confirmed: boolean }>;
  retentionDays: number;
  overlapSeconds: number;
  materialZeroised: boolean;
  holdersPurged: boolean;
  usageCount: number;
  generatedAt: number;
  stamps: Record<StateStamp, number | null>;
}

interface AuditRecord {
  seq: number;
  keyId: string;
  action: string;
  /** null for records that are not transitions (generation, abandoned distribution). */
  event: KeyEventType | null;
  from: KeyState | null;
  to: KeyState | null;
  at: number;
  details: Decision["details"];
}

interface StoreData {
  now: number;
  keys: StoredKey[];
  audit: AuditRecord[];
}

interface KeySpec {
  participants: string[];
  overlapSeconds: number;
  retentionDays: number;
}

interface Applied {
  keyId: string;
  decision: Decision;
}

type Outcome =
  | { accepted: true; applied: Applied[]; created: string[]; notes: number }
  | { accepted: false; error: TransitionRefusedError };

/** As the "standard" policy (server/keys/key-policies.ts). */
const MAX_DISTRIBUTION_ATTEMPTS = 3;
const DISTRIBUTION_ABANDONED_ACTION = "KEY_DISTRIBUTION_ABANDONED";
/** States in which a successor still counts as the replacement a rotation waits for. */
const LIVE_SUCCESSOR: ReadonlySet<KeyState> = new Set(["GENERATED", "DISTRIBUTED", "ACTIVE"]);

/** Deep copy of plain data (much faster than structuredClone for many small objects). */
function copy<T>(value: T): T {
  if (Array.isArray(value)) return value.map(copy) as T;
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = copy(v);
    return out as T;
  }
  return value;
}

function successorsOf(keys: readonly StoredKey[], id: string): StoredKey[] {
  return keys.filter((k) => k.predecessorId === id);
}

/** The replacement a rotating key waits for: its newest successor not given up on. */
function liveSuccessor(keys: readonly StoredKey[], key: StoredKey): StoredKey | undefined {
  if (key.state !== "ROTATING") return undefined;
  return successorsOf(keys, key.id).filter((s) => LIVE_SUCCESSOR.has(s.state)).at(-1);
}

/** One transaction of the store: applies decisions and their effects to a private copy. */
class Transaction {
  readonly applied: Applied[] = [];
  readonly created: string[] = [];
  notes = 0;

  constructor(readonly work: StoreData) {}

  snapshot(key: StoredKey): KeySnapshot {
    const s = liveSuccessor(this.work.keys, key);
    const pred = key.predecessorId === null ? undefined : this.work.keys.find((k) => k.id === key.predecessorId);
    return {
      state: key.state,
      participants: key.participants.map((p) => ({ ...p })),
      retiredAt: key.stamps.retiredAt === null ? null : new Date(key.stamps.retiredAt),
      retentionDays: key.retentionDays,
      overlapSeconds: key.overlapSeconds,
      successor: s ? { state: s.state, activatedAt: s.stamps.activatedAt === null ? null : new Date(s.stamps.activatedAt) } : null,
      // As snapshotOf: the predecessor exists and is still ROTATING.
      predecessorRotating: pred !== undefined && pred.state === "ROTATING",
    };
  }

  /** decide + apply; throws the engine's refusal unchanged. */
  transition(key: StoredKey, event: KeyEvent, opts: { retry?: boolean } = {}): void {
    const d = decide(this.snapshot(key), event, new Date(this.work.now));
    this.apply(key, d, opts);
  }

  private apply(key: StoredKey, d: Decision, opts: { retry?: boolean }): void {
    const work = this.work;
    key.state = d.to;
    if (d.stamp) key.stamps[d.stamp] = work.now;
    // The transition's record comes before the records its effects write.
    this.applied.push({ keyId: key.id, decision: d });
    this.audit({ keyId: key.id, action: d.action, event: d.event, from: d.from, to: d.to, details: copy(d.details) });
    let followUp: (() => void) | null = null;
    for (const effect of d.effects) {
      switch (effect.type) {
        case "ZEROISE_MATERIAL":
          key.materialZeroised = true;
          break;
        case "PURGE_HOLDERS":
          key.holdersPurged = true;
          break;
        case "MARK_RECEIPT": {
          const p = key.participants.find((x) => x.nodeId === effect.nodeId);
          if (!p) throw new Error(`MARK_RECEIPT for unknown node ${effect.nodeId}`);
          p.confirmed = true;
          break;
        }
        case "ACTIVATE_WHEN_ALL_CONFIRMED":
          followUp = () => this.transition(key, { type: "ACTIVATE" });
          break;
        case "INCREMENT_USAGE":
          key.usageCount += effect.count;
          break;
        case "GENERATE_SUCCESSOR":
        case "EMERGENCY_ROTATION_REQUIRED":
          this.generate(specOf(key), key.id, key.generation + 1, 1);
          break;
        case "RETRY_WITH_NEW_MATERIAL":
          if (opts.retry !== false) followUp = () => this.retryDistribution(key);
          break;
        case "ABANDON_SUCCESSOR":
          for (const s of successorsOf(work.keys, key.id)) {
            if (s.state === "GENERATED" || s.state === "DISTRIBUTED") {
              followUp = chain(followUp, () => this.transition(s, { type: "FAIL_DISTRIBUTION", reason: effect.reason }, { retry: false }));
            }
          }
          break;
      }
    }
    followUp?.();
  }

  private retryDistribution(failed: StoredKey): void {
    if (failed.attempt < MAX_DISTRIBUTION_ATTEMPTS) {
      this.generate(specOf(failed), failed.predecessorId, failed.generation, failed.attempt + 1);
      return;
    }
    this.notes++;
    this.audit({ keyId: failed.id, action: DISTRIBUTION_ABANDONED_ACTION, event: null, from: null, to: null, details: { attempts: failed.attempt } });
    // A rotation whose replacement cannot be distributed keeps the old key usable.
    const pred = this.work.keys.find((k) => k.id === failed.predecessorId);
    if (pred?.state === "ROTATING" && !liveSuccessor(this.work.keys, pred)) {
      this.transition(pred, { type: "CANCEL_ROTATION", reason: "replacement could not be distributed" });
    }
  }

  generate(spec: KeySpec, predecessorId: string | null, generation: number, attempt: number): StoredKey {
    const work = this.work;
    const key: StoredKey = {
      id: `k${work.keys.length}`,
      generation,
      attempt,
      predecessorId,
      state: "GENERATED",
      participants: spec.participants.map((nodeId) => ({ nodeId, confirmed: false })),
      retentionDays: spec.retentionDays,
      overlapSeconds: spec.overlapSeconds,
      materialZeroised: false,
      holdersPurged: false,
      usageCount: 0,
      generatedAt: work.now,
      stamps: { distributedAt: null, activatedAt: null, rotatingAt: null, retiredAt: null, revokedAt: null, destroyedAt: null },
    };
    work.keys.push(key);
    this.created.push(key.id);
    this.audit({ keyId: key.id, action: KEY_GENERATED_ACTION, event: null, from: null, to: "GENERATED", details: { participants: [...spec.participants] } });
    return key;
  }

  private audit(r: Omit<AuditRecord, "seq" | "at">): void {
    this.work.audit.push({ seq: this.work.audit.length + 1, at: this.work.now, ...r });
  }
}

const chain = (a: (() => void) | null, b: () => void) => (a ? () => { a(); b(); } : b);

function specOf(key: StoredKey): KeySpec {
  return { participants: key.participants.map((p) => p.nodeId), overlapSeconds: key.overlapSeconds, retentionDays: key.retentionDays };
}

class KeyStore {
  private data: StoreData;

  constructor(specs: readonly KeySpec[]) {
    this.data = { now: START, keys: [], audit: [] };
    const tx = new Transaction(this.data);
    for (const spec of specs) tx.generate(spec, null, 1, 1);
  }

  get now(): number {
    return this.data.now;
  }
  get keys(): readonly StoredKey[] {
    return this.data.keys;
  }
  get audit(): readonly AuditRecord[] {
    return this.data.audit;
  }

  dump(): StoreData {
    return copy(this.data);
  }

  advance(ms: number): void {
    this.data.now += ms;
  }

  /**
   * Applies an event to the key at `index`, all or nothing, like one database
   * transaction. A refusal of the event itself is an outcome; a refusal of a
   * follow-up decision (auto-activation, abandoning a successor, cancelling a
   * rotation) is a bug of the engine or of this store, and propagates.
   */
  apply(index: number, event: KeyEvent): Outcome {
    const tx = new Transaction(copy(this.data));
    const key = tx.work.keys[index];
    if (!key) throw new Error(`no key at ${index}`);
    let d: Decision;
    try {
      d = decide(tx.snapshot(key), event, new Date(tx.work.now));
    } catch (e) {
      if (e instanceof TransitionRefusedError) return { accepted: false, error: e };
      throw e;
    }
    tx.transition(key, event);
    ensure(isDeepStrictEqual(tx.applied[0]?.decision, d), () => "decide is not deterministic");
    this.data = tx.work;
    return { accepted: true, applied: tx.applied, created: tx.created, notes: tx.notes };
  }

  /** The successor a key's snapshot shows (for the oracle). */
  successorFor(data: StoreData, key: StoredKey): StoredKey | undefined {
    return liveSuccessor(data.keys, key);
  }
}

// ---------------------------------------------------------------------------
// Invariants, checked after every command
// ---------------------------------------------------------------------------

/** A cheap assertion for the hot invariant loop (vitest's expect is too slow for thousands of checks per run). */
function ensure(condition: boolean, message: () => string): asserts condition {
  if (!condition) throw new Error(`invariant violated: ${message()}`);
}

/** Deep equality with vitest's diff on failure. */
function expectSame<T>(actual: T, expected: T, message: string): void {
  if (!isDeepStrictEqual(actual, expected)) expect(actual, message).toEqual(expected);
}

function checkInvariants(store: KeyStore): void {
  const byId = new Map(store.keys.map((k) => [k.id, k]));
  const recordsOf = new Map<string, AuditRecord[]>();
  store.audit.forEach((r, i) => {
    ensure(r.seq === i + 1, () => `audit seq ${r.seq} at position ${i}`);
    ensure(r.at <= store.now, () => `audit record ${r.seq} is in the future`);
    ensure(i === 0 || r.at >= store.audit[i - 1]!.at, () => `audit record ${r.seq} is older than its predecessor`);
    ensure(byId.has(r.keyId), () => `audit record ${r.seq} names unknown key ${r.keyId}`);
    const list = recordsOf.get(r.keyId);
    if (list) list.push(r);
    else recordsOf.set(r.keyId, [r]);
  });

  for (const key of store.keys) {
    const where = `key ${key.id} (${key.state})`;
    ensure((KEY_STATES as readonly string[]).includes(key.state), () => `${where}: not a KEY_STATE`);

    // The audit trail of the key is a path of the transition table, from its
    // generation to its current state, with nothing after a terminal state.
    const all = recordsOf.get(key.id) ?? [];
    const records = all.filter((r) => r.action !== DISTRIBUTION_ABANDONED_ACTION);
    const first = records[0];
    ensure(
      first !== undefined && first.action === KEY_GENERATED_ACTION && first.from === null && first.to === "GENERATED" && first.at === key.generatedAt,
      () => `${where}: audit trail does not start with its generation: ${JSON.stringify(first)}`,
    );
    for (let i = 1; i < records.length; i++) {
      const prev = records[i - 1]!;
      const r = records[i]!;
      ensure(r.from === prev.to, () => `${where}: record ${r.seq} (from ${r.from}) does not continue record ${prev.seq} (to ${prev.to})`);
      ensure(!TERMINAL.has(prev.to!), () => `${where}: record ${r.seq} transitions after ${prev.to}`);
      const legal = r.event === null ? undefined : LEGAL[`${r.from} ${r.event}`];
      ensure(legal !== undefined, () => `${where}: ${r.from} --${r.event}--> is not in the seed lifecycle`);
      ensure(r.to === (legal.to === "=" ? r.from : legal.to), () => `${where}: ${r.from} --${r.event}--> ${r.to}`);
      ensure(r.action === legal.action && r.action === TRANSITIONS[r.event!].action, () => `${where}: action ${r.action}`);
    }
    // A distribution is abandoned only after the last attempt was destroyed.
    for (const note of all.filter((r) => r.action === DISTRIBUTION_ABANDONED_ACTION)) {
      ensure(key.state === "DESTROYED" && key.attempt === MAX_DISTRIBUTION_ATTEMPTS, () => `${where}: distribution abandoned after attempt ${key.attempt}`);
      ensure(note.from === null && note.to === null, () => `${where}: a note that claims a transition`);
    }
    ensure(records.at(-1)!.to === key.state, () => `${where}: last audit record ends in ${records.at(-1)!.to}`);

    // Material is zeroised exactly in the terminal states; a revoked key's
    // holders were all told to purge it.
    ensure(key.materialZeroised === TERMINAL.has(key.state), () => `${where}: materialZeroised=${key.materialZeroised}`);
    if (key.state === "REVOKED") ensure(key.holdersPurged, () => `${where}: holders not purged`);

    // Receipts: none before distribution; all of them in every state only an
    // ACTIVE key can reach, and in any key that was ever ACTIVE.
    if (key.state === "GENERATED") ensure(key.participants.every((p) => !p.confirmed), () => `${where}: receipt before distribution`);
    const visited = new Set(records.map((r) => r.to));
    if (visited.has("ACTIVE") || key.state === "ACTIVE" || key.state === "ROTATING" || key.state === "RETIRED") {
      ensure(key.participants.length > 0 && key.participants.every((p) => p.confirmed), () => `${where}: active without all receipts ${JSON.stringify(key.participants)}`);
    }

    // A state's timestamp is set iff the key passed through that state, and it
    // is the time the key last entered it; except that a cancelled rotation
    // returns to ACTIVE without restamping it, so activatedAt stays the time of
    // the first activation (a cryptoperiod counted from it does not restart).
    for (const [stamp, state] of STAMP_FOR) {
      let lastEntry: number | null = null;
      for (const r of records) if (r.to === state && r.from !== state && r.event !== "CANCEL_ROTATION") lastEntry = r.at;
      ensure((key.stamps[stamp] !== null) === visited.has(state), () => `${where}: ${stamp}=${key.stamps[stamp]} but visited ${state}: ${visited.has(state)}`);
      ensure(key.stamps[stamp] === lastEntry, () => `${where}: ${stamp}=${key.stamps[stamp]}, last entered ${state} (not by a cancelled rotation) at ${lastEntry}`);
    }
    const activations = records.filter((r) => r.to === "ACTIVE" && r.from !== "ACTIVE");
    ensure(
      key.stamps.activatedAt === (activations[0]?.at ?? null),
      () => `${where}: activatedAt=${key.stamps.activatedAt}, first activated at ${activations[0]?.at ?? null}`,
    );
    ensure(
      activations.slice(1).every((r) => r.event === "CANCEL_ROTATION"),
      () => `${where}: re-entered ACTIVE other than by a cancelled rotation`,
    );

    // Usage is counted only through recorded usage events.
    let used = 0;
    for (const r of records) if (r.action === "KEY_USAGE_RECORDED") used += Number(r.details.count);
    ensure(key.usageCount === used, () => `${where}: usage ${key.usageCount}, audited ${used}`);

    // Succession: a successor is younger than its predecessor; it does not
    // rotate while its predecessor still does (the overlap between them runs);
    // and a key has at most one live successor (GENERATED, DISTRIBUTED or
    // ACTIVE), so it never has two replacements at once.
    if (key.predecessorId !== null) {
      const pred = byId.get(key.predecessorId);
      ensure(pred !== undefined && Number(pred.id.slice(1)) < Number(key.id.slice(1)), () => `${where}: predecessor ${key.predecessorId}`);
      ensure(!(key.state === "ROTATING" && pred.state === "ROTATING"), () => `${where}: rotating while its predecessor ${pred.id} still is`);
    }
    const live = successorsOf(store.keys, key.id).filter((s) => LIVE_SUCCESSOR.has(s.state));
    ensure(live.length <= 1, () => `${where}: ${live.length} live successors ${live.map((s) => `${s.id}:${s.state}`).join(", ")}`);
  }
}

// ---------------------------------------------------------------------------
// Model and commands
// ---------------------------------------------------------------------------

interface Model {
  now: number;
  keyCount: number;
  auditLength: number;
  seen: Set<string>;
}


/** Which key a command targets: any key of the store, or one that still has a future. */
interface Pick {
  /**
   * any: any key; live: a key not in a terminal state; newest: the newest live
   * key; eligible: a key whose state the seed lets this event leave (so that
   * sequences get deep into the lifecycle instead of bouncing off the table).
   */
  mode: "any" | "live" | "newest" | "eligible";
  n: number;
}

/** Node ids for CONFIRM_RECEIPT resolved when the command runs: the target's first pending / confirmed participant. */
const PENDING_NODE = "@pending";
const CONFIRMED_NODE = "@confirmed";

class EventCommand implements fc.Command<Model, KeyStore> {
  constructor(
    readonly pick: Pick,
    readonly requested: KeyEvent,
  ) {}

  private resolve(store: KeyStore): { index: number; event: KeyEvent } {
    const live = store.keys.flatMap((k, i) => (TERMINAL.has(k.state) ? [] : [i]));
    const eligible = store.keys.flatMap((k, i) => (LEGAL[`${k.state} ${this.requested.type}`] ? [i] : []));
    const among = (candidates: number[]) =>
      candidates.length > 0 ? candidates[this.pick.n % candidates.length]! : this.pick.n % store.keys.length;
    const index =
      this.pick.mode === "eligible"
        ? among(eligible)
        : this.pick.mode === "live"
          ? among(live)
          : this.pick.mode === "newest"
            ? (live.at(-1) ?? this.pick.n % store.keys.length)
            : this.pick.n % store.keys.length;
    if (this.requested.type === "CONFIRM_RECEIPT" && (this.requested.nodeId === PENDING_NODE || this.requested.nodeId === CONFIRMED_NODE)) {
      const wanted = this.requested.nodeId === CONFIRMED_NODE;
      const node = store.keys[index]!.participants.find((p) => p.confirmed === wanted);
      return { index, event: { type: "CONFIRM_RECEIPT", nodeId: node?.nodeId ?? NODES[0] } };
    }
    return { index, event: this.requested };
  }

  check(): boolean {
    return true;
  }

  run(model: Model, store: KeyStore): void {
    ensure(store.now === model.now && store.keys.length === model.keyCount && store.audit.length === model.auditLength, () => "store and model diverged");

    const { index, event } = this.resolve(store);
    const before = store.dump();
    const target = before.keys[index]!;
    const successor = store.successorFor(before, target);
    const predecessor = target.predecessorId === null ? undefined : before.keys.find((k) => k.id === target.predecessorId);
    const expected = predict(target, successor, predecessor, event, before.now);
    const what = `${event.type} ${JSON.stringify(event)} on ${target.id} in ${target.state}`;

    const outcome = store.apply(index, event);

    if (!outcome.accepted) {
      const err = outcome.error;
      ensure(err.state === target.state && err.event === event.type, () => `${what}: refusal names ${err.state}/${err.event}`);
      ensure(err.message.length > 0, () => `${what}: refusal without a message`);
      ensure(!expected.accepted, () => `${what}: refused (${err.guard ?? err.code}: ${err.message}) but the seed accepts it`);
      ensure(err.code === expected.code, () => `${what}: refused with ${err.code}, expected ${expected.code}`);
      if (expected.code === "GUARD_FAILED") {
        ensure(err.guard !== null && expected.guards.includes(err.guard), () => `${what}: guard ${err.guard}, expected one of ${expected.guards.join(", ")}`);
      } else {
        ensure(err.guard === null, () => `${what}: table refusal with guard ${err.guard}`);
      }
      // A refused event changes nothing and appends nothing.
      expectSame(store.dump(), before, `${what}: a refused event changed the store`);
      model.seen.add(`refused ${err.guard ?? err.code}`);
    } else {
      ensure(expected.accepted, () => `${what}: accepted, but the seed refuses it`);
      const after = store.dump();
      ensure(after.keys[index]!.state === expected.finalState, () => `${what}: ended in ${after.keys[index]!.state}, expected ${expected.finalState}`);

      // One audit record per accepted decision, one per generated key, one per
      // abandoned distribution, nothing else.
      const added = after.audit.slice(before.audit.length);
      expectSame(after.audit.slice(0, before.audit.length), before.audit, `${what}: the audit trail was rewritten`);
      ensure(
        added.length === outcome.applied.length + outcome.created.length + outcome.notes,
        () => `${what}: ${added.length} audit records for ${outcome.applied.length} decisions, ${outcome.created.length} new keys, ${outcome.notes} notes`,
      );
      ensure(after.keys.length === before.keys.length + outcome.created.length, () => `${what}: key count`);
      const transitions = added.filter((r) => r.event !== null);
      expectSame(
        transitions.map((r) => [r.keyId, r.event, r.from, r.to, r.action]),
        outcome.applied.map(({ keyId, decision: d }) => [keyId, d.event, d.from, d.to, d.action]),
        `${what}: audit records do not match the decisions`,
      );
      expectSame(added.filter((r) => r.action === KEY_GENERATED_ACTION).map((r) => r.keyId), outcome.created, `${what}: generation records`);

      // The first decision is the accepted event on the target, from its state.
      const head = transitions[0];
      ensure(head?.keyId === target.id && head.event === event.type && head.from === target.state, () => `${what}: first record ${JSON.stringify(head)}`);

      // Each key's new records lead from its state before to its state after;
      // a key without new records did not change its lifecycle.
      for (const k of after.keys) {
        const old = before.keys.find((o) => o.id === k.id);
        const mine = added.filter((r) => r.keyId === k.id && r.action !== DISTRIBUTION_ABANDONED_ACTION);
        if (mine.length === 0) {
          ensure(old !== undefined, () => `${what}: new key ${k.id} without a generation record`);
          expectSame(
            [k.state, k.stamps, k.materialZeroised, k.holdersPurged, k.participants, k.usageCount],
            [old.state, old.stamps, old.materialZeroised, old.holdersPurged, old.participants, old.usageCount],
            `${what}: key ${k.id} changed without an audit record`,
          );
        } else {
          ensure(mine[0]!.from === (old ? old.state : null), () => `${what}: key ${k.id}'s first new record starts from ${mine[0]!.from}, was ${old?.state}`);
          ensure(mine.at(-1)!.to === k.state, () => `${what}: key ${k.id}'s last new record ends in ${mine.at(-1)!.to}, is ${k.state}`);
        }
      }

      // An emergency rotation leaves a replacement in the making: one generated
      // in this transaction as the revoked key's successor, and still alive.
      for (const { keyId, decision } of outcome.applied) {
        if (!decision.effects.some((e) => e.type === "EMERGENCY_ROTATION_REQUIRED")) continue;
        const replacements = after.keys.filter((k) => outcome.created.includes(k.id) && k.predecessorId === keyId);
        ensure(
          replacements.some((k) => k.state === "GENERATED"),
          () => `${what}: emergency replacement of ${keyId} did not survive: ${replacements.map((k) => `${k.id}:${k.state}`).join(", ") || "none"}`,
        );
      }

      for (const { decision: d } of outcome.applied) model.seen.add(`${d.from} ${d.event}`);
      model.keyCount += outcome.created.length;
      model.auditLength += added.length;
    }
    checkInvariants(store);
  }

  toString(): string {
    return `${this.pick.mode}#${this.pick.n} ${JSON.stringify(this.requested)}`;
  }
}

class AdvanceClockCommand implements fc.Command<Model, KeyStore> {
  constructor(readonly ms: number) {}

  check(): boolean {
    return true;
  }

  run(model: Model, store: KeyStore): void {
    const before = store.dump();
    store.advance(this.ms);
    model.now += this.ms;
    ensure(store.now === model.now, () => "clock diverged from the model");
    expectSame({ ...store.dump(), now: before.now }, before, "advancing the clock changed the store");
    checkInvariants(store);
  }

  toString(): string {
    return this.ms % DAY_MS === 0 ? `advance ${this.ms / DAY_MS} d` : `advance ${this.ms} ms`;
  }
}

// ---------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------

const pickArb: fc.Arbitrary<Pick> = fc.record({
  mode: fc.oneof(
    { weight: 6, arbitrary: fc.constant("eligible" as const) },
    { weight: 1, arbitrary: fc.constant("live" as const) },
    { weight: 1, arbitrary: fc.constant("newest" as const) },
    { weight: 2, arbitrary: fc.constant("any" as const) },
  ),
  n: fc.nat({ max: 1_000 }),
});
const nodeIdArb = fc.oneof(
  { weight: 6, arbitrary: fc.constant(PENDING_NODE) },
  { weight: 1, arbitrary: fc.constant(CONFIRMED_NODE) },
  { weight: 3, arbitrary: fc.constantFrom(...NODES) },
  { weight: 1, arbitrary: fc.constantFrom("ghost", "", "HUB", " hub") },
);
const reasonArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom("link QBER 12% on hub-n1", "cryptoperiod elapsed", "  no path  ") },
  { weight: 2, arbitrary: fc.constantFrom("", " ", "\t\n") },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
);
const countArb = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 1_000 }) },
  { weight: 2, arbitrary: fc.integer({ min: -3, max: 0 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(1.5, 0.5, Number.NaN, Number.POSITIVE_INFINITY, -0, Number.MAX_SAFE_INTEGER + 1),
  },
);

const ev = <E extends KeyEvent>(arb: fc.Arbitrary<E>) =>
  fc.tuple(pickArb, arb).map(([pick, e]) => new EventCommand(pick, e) as fc.Command<Model, KeyStore>);

/** fc.commands picks uniformly among its arbitraries; repeating one weights it. */
const weighted = <T>(weight: number, arb: fc.Arbitrary<T>): Array<fc.Arbitrary<T>> => Array.from({ length: weight }, () => arb);

// Weighted towards the events that move a key forward, so that sequences of
// 60 commands regularly reach rotation, retirement and destruction; the events
// that end a key (revoke, failure, cancel) are rarer.
const commandArbs: Array<fc.Arbitrary<fc.Command<Model, KeyStore>>> = [
  ...weighted(3, ev(fc.constant({ type: "DISTRIBUTE" } as const))),
  ...weighted(6, ev(nodeIdArb.map((nodeId) => ({ type: "CONFIRM_RECEIPT", nodeId }) as const))),
  ...weighted(1, ev(fc.constant({ type: "ACTIVATE" } as const))),
  ...weighted(1, ev(reasonArb.map((reason) => ({ type: "FAIL_DISTRIBUTION", reason }) as const))),
  ...weighted(2, ev(countArb.map((count) => ({ type: "RECORD_USAGE", count }) as const))),
  ...weighted(3, ev(reasonArb.map((reason) => ({ type: "BEGIN_ROTATION", reason }) as const))),
  ...weighted(4, ev(fc.constant({ type: "COMPLETE_ROTATION" } as const))),
  ...weighted(2, ev(reasonArb.map((reason) => ({ type: "CANCEL_ROTATION", reason }) as const))),
  ...weighted(2, ev(reasonArb.map((reason) => ({ type: "REVOKE", reason }) as const))),
  ...weighted(3, ev(fc.constant({ type: "DESTROY" } as const))),
  ...weighted(
    3,
    fc
      .oneof(
        fc.integer({ min: 1, max: 1_000 }), // milliseconds, to land near boundaries
        fc.integer({ min: 1, max: 7_200 }).map((s) => s * 1_000), // seconds
        fc.integer({ min: 1, max: 40 }).map((d) => d * DAY_MS), // days
      )
      .map((ms) => new AdvanceClockCommand(ms) as fc.Command<Model, KeyStore>),
  ),
];

const keySpecArb: fc.Arbitrary<KeySpec> = fc.record({
  participants: fc.oneof({ weight: 8, arbitrary: fc.subarray<string>([...NODES], { minLength: 1, maxLength: 3 }) }, fc.constant<string[]>([])),
  overlapSeconds: fc.constantFrom(0, 60, 3_600, 86_400),
  retentionDays: fc.constantFrom(0, 1, 7, 30),
});

/** How far an initial key is driven, through the store and its audit, before the commands run. */
const START_POINTS = ["GENERATED", "DISTRIBUTED", "ACTIVE", "ROTATING", "ROTATING_SUCCESSOR_ACTIVE", "RETIRED"] as const;
type StartPoint = (typeof START_POINTS)[number];

const initialKeysArb = fc.array(fc.tuple(keySpecArb, fc.constantFrom(...START_POINTS)), { minLength: 1, maxLength: 3 });

/**
 * Drives key `index` of a fresh store to `start` with valid events, so that
 * sequences begin from every part of the lifecycle and not only from GENERATED.
 * Every step goes through KeyStore.apply and is audited like any command.
 */
function prepare(store: KeyStore, index: number, start: StartPoint): void {
  const must = (i: number, event: KeyEvent) => {
    const outcome = store.apply(i, event);
    if (!outcome.accepted) throw outcome.error;
  };
  const confirmAll = (i: number) => {
    for (const nodeId of store.keys[i]!.participants.map((p) => p.nodeId)) must(i, { type: "CONFIRM_RECEIPT", nodeId });
  };
  if (start === "GENERATED" || store.keys[index]!.participants.length === 0) return;
  must(index, { type: "DISTRIBUTE" });
  if (start === "DISTRIBUTED") return;
  confirmAll(index);
  if (start === "ACTIVE") return;
  must(index, { type: "BEGIN_ROTATION", reason: "scheduled rotation" });
  if (start === "ROTATING") return;
  const successor = store.keys.length - 1;
  must(successor, { type: "DISTRIBUTE" });
  confirmAll(successor);
  if (start === "ROTATING_SUCCESSOR_ACTIVE") return;
  store.advance(store.keys[index]!.overlapSeconds * 1000);
  must(index, { type: "COMPLETE_ROTATION" });
}

// ---------------------------------------------------------------------------

describe("key lifecycle, model-based", () => {
  const newest = (event: KeyEvent) => new EventCommand({ mode: "newest", n: 0 }, event);
  const first = (event: KeyEvent) => new EventCommand({ mode: "any", n: 0 }, event);
  const setup = (specs: KeySpec[]) => () => {
    const real = new KeyStore(specs);
    return { model: { now: START, keyCount: specs.length, auditLength: specs.length, seen: new Set<string>() }, real };
  };

  it("walks a key through its whole life: distribution, rotation, retirement, destruction", () => {
    let store: KeyStore | undefined;
    const spec: KeySpec = { participants: ["hub", "n1"], overlapSeconds: 3_600, retentionDays: 7 };
    fc.modelRun(
      () => {
        const s = setup([spec])();
        store = s.real;
        return s;
      },
      [
        first({ type: "DISTRIBUTE" }),
        first({ type: "CONFIRM_RECEIPT", nodeId: "n1" }),
        first({ type: "CONFIRM_RECEIPT", nodeId: "hub" }),
        first({ type: "RECORD_USAGE", count: 5 }),
        first({ type: "BEGIN_ROTATION", reason: "cryptoperiod elapsed" }),
        newest({ type: "DISTRIBUTE" }),
        newest({ type: "CONFIRM_RECEIPT", nodeId: PENDING_NODE }),
        newest({ type: "CONFIRM_RECEIPT", nodeId: PENDING_NODE }),
        first({ type: "COMPLETE_ROTATION" }),
        new AdvanceClockCommand(3_600_000 - 1),
        first({ type: "COMPLETE_ROTATION" }),
        new AdvanceClockCommand(1),
        first({ type: "COMPLETE_ROTATION" }),
        new AdvanceClockCommand(7 * DAY_MS),
        first({ type: "DESTROY" }),
      ],
    );
    expect(store!.keys.map((k) => k.state)).toEqual(["DESTROYED", "ACTIVE"]);
    expect(store!.audit.filter((r) => r.keyId === "k0").map((r) => r.action)).toEqual([
      "KEY_GENERATED",
      "KEY_DISTRIBUTED",
      "KEY_RECEIPT_CONFIRMED",
      "KEY_RECEIPT_CONFIRMED",
      "KEY_ACTIVATED",
      "KEY_USAGE_RECORDED",
      "KEY_ROTATION_STARTED",
      "KEY_RETIRED",
      "KEY_DESTROYED",
    ]);
    expect(store!.keys[0]!.materialZeroised).toBe(true);
    expect(store!.keys[1]!.predecessorId).toBe("k0");
  });

  // ~2 s alone; the generous timeout is for a loaded machine running suites in parallel.
  it("keeps every invariant of the store under arbitrary event sequences", { timeout: 60_000 }, () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(
        initialKeysArb,
        fc.commands(commandArbs, { maxCommands: 60, size: "max" }),
        (initial, cmds) => {
          fc.modelRun(() => {
            const real = new KeyStore(initial.map(([spec]) => spec));
            initial.forEach(([, start], i) => prepare(real, i, start));
            checkInvariants(real);
            const model: Model = { now: real.now, keyCount: real.keys.length, auditLength: real.audit.length, seen };
            return { model, real };
          }, cmds);
        },
      ),
      { numRuns: 200 },
    );

    // The generators reach every transition of the table (DISTRIBUTED ACTIVATE
    // through auto-activation) and every kind of refusal, so the properties
    // above were exercised on all of them. (Over 25 seeds, the rarest of them
    // occurred at least 7 times, on average 14+ times, per 200 runs. The
    // PREDECESSOR_STILL_ROTATING refusal, added later, was hit 29-49 times per
    // 200 runs over 8 seeds.)
    const missing = [
      ...Object.keys(LEGAL),
      "refused TRANSITION_REFUSED",
      "refused NO_PARTICIPANTS",
      "refused UNKNOWN_PARTICIPANT",
      "refused RECEIPT_ALREADY_CONFIRMED",
      "refused RECEIPTS_PENDING",
      "refused INVALID_EVENT",
      "refused SUCCESSOR_NOT_ACTIVE",
      "refused OVERLAP_NOT_ELAPSED",
      "refused ROTATION_PAST_POINT_OF_NO_RETURN",
      "refused PREDECESSOR_STILL_ROTATING",
      "refused RETENTION_NOT_EXPIRED",
    ].filter((s) => !seen.has(s));
    expect(missing).toEqual([]);
  });
});
