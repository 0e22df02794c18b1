/**
 * An audit entry as plain JSON (bigint and Date as strings): the object the
 * entry hash covers (with the format version), and the form of entries in
 * exports and proofs (with the entry hash). One mapping for both, so they can
 * never disagree. Pure: runs in the browser too.
 */
import type { AuditEntryRecord, UnhashedAuditEntry } from "./types";

export type AuditEntryJson = Omit<AuditEntryRecord, "seq" | "at"> & { seq: string; at: string };

/** Every field but the entry hash; seq as a decimal string (it may exceed 2^53), at as ISO 8601 with milliseconds. */
export function unhashedEntryJson(e: UnhashedAuditEntry): Omit<AuditEntryJson, "entryHash"> {
  return {
    seq: e.seq.toString(),
    at: e.at.toISOString(),
    actor: e.actor,
    action: e.action,
    subjectType: e.subjectType,
    subjectId: e.subjectId,
    fromState: e.fromState,
    toState: e.toState,
    details: e.details,
    prevHash: e.prevHash,
  };
}
