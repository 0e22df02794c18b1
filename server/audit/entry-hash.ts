/**
 * The hash of one audit entry, and linking a batch of drafts into the chain.
 *
 * entryHash = hex SHA-256( "QECNET-AUDIT-ENTRY-V1" || 0x00 || canonical JSON )
 *
 * The domain prefix keeps an audit hash from ever equalling the hash of some
 * other SHA-256 use in the system over the same bytes, and the version in
 * both the domain and the `v` field lets a future format coexist with this
 * one instead of silently re-meaning old hashes. Changing anything here
 * changes every hash ever written: the golden-vector test exists to stop that.
 *
 * Pure: no database access. The DB appender reads the head, calls
 * chainEntries, and inserts the result.
 */

import * as crypto from "node:crypto";
import { canonicalJson, canonicalString } from "../domain/audit/canonical-json";
import { unhashedEntryJson } from "../domain/audit/entry-json";
import type { AuditEntryDraft, AuditEntryRecord, StoredAuditEntry, UnhashedAuditEntry } from "../domain/audit/types";

export const GENESIS_HASH = "0".repeat(64);
export const AUDIT_HASH_DOMAIN = "QECNET-AUDIT-ENTRY-V1";

/** The domain and its separator, as the text the one-shot digest is given first (an entry's hashed input is this + its text). */
export const HASHED_PREFIX = `${AUDIT_HASH_DOMAIN}\u0000`;
// crypto.hash came with Node 20.12 (package.json allows 20.11, which keeps the streaming digest).
const oneShotHash: typeof crypto.hash | undefined = typeof crypto.hash === "function" ? crypto.hash : undefined;

const HASH_PATTERN = /^[0-9a-f]{64}$/;

export function isHashHex(value: unknown): value is string {
  return typeof value === "string" && HASH_PATTERN.test(value);
}

/** A field of an entry that does not have the stored format. */
export interface EntryFormatProblem {
  field: string;
  expected: string;
  actual: string;
}

/** Thrown when hashing or chaining is asked to work on a malformed entry. */
export class AuditEntryFormatError extends Error {
  override readonly name = "AuditEntryFormatError";
  constructor(readonly problem: EntryFormatProblem) {
    super(`Audit entry field "${problem.field}" must be ${problem.expected}, got ${problem.actual}`);
  }
}

type FieldName = keyof AuditEntryRecord;
type FieldRule = { expected: string; test: (v: unknown) => boolean };

// Runtime checks, because entries also arrive from the database (and from
// Prisma's looser Json type), where the static types promise nothing.
const FIELD_RULES: Record<FieldName, FieldRule> = {
  seq: { expected: "a bigint ≥ 1", test: (v) => typeof v === "bigint" && v >= 1n },
  at: { expected: "a valid Date", test: (v) => v instanceof Date && Number.isFinite(v.getTime()) },
  actor: { expected: "a string", test: (v) => typeof v === "string" },
  action: { expected: "a string", test: (v) => typeof v === "string" },
  subjectType: { expected: "a string", test: (v) => typeof v === "string" },
  subjectId: { expected: "a string", test: (v) => typeof v === "string" },
  fromState: { expected: "a string or null", test: (v) => v === null || typeof v === "string" },
  toState: { expected: "a string or null", test: (v) => v === null || typeof v === "string" },
  details: { expected: "a JSON object", test: isPlainObject },
  prevHash: { expected: "64 lowercase hex characters", test: isHashHex },
  entryHash: { expected: "64 lowercase hex characters", test: isHashHex },
};

const DRAFT_FIELDS: readonly FieldName[] = [
  "at", "actor", "action", "subjectType", "subjectId", "fromState", "toState", "details",
];
const UNHASHED_FIELDS: readonly FieldName[] = ["seq", ...DRAFT_FIELDS, "prevHash"];
const UNHASHED_FIELDS_BUT_DETAILS: readonly FieldName[] = UNHASHED_FIELDS.filter((f) => f !== "details");
const RECORD_FIELDS: readonly FieldName[] = [...UNHASHED_FIELDS, "entryHash"];

function isPlainObject(v: unknown): boolean {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function findProblem(value: unknown, fields: readonly FieldName[]): EntryFormatProblem | null {
  if (typeof value !== "object" || value === null) {
    return { field: "entry", expected: "an object", actual: describeValue(value) };
  }
  const record = value as Record<string, unknown>;
  for (const field of fields) {
    const rule = FIELD_RULES[field];
    if (!rule.test(record[field])) {
      return { field, expected: rule.expected, actual: describeValue(record[field]) };
    }
  }
  return null;
}

/**
 * The first field of a stored entry that is not in the stored format, or
 * null. Only the shape of details is checked here; its contents are checked
 * when they are canonicalized for the hash.
 */
export function findEntryFormatProblem(entry: unknown): EntryFormatProblem | null {
  return findProblem(entry, RECORD_FIELDS);
}

/** A short, printable description of an offending value for error messages. */
export function describeValue(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v.length > 70 ? `${v.slice(0, 70)}…` : v);
  if (typeof v === "bigint") return `${v}n`;
  if (v instanceof Date) return Number.isFinite(v.getTime()) ? `Date ${v.toISOString()}` : "an invalid Date";
  if (Array.isArray(v)) return "an array";
  if (v === null) return "null";
  if (typeof v === "object") return "an object";
  return typeof v === "number" ? String(v) : typeof v === "undefined" ? "undefined" : `a ${typeof v}`;
}

/**
 * The exact bytes an entry's hash covers. Throws AuditEntryFormatError for a
 * malformed field and CanonicalJsonError for details that are not plain JSON.
 */
export function canonicalEntryBytes(e: UnhashedAuditEntry): Buffer {
  const problem = findProblem(e, UNHASHED_FIELDS);
  if (problem) throw new AuditEntryFormatError(problem);
  const text = canonicalJson({ v: 1, ...unhashedEntryJson(e) });
  return Buffer.from(text, "utf8");
}

/**
 * canonicalEntryBytes as a string, built field by field with details
 * canonicalized once (the hot path of the verifiers and checkpoints). For
 * input it refuses it throws the same error canonicalEntryBytes throws, whose
 * path names the field ("$.details.x"), by running that one again.
 */
export function entryTextOf(e: UnhashedAuditEntry): string {
  const problem = findProblem(e, UNHASHED_FIELDS);
  if (problem) throw new AuditEntryFormatError(problem);
  return checkedEntryText(e);
}

/** The text of an entry whose fields were checked; details are canonicalized here. */
function checkedEntryText(e: UnhashedAuditEntry): string {
  let detailsText: string;
  try {
    detailsText = canonicalJson(e.details);
  } catch {
    canonicalEntryBytes(e); // throws with the full path
    throw new Error("unreachable: details canonicalize inside the entry but not alone");
  }
  return buildEntryText(e, detailsText);
}

/** hex SHA-256( AUDIT_HASH_DOMAIN || 0x00 || canonicalEntryBytes(e) ). */
export function computeEntryHash(e: UnhashedAuditEntry): string {
  return hashEntryText(entryTextOf(e));
}

/** hex SHA-256( AUDIT_HASH_DOMAIN || 0x00 || text ): the entry hash of canonical entry bytes given as text. */
export function hashEntryText(text: Buffer | string): string {
  // The 0x00 separator cannot occur in the domain string, so domain and
  // payload can never be re-split to collide with another domain's input.
  // A text goes through the one-shot digest as one UTF-8 string: the same
  // bytes (the domain is ASCII, U+0000 is the byte 0x00) without a Hash object
  // per entry.
  if (typeof text === "string" && oneShotHash) return oneShotHash("sha256", HASHED_PREFIX + text, "hex");
  return crypto.createHash("sha256")
    .update(AUDIT_HASH_DOMAIN, "utf8")
    .update(Uint8Array.of(0))
    .update(text)
    .digest("hex");
}

const str = (s: string | null) => (s === null ? "null" : canonicalString(s));

let lastDate: Date | null = null;
let lastTime = Number.NaN;
let lastIso = "";

/**
 * d.toISOString(), formatted once for a run of entries that share their Date (a walk gives the entries of one batch
 * the same Date object: utc-timestamp.ts). The time is compared too, so a Date changed in between is formatted
 * again. Throws as toISOString does for an invalid Date.
 */
function isoOf(d: Date): string {
  const time = d.getTime();
  if (d === lastDate && time === lastTime) return lastIso;
  const iso = d.toISOString();
  lastDate = d;
  lastTime = time;
  lastIso = iso;
  return iso;
}

/**
 * canonicalEntryBytes as text, with details already in canonical form (the
 * chain canonicalizes them once, for the stored copy and for the hash): the
 * fields in the canonical key order, each serialized as canonicalJson would.
 * A unit test holds it equal to canonicalEntryBytes.
 */
export function entryTextWith(e: Omit<UnhashedAuditEntry, "details">, detailsText: string): string {
  const problem = findProblem(e, UNHASHED_FIELDS_BUT_DETAILS);
  if (problem) throw new AuditEntryFormatError(problem);
  return buildEntryText(e, detailsText);
}

/**
 * entryTextWith for fields already checked, written out field by field (this
 * runs for every entry a verifier or checkpoint walks). It maps each field as
 * unhashedEntryJson does; the unit tests hold it equal to canonicalEntryBytes.
 * seq (decimal digits), at (ISO 8601) and prevHash (checked hex) need no
 * escaping; the free-text fields go through canonicalJson.
 */
function buildEntryText(e: Omit<UnhashedAuditEntry, "details">, detailsText: string): string {
  // Keys sorted by UTF-16 code units: action, actor, at, details, fromState, prevHash, seq, subjectId, subjectType, toState, v.
  return `${headOf(e.action, e.actor, isoOf(e.at))}${detailsText},"fromState":${str(e.fromState)},` +
    `"prevHash":"${e.prevHash}","seq":"${e.seq}","subjectId":${str(e.subjectId)}${tailOf(e.subjectType, e.toState)}`;
}

// The text before details and the text after subjectId, kept for the next entry: neighbours in a walk (and the
// entries of one batch) mostly share their action, actor, time, subject type and target state, so their escaping
// and concatenation are done once for the run. Compared by value, so a different string with the same text is a hit.
let headKey: { action: string; actor: string; iso: string } | null = null;
let headText = "";
let tailKey: { subjectType: string; toState: string | null } | null = null;
let tailText = "";

/** `{"action":…,"actor":…,"at":"…","details":` */
function headOf(action: string, actor: string, iso: string): string {
  if (headKey !== null && headKey.action === action && headKey.actor === actor && headKey.iso === iso) return headText;
  headText = `{"action":${str(action)},"actor":${str(actor)},"at":"${iso}","details":`;
  headKey = { action, actor, iso };
  return headText;
}

/** `,"subjectType":…,"toState":…,"v":1}` */
function tailOf(subjectType: string, toState: string | null): string {
  if (tailKey !== null && tailKey.subjectType === subjectType && tailKey.toState === toState) return tailText;
  tailText = `,"subjectType":${str(subjectType)},"toState":${str(toState)},"v":1}`;
  tailKey = { subjectType, toState };
  return tailText;
}

/**
 * entryTextOf for an entry already known to have the stored format
 * (findEntryFormatProblem returned null): the verifier checks the format
 * first, so the fields are not checked twice. Throws CanonicalJsonError (with
 * the field's path) for details that are not plain JSON.
 */
export function formattedEntryText(e: AuditEntryRecord): string {
  return checkedEntryText(e);
}

/**
 * True when the entry certainly passes every per-entry check against `prev`
 * (format, sequence, link, hash): the common case of a chain walk, decided
 * without the format rules' regular expressions. It holds when seq is
 * prev.seq + 1, prevHash is prev.hash (hex: prev comes from CHAIN_START or a
 * checked entry), the free-text fields are strings (or null where allowed),
 * at is a valid Date, details a plain object whose canonical text can be
 * built, and the recomputed hash equals entryHash (so that one is hex too):
 * each field rule is then satisfied. False means "look closer", never "broken":
 * the caller runs the full checks, which say what is wrong.
 */
export function entryPassesQuickly(prev: { seq: bigint; hash: string }, e: AuditEntryRecord): boolean {
  if (typeof e !== "object" || e === null || e.seq !== prev.seq + 1n || e.prevHash !== prev.hash) return false;
  if (typeof e.actor !== "string" || typeof e.action !== "string" || typeof e.subjectType !== "string" || typeof e.subjectId !== "string") return false;
  if ((e.fromState !== null && typeof e.fromState !== "string") || (e.toState !== null && typeof e.toState !== "string")) return false;
  if (!(e.at instanceof Date) || !isPlainObject(e.details)) return false;
  let text: string;
  try {
    // toISOString throws for an invalid Date, canonicalJson for details that are not plain JSON.
    text = buildEntryText(e, canonicalJson(e.details));
  } catch {
    return false;
  }
  return hashEntryText(text) === e.entryHash;
}

/**
 * entryPassesQuickly for an entry read with its details as stored text (readStoredEntryPages): true when the text
 * built around the stored details hashes to entryHash, with the other fields checked as entryPassesQuickly checks
 * them. The details are neither parsed nor re-serialized: the appender stores the canonical text it hashed, so for
 * every entry it wrote the stored text is the hashed text, and any change to a stored byte changes the hash. False
 * (entries stored before details were kept as written, whose text is jsonb's; or a broken entry) means "check the
 * full way": the caller parses the details and runs the full checks, which decide as they always have.
 */
export function storedEntryPassesQuickly(prev: { seq: bigint; hash: string }, e: StoredAuditEntry): boolean {
  if (typeof e !== "object" || e === null || e.seq !== prev.seq + 1n || e.prevHash !== prev.hash) return false;
  if (typeof e.actor !== "string" || typeof e.action !== "string" || typeof e.subjectType !== "string" || typeof e.subjectId !== "string") return false;
  if ((e.fromState !== null && typeof e.fromState !== "string") || (e.toState !== null && typeof e.toState !== "string")) return false;
  // An object's text starts with "{" (the canonical text has no whitespace before it).
  if (!(e.at instanceof Date) || typeof e.detailsText !== "string" || e.detailsText.charCodeAt(0) !== 123) return false;
  let text: string;
  try {
    text = buildEntryText(e, e.detailsText); // toISOString throws for an invalid Date
  } catch {
    return false;
  }
  return hashEntryText(text) === e.entryHash;
}

/**
 * A stored entry with its details parsed, for the full checks. Text that is not JSON becomes the text itself, which
 * the format check then reports ("details: a JSON object, got \"…\"").
 */
export function parsedStoredEntry(e: StoredAuditEntry): AuditEntryRecord {
  let details: unknown;
  try {
    details = JSON.parse(e.detailsText);
  } catch {
    details = e.detailsText;
  }
  return {
    seq: e.seq, at: e.at, actor: e.actor, action: e.action, subjectType: e.subjectType, subjectId: e.subjectId,
    fromState: e.fromState, toState: e.toState, details: details as AuditEntryRecord["details"], prevHash: e.prevHash, entryHash: e.entryHash,
  };
}

/** A chained entry with its details as their canonical JSON text: what the transition runner writes. */
export type ChainedEntry = Omit<AuditEntryRecord, "details"> & { detailsText: string };

/**
 * Links a batch of drafts onto the chain: the first gets seq `seqStart` and
 * `prevHash`, each next one the seq after and the previous entry's hash.
 * The appender passes the locked head (seqStart = head.seq + 1n, prevHash =
 * head.hash) and stores the result as is; the last record is the new head.
 *
 * Returned records are fresh objects holding only the hashed fields, with
 * details as their canonical text (a string: later mutation of a draft, or
 * stray extra properties on it, cannot make the stored row differ from what
 * was hashed). chainEntries gives the same with details parsed.
 */
export function chainEntryTexts(
  prevHash: string,
  seqStart: bigint,
  drafts: readonly AuditEntryDraft[],
): ChainedEntry[] {
  if (!isHashHex(prevHash)) {
    throw new AuditEntryFormatError({
      field: "prevHash",
      expected: "64 lowercase hex characters",
      actual: describeValue(prevHash),
    });
  }
  if (typeof seqStart !== "bigint" || seqStart < 1n) {
    throw new AuditEntryFormatError({ field: "seq", expected: "a bigint ≥ 1", actual: describeValue(seqStart) });
  }

  const records: ChainedEntry[] = [];
  let link = prevHash;
  let seq = seqStart;
  for (const draft of drafts) {
    const problem = findProblem(draft, DRAFT_FIELDS);
    if (problem) throw new AuditEntryFormatError(problem);
    const detailsText = canonicalJson(draft.details);
    const unhashed = {
      seq,
      at: new Date(draft.at.getTime()),
      actor: draft.actor,
      action: draft.action,
      subjectType: draft.subjectType,
      subjectId: draft.subjectId,
      fromState: draft.fromState,
      toState: draft.toState,
      prevHash: link,
    };
    const entryHash = hashEntryText(entryTextWith(unhashed, detailsText));
    records.push(Object.assign(unhashed, { detailsText, entryHash })); // not { ...unhashed, detailsText, entryHash }: a slow path in V8
    link = entryHash;
    seq += 1n;
  }
  return records;
}

/** chainEntryTexts with each entry's details parsed back from its canonical text (fresh objects). */
export function chainEntries(
  prevHash: string,
  seqStart: bigint,
  drafts: readonly AuditEntryDraft[],
): AuditEntryRecord[] {
  return chainEntryTexts(prevHash, seqStart, drafts).map((r) => ({
    seq: r.seq, at: r.at, actor: r.actor, action: r.action, subjectType: r.subjectType, subjectId: r.subjectId,
    fromState: r.fromState, toState: r.toState, details: JSON.parse(r.detailsText) as AuditEntryRecord["details"], prevHash: r.prevHash, entryHash: r.entryHash,
  }));
}
