/**
 * Shared types of the audit chain: the stored entry, the draft an appender
 * hands in, and the typed outcome of verifying a chain.
 *
 * Kept apart from the hashing and verifying code so the DB appender, the
 * verifier and the UI can share them without pulling in node:crypto.
 */

import type { JsonValue } from "./canonical-json";

export type { JsonValue };

/** One audit entry as stored (seq is BIGINT in PostgreSQL). */
export interface AuditEntryRecord {
  /** 1, 2, 3, … with no gaps. */
  seq: bigint;
  /** Millisecond precision; hashed via toISOString(), so the column must keep milliseconds. */
  at: Date;
  actor: string;
  /** UPPER_SNAKE, e.g. KEY_ACTIVATED. */
  action: string;
  /** e.g. "key", "node", "system". */
  subjectType: string;
  subjectId: string;
  fromState: string | null;
  toState: string | null;
  /** A JSON object. */
  details: JsonValue;
  /** 64 lowercase hex; the genesis prevHash is 64 zeros. */
  prevHash: string;
  /** 64 lowercase hex. */
  entryHash: string;
}

/**
 * A stored entry as the verifiers read it: details as the text the database holds (the canonical JSON the appender
 * hashed, for entries written since details became json), not parsed.
 */
export type StoredAuditEntry = Omit<AuditEntryRecord, "details"> & { detailsText: string };

/** What an appender supplies; chainEntries assigns the rest. */
export type AuditEntryDraft = Omit<AuditEntryRecord, "seq" | "prevHash" | "entryHash">;

/** The part of an entry its hash is computed over. */
export type UnhashedAuditEntry = Omit<AuditEntryRecord, "entryHash">;

/**
 * A position in the chain: the head row, a trusted anchor (checkpoint), or
 * the previous entry while walking. seq 0 with GENESIS_HASH is "before the
 * first entry".
 */
export interface ChainLink {
  seq: bigint;
  hash: string;
}

export type ChainFailureKind =
  | "SEQUENCE_GAP"
  | "PREV_HASH_MISMATCH"
  | "ENTRY_HASH_MISMATCH"
  | "HEAD_MISMATCH"
  | "TRUNCATED"
  | "ANCHOR_MISMATCH"
  | "MALFORMED_ENTRY";

export interface ChainFailure {
  kind: ChainFailureKind;
  /**
   * The first broken entry, or where an entry was expected but missing
   * (SEQUENCE_GAP: the expected seq; TRUNCATED: the first missing seq).
   * null only when there is no entry to point at (an empty chain whose head
   * hash is wrong).
   */
  seq: bigint | null;
  /**
   * What the trusted side says, versus what was found.
   * SEQUENCE_GAP / TRUNCATED: decimal seq numbers.
   * PREV_HASH_MISMATCH: previous entry's hash vs this entry's prevHash.
   * ENTRY_HASH_MISMATCH: hash recomputed from the contents vs stored entryHash.
   * ANCHOR_MISMATCH / HEAD_MISMATCH: trusted hash vs the entry's hash
   * (or, for an entry past the head, head seq vs entry seq).
   * MALFORMED_ENTRY: the required format vs a description of the value found.
   */
  expected: string;
  actual: string;
  /** One sentence a person can act on. */
  message: string;
}

export type ChainVerification =
  | { ok: true; entries: number; headSeq: bigint; headHash: string }
  /**
   * `entries` counts the entries that passed every check before the first
   * failure; `failure` is the first of `failures`, every break the walk
   * found (it resynchronises after each, so an edit at #150 and a deletion
   * at #250 are both reported; at most MAX_CHAIN_FAILURES).
   */
  | { ok: false; entries: number; failure: ChainFailure; failures: ChainFailure[]; moreFailures: boolean };

export interface VerifyChainOptions {
  /** The head row; when given, the chain must end exactly there. */
  head?: ChainLink | null;
  /** Trusted {seq, hash} pairs published earlier (checkpoints); each must match. */
  anchors?: readonly ChainLink[];
  /** Stop after this many breaks (default MAX_CHAIN_FAILURES); 1 stops at the first, reading no further. */
  maxFailures?: number;
  /**
   * The link the first entry follows (default the genesis link before #1): to verify the chain from
   * start.seq + 1 on, given the stored entry start.seq it continues. A part of a walk split in ranges.
   */
  start?: ChainLink;
}
