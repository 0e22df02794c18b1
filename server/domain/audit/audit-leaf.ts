/**
 * What a leaf of the audit Merkle tree is, and the JSON form of an entry in
 * exports and proofs.
 *
 * Leaf data (v1) = UTF-8 of canonicalJson({ v: 1, seq, at, actor, action,
 * subjectType, subjectId, fromState, toState, details, prevHash, entryHash })
 * with seq as a decimal string and at as ISO 8601 UTC with milliseconds:
 * exactly the object the entry hash covers, plus the entry hash itself. The
 * leaf hash is SHA-256(0x00 || leaf data) (RFC 6962). So the tree commits to
 * every field of every entry and to the chain's links, and a verifier holding
 * only the entry (the browser, an auditor) can recompute its leaf.
 *
 * Pure: no I/O, no node:crypto (runs in the browser).
 */
import { canonicalJson } from "./canonical-json";
import { unhashedEntryJson, type AuditEntryJson } from "./entry-json";
import type { AuditEntryRecord, JsonValue } from "./types";

export const LEAF_FORMAT_VERSION = 1;

/** An entry as exported (JSON Lines, proofs): bigint and Date as strings. */
export type { AuditEntryJson };

export function entryToJson(e: AuditEntryRecord): AuditEntryJson {
  return { ...unhashedEntryJson(e), entryHash: e.entryHash };
}

const ENTRY_KEYS = ["seq", "at", "actor", "action", "subjectType", "subjectId", "fromState", "toState", "details", "prevHash", "entryHash"] as const;
const SEQ = /^[1-9][0-9]{0,18}$/;
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * The record an exported entry stands for, or a description of why it is not
 * one (unknown or missing fields, a seq or time that would not round-trip).
 * Field types are checked later by the chain verifier's format check.
 */
export function entryFromJson(value: unknown): { ok: true; entry: AuditEntryRecord } | { ok: false; problem: string } {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return { ok: false, problem: "not a JSON object" };
  const o = value as Record<string, unknown>;
  const extra = Object.keys(o).filter((k) => k !== "type" && !(ENTRY_KEYS as readonly string[]).includes(k));
  if (extra.length) return { ok: false, problem: `unknown field ${JSON.stringify(extra[0])}` };
  const missing = ENTRY_KEYS.find((k) => !(k in o));
  if (missing) return { ok: false, problem: `field "${missing}" is missing` };
  if (typeof o.seq !== "string" || !SEQ.test(o.seq)) return { ok: false, problem: `seq must be a decimal string ≥ 1, got ${JSON.stringify(o.seq)}` };
  if (typeof o.at !== "string" || !ISO_MS.test(o.at) || new Date(o.at).toISOString() !== o.at) {
    return { ok: false, problem: `at must be an ISO 8601 UTC time with milliseconds, got ${JSON.stringify(o.at)}` };
  }
  return {
    ok: true,
    entry: {
      seq: BigInt(o.seq),
      at: new Date(o.at),
      actor: o.actor as string,
      action: o.action as string,
      subjectType: o.subjectType as string,
      subjectId: o.subjectId as string,
      fromState: o.fromState as string | null,
      toState: o.toState as string | null,
      details: o.details as JsonValue,
      prevHash: o.prevHash as string,
      entryHash: o.entryHash as string,
    },
  };
}

const encoder = new TextEncoder();

/** The leaf data of an entry as text (UTF-8 encode it for the bytes). Throws CanonicalJsonError for non-JSON details. */
export function leafText(e: AuditEntryRecord): string {
  return canonicalJson({ v: LEAF_FORMAT_VERSION, ...entryToJson(e) });
}

/** The leaf data of an entry (see the file comment). */
export function leafData(e: AuditEntryRecord): Uint8Array {
  return encoder.encode(leafText(e));
}
