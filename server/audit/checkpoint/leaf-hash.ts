/** The leaf hash with node:crypto, hashing the leaf text as it is encoded: the hot path of checkpoints, exports and the offline verifier. */
import type { AuditEntryRecord } from "../../domain/audit/types";
import { leafText } from "../../domain/audit/audit-leaf";
import { canonicalJson } from "../../domain/audit/canonical-json";
import { entryTextOf } from "../entry-hash";
import { sha256Bytes } from "../merkle/node-hasher";

const LEAF_PREFIX_TEXT = "\u0000";
const FROM_STATE_KEY = '"fromState":';

/**
 * The leaf text of an entry from its hashed text (entryTextOf): the leaf
 * object is the hashed object plus entryHash, whose key sorts between
 * "details" and "fromState". The last `"fromState":` in the text is the
 * top-level key: details (before it) may hold such a key, but the string
 * values after it cannot hold an unescaped quote. A unit test holds this
 * equal to leafText.
 */
export function leafTextFromEntryText(entryText: string, entryHash: string): string {
  const at = entryText.lastIndexOf(FROM_STATE_KEY);
  if (at < 0) throw new Error("not an entry text: it has no fromState field");
  return `${entryText.slice(0, at)}"entryHash":${canonicalJson(entryHash)},${entryText.slice(at)}`;
}

/**
 * SHA-256(0x00 || leaf text) for a leaf text already built, in one call (the text is UTF-8 encoded, and U+0000 is
 * the byte 0x00); a Hash object per leaf cost three times as much.
 */
export function leafHashOfText(text: string): Uint8Array {
  return sha256Bytes(LEAF_PREFIX_TEXT + text);
}

/**
 * SHA-256(0x00 || leaf data) of an entry (RFC 6962 leaf hash). The fast
 * path shares the entry hash's text; an entry it refuses (a field in the
 * wrong format) is hashed through leafText, as it always was.
 */
export function leafHashOf(e: AuditEntryRecord): Uint8Array {
  let text: string;
  try {
    text = leafTextFromEntryText(entryTextOf(e), e.entryHash);
  } catch {
    text = leafText(e);
  }
  return leafHashOfText(text);
}
