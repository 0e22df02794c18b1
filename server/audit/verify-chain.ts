/**
 * Verification of the audit chain, kept apart from writing it.
 *
 * Each check is its own function that recomputes what the entry should be
 * and compares it with what is stored, returning a typed ChainFailure (or
 * null). verifyChain walks a stream of entries through them, holding only
 * the previous link, so a chain of any length can be checked page by page.
 *
 * What each layer catches:
 * - seq, prevHash and entryHash checks catch any edit, deletion, insertion
 *   or reordering made without recomputing hashes;
 * - someone who rewrites an entry AND recomputes every later hash produces a
 *   self-consistent chain; only an independently kept head or anchor
 *   (checkpoint published earlier) exposes that, so pass them whenever you
 *   have them;
 * - head and anchors also catch a tail that was cut off.
 *
 * The DB verifier must read the head row and the entries in one snapshot
 * (or bound the query by seq ≤ head.seq); otherwise an entry appended
 * meanwhile shows up as lying past the head.
 */

import { GENESIS_HASH, computeEntryHash, describeValue, entryPassesQuickly, formattedEntryText, hashEntryText, findEntryFormatProblem, isHashHex, parsedStoredEntry, storedEntryPassesQuickly } from "./entry-hash";
import type {
  AuditEntryRecord,
  StoredAuditEntry,
  ChainFailure,
  ChainLink,
  ChainVerification,
  VerifyChainOptions,
} from "../domain/audit/types";

/** The link before entry #1: pass as `prev` when verifying the first entry. */
export const CHAIN_START: Readonly<ChainLink> = Object.freeze({ seq: 0n, hash: GENESIS_HASH });

/**
 * Entries, or pages of entries, in ascending seq order; sync or async. Entries may come with their details parsed
 * (AuditEntryRecord) or as the text stored (StoredAuditEntry, from readStoredEntryPages).
 */
export type AuditEntrySource =
  | Iterable<AuditEntryRecord | StoredAuditEntry | readonly (AuditEntryRecord | StoredAuditEntry)[]>
  | AsyncIterable<AuditEntryRecord | StoredAuditEntry | readonly (AuditEntryRecord | StoredAuditEntry)[]>;

function isStored(e: AuditEntryRecord | StoredAuditEntry): e is StoredAuditEntry {
  return typeof (e as Partial<StoredAuditEntry> | null)?.detailsText === "string";
}

function short(hash: string): string {
  return `${hash.slice(0, 12)}…`;
}

/**
 * MALFORMED_ENTRY if a field is not in the stored format (types, 64-hex
 * hashes, details an object). Runs first: the other checks assume the shape.
 */
export function checkEntryFormat(entry: unknown, expectedSeq: bigint): ChainFailure | null {
  const problem = findEntryFormatProblem(entry);
  if (!problem) return null;
  const storedSeq = (entry as { seq?: unknown } | null)?.seq;
  const seq = typeof storedSeq === "bigint" ? storedSeq : expectedSeq;
  return {
    kind: "MALFORMED_ENTRY",
    seq,
    expected: `${problem.field}: ${problem.expected}`,
    actual: `${problem.field}: ${problem.actual}`,
    message:
      `Entry #${seq}: field "${problem.field}" should be ${problem.expected} but is ${problem.actual} ` +
      `(the row was damaged or written outside the audit appender, so it cannot be verified)`,
  };
}

/** SEQUENCE_GAP unless entry.seq is prev.seq + 1. */
export function checkSequence(prev: ChainLink, entry: AuditEntryRecord): ChainFailure | null {
  const expected = prev.seq + 1n;
  if (entry.seq === expected) return null;
  let message: string;
  if (entry.seq > expected && prev.seq === 0n) {
    message = `The chain starts at entry #${entry.seq} instead of #1: the earliest entries were deleted`;
  } else if (entry.seq > expected) {
    const missing = entry.seq - 1n === expected ? `#${expected} is` : `#${expected}–#${entry.seq - 1n} are`;
    message =
      `Entry ${missing} missing: entry #${entry.seq} follows #${prev.seq} ` +
      `(a row was deleted, or rows were reordered)`;
  } else {
    message =
      `Entry #${entry.seq} appears after #${prev.seq} where #${expected} was expected ` +
      `(a row was inserted, duplicated or rows were swapped)`;
  }
  return {
    kind: "SEQUENCE_GAP",
    seq: expected,
    expected: expected.toString(),
    actual: entry.seq.toString(),
    message,
  };
}

/** PREV_HASH_MISMATCH unless entry.prevHash is the previous entry's hash. */
export function checkPrevHash(prev: ChainLink, entry: AuditEntryRecord): ChainFailure | null {
  if (entry.prevHash === prev.hash) return null;
  const message =
    prev.seq === 0n
      ? `Entry #${entry.seq}: prevHash ${short(entry.prevHash)} is not the genesis hash ${short(prev.hash)} ` +
        `(the start of the chain was replaced)`
      : `Entry #${entry.seq}: prevHash ${short(entry.prevHash)} does not match the hash ${short(prev.hash)} of entry #${prev.seq} ` +
        `(a row before it was inserted, deleted or replaced)`;
  return { kind: "PREV_HASH_MISMATCH", seq: entry.seq, expected: prev.hash, actual: entry.prevHash, message };
}

/**
 * ENTRY_HASH_MISMATCH unless the hash recomputed from the contents equals the
 * stored entryHash; MALFORMED_ENTRY if details cannot be canonicalized.
 */
export function checkEntryHash(entry: AuditEntryRecord, entryText?: string): ChainFailure | null {
  return compareEntryHash(entry, () => (entryText === undefined ? computeEntryHash(entry) : hashEntryText(entryText)));
}

function compareEntryHash(entry: AuditEntryRecord, compute: () => string): ChainFailure | null {
  let computed: string;
  try {
    computed = compute();
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return {
      kind: "MALFORMED_ENTRY",
      seq: entry.seq,
      expected: "details: canonical JSON data",
      actual: `details: ${reason}`,
      message:
        `Entry #${entry.seq}: its contents cannot be hashed (${reason}), ` +
        `so the row was damaged or written outside the audit appender`,
    };
  }
  if (computed === entry.entryHash) return null;
  return {
    kind: "ENTRY_HASH_MISMATCH",
    seq: entry.seq,
    expected: computed,
    actual: entry.entryHash,
    message:
      `Entry #${entry.seq}: stored hash ${short(entry.entryHash)} does not match the hash of its contents ` +
      `${short(computed)} (the entry was changed after it was written)`,
  };
}

/** ANCHOR_MISMATCH unless the entry at the anchor's seq has the anchor's hash. */
export function checkAnchor(anchor: ChainLink, entry: Pick<AuditEntryRecord, "seq" | "entryHash">): ChainFailure | null {
  if (anchor.seq !== entry.seq || anchor.hash === entry.entryHash) return null;
  return {
    kind: "ANCHOR_MISMATCH",
    seq: entry.seq,
    expected: anchor.hash,
    actual: entry.entryHash,
    message:
      `Entry #${entry.seq}: hash ${short(entry.entryHash)} does not match the trusted checkpoint ${short(anchor.hash)} ` +
      `(this entry or an earlier one was rewritten and the hashes after it recomputed)`,
  };
}

/**
 * While walking: HEAD_MISMATCH if the entry at head.seq has another hash, or
 * if an entry lies past the head.
 */
export function checkHeadAt(head: ChainLink, entry: Pick<AuditEntryRecord, "seq" | "entryHash">): ChainFailure | null {
  if (entry.seq > head.seq) {
    return {
      kind: "HEAD_MISMATCH",
      seq: entry.seq,
      expected: head.seq.toString(),
      actual: entry.seq.toString(),
      message:
        `Entry #${entry.seq} lies past the recorded head #${head.seq} ` +
        `(rows were added without moving the head, or the head row was rolled back)`,
    };
  }
  if (entry.seq !== head.seq || entry.entryHash === head.hash) return null;
  return {
    kind: "HEAD_MISMATCH",
    seq: entry.seq,
    expected: head.hash,
    actual: entry.entryHash,
    message:
      `Entry #${entry.seq}: hash ${short(entry.entryHash)} does not match the recorded head hash ${short(head.hash)} ` +
      `(the chain was rewritten and its hashes recomputed, or the head row was changed)`,
  };
}

/**
 * After the last entry: TRUNCATED if the head or an anchor expects entries
 * beyond `last`; HEAD_MISMATCH if the chain ends at head.seq with another
 * hash (only reachable here for an empty chain).
 */
export function checkChainEnd(
  last: ChainLink,
  head: ChainLink | null,
  anchors: readonly ChainLink[],
): ChainFailure | null {
  let furthest: { seq: bigint; source: string } | null = null;
  if (head && head.seq > last.seq) furthest = { seq: head.seq, source: `the head records #${head.seq}` };
  for (const anchor of anchors) {
    if (anchor.seq > last.seq && (!furthest || anchor.seq > furthest.seq)) {
      furthest = { seq: anchor.seq, source: `a trusted checkpoint records #${anchor.seq}` };
    }
  }
  if (furthest) {
    const first = last.seq + 1n;
    const range = first === furthest.seq ? `entry #${first} is` : `entries #${first}–#${furthest.seq} are`;
    const ends = last.seq === 0n ? "The chain is empty" : `The chain ends at entry #${last.seq}`;
    return {
      kind: "TRUNCATED",
      seq: first,
      expected: furthest.seq.toString(),
      actual: last.seq.toString(),
      message: `${ends} but ${furthest.source}: ${range} missing (the tail of the chain was deleted)`,
    };
  }
  if (head && head.seq === last.seq && head.hash !== last.hash) {
    return {
      kind: "HEAD_MISMATCH",
      seq: last.seq === 0n ? null : last.seq,
      expected: head.hash,
      actual: last.hash,
      message:
        `The chain ends with hash ${short(last.hash)} but the recorded head hash is ${short(head.hash)} ` +
        `(the head row was changed or the chain rewritten)`,
    };
  }
  return null;
}

/**
 * The per-entry checks, in order: format, sequence, prevHash, entryHash.
 * `entryText`, when given, must be entryTextOf(entry): a caller that needs
 * the text anyway (checkpoints build the leaf from it) saves building it twice.
 * `prev` is the previous entry's {seq, entryHash}, or CHAIN_START for #1.
 * Anchors and head are chain-level and checked by verifyChain.
 */
export function verifyEntry(prev: ChainLink, entry: AuditEntryRecord, entryText?: string): ChainFailure | null {
  return verifyEntryAll(prev, entry, entryText)[0] ?? null;
}

/**
 * Every independent break at this entry: a malformed entry is only that; a
 * sequence gap is not also blamed on the link (the gap explains it); the
 * entry's own hash is checked either way.
 */
export function verifyEntryAll(prev: ChainLink, entry: AuditEntryRecord, entryText?: string): ChainFailure[] {
  const format = checkEntryFormat(entry, prev.seq + 1n);
  if (format) return [format];
  const out: ChainFailure[] = [];
  const sequence = checkSequence(prev, entry);
  if (sequence) out.push(sequence);
  else {
    const link = checkPrevHash(prev, entry);
    if (link) out.push(link);
  }
  // The format check passed, so the text is built without checking the fields again.
  const hash = compareEntryHash(entry, () => hashEntryText(entryText ?? formattedEntryText(entry)));
  if (hash) out.push(hash);
  return out;
}

const NO_FAILURES: readonly ChainFailure[] = Object.freeze([]);

/** Beyond this many breaks a walk stops collecting (and says there are more). */
export const MAX_CHAIN_FAILURES = 100;

function assertLink(link: ChainLink, what: string, minSeq: bigint): void {
  if (typeof link.seq !== "bigint" || link.seq < minSeq) {
    throw new RangeError(`${what}: seq must be a bigint ≥ ${minSeq}, got ${describeValue(link.seq)}`);
  }
  if (!isHashHex(link.hash)) {
    throw new RangeError(`${what}: hash must be 64 lowercase hex characters, got ${describeValue(link.hash)}`);
  }
}

/** Validated, de-duplicated, ascending by seq. Bad anchors are a caller bug, so they throw. */
export function prepareAnchors(anchors: readonly ChainLink[]): ChainLink[] {
  const bySeq = new Map<bigint, ChainLink>();
  for (const anchor of anchors) {
    assertLink(anchor, "anchor", 1n);
    const seen = bySeq.get(anchor.seq);
    if (seen && seen.hash !== anchor.hash) {
      throw new RangeError(`anchors: two different hashes given for seq ${anchor.seq}`);
    }
    bySeq.set(anchor.seq, { seq: anchor.seq, hash: anchor.hash });
  }
  return [...bySeq.values()].sort((a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0));
}

/**
 * Entries walked between two turns of the event loop: ~10 ms of work on this machine's cores (a 10,000-entry page
 * walked at once held the console's other requests for ~90 ms).
 */
export const YIELD_EVERY = 1_024;

/** Lets timers, I/O and other requests run (setImmediate: after the I/O callbacks already due). */
export function turnOfEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Walks the chain in ascending seq order and reports every break it finds:
 * after each one it resynchronises on the stored entry (its seq and stored
 * hash), so one edit or deletion is reported once, not as a cascade.
 * Accepts entries or pages of entries, from a sync or async iterable; only
 * the previous link is kept, and breaking off closes the source iterator.
 * Throws (rather than reporting a chain failure) if `opts` itself is invalid.
 */
export async function verifyChain(
  entries: AuditEntrySource,
  opts: VerifyChainOptions = {},
): Promise<ChainVerification> {
  const head = opts.head ?? null;
  if (head) assertLink(head, "head", 0n);
  if (opts.start) assertLink(opts.start, "start", 0n);
  const anchors = prepareAnchors(opts.anchors ?? []);

  let prev: ChainLink = opts.start ? { seq: opts.start.seq, hash: opts.start.hash } : CHAIN_START;
  let count = 0;
  let passed: number | null = null;
  let nextAnchor = 0;
  const max = opts.maxFailures ?? MAX_CHAIN_FAILURES;
  const failures: ChainFailure[] = [];
  let more = false;
  const report = (f: ChainFailure | null): void => {
    if (!f) return;
    passed ??= count;
    if (failures.length < max) failures.push(f);
    more ||= failures.length >= max;
  };

  // Pages are walked with a plain loop: one async step per page, not per entry, and a turn of the event loop every
  // YIELD_EVERY entries, so that a walk in the console's process does not hold its requests for a whole page.
  let sinceYield = 0;
  walk: for await (const item of entries) {
    const page: readonly (AuditEntryRecord | StoredAuditEntry)[] = Array.isArray(item)
      ? (item as readonly (AuditEntryRecord | StoredAuditEntry)[])
      : [item as AuditEntryRecord | StoredAuditEntry];
    for (const walked of page) {
      if (++sinceYield === YIELD_EVERY) {
        sinceYield = 0;
        await turnOfEventLoop();
      }
      // Most entries pass; the full checks run for the others and say what is wrong. An entry read with its details
      // as stored text is hashed as stored; one that does not pass that way is parsed and checked the full way.
      const stored = isStored(walked);
      const quick = stored ? storedEntryPassesQuickly(prev, walked) : entryPassesQuickly(prev, walked);
      const found = quick ? NO_FAILURES : verifyEntryAll(prev, stored ? parsedStoredEntry(walked) : walked);
      const entry: Pick<AuditEntryRecord, "seq" | "entryHash"> = walked;
      for (const f of found) report(f);
      const malformed = found[0]?.kind === "MALFORMED_ENTRY" && typeof entry?.seq !== "bigint";
      if (malformed) {
        prev = { seq: prev.seq + 1n, hash: prev.hash };
        count++;
        continue;
      }
      // Anchors of entries that are missing are passed over (the gap is reported).
      while (anchors[nextAnchor] && anchors[nextAnchor]!.seq < entry.seq) nextAnchor++;
      const anchor = anchors[nextAnchor];
      if (anchor && anchor.seq === entry.seq) {
        report(checkAnchor(anchor, entry));
        nextAnchor++;
      }
      if (head) report(checkHeadAt(head, entry));

      prev = { seq: entry.seq, hash: quick || isHashHex(entry.entryHash) ? entry.entryHash : prev.hash };
      count++;
      if (more) break walk;
    }
  }

  report(checkChainEnd(prev, head, anchors.slice(nextAnchor)));
  const first = failures[0];
  if (first) return { ok: false, entries: passed ?? count, failure: first, failures, moreFailures: more };
  return { ok: true, entries: count, headSeq: prev.seq, headHash: prev.hash };
}
