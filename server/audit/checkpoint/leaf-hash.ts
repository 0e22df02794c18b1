/** The leaf hash with node:crypto, hashing the leaf text as it is encoded: the hot path of checkpoints, exports and the offline verifier. */
import { createHash } from "node:crypto";
import type { AuditEntryRecord } from "../../domain/audit/types";
import { leafText } from "../../domain/audit/audit-leaf";

const LEAF_PREFIX = Uint8Array.of(0x00);

/** SHA-256(0x00 || leaf data) of an entry (RFC 6962 leaf hash). */
export function leafHashOf(e: AuditEntryRecord): Uint8Array {
  return createHash("sha256").update(LEAF_PREFIX).update(leafText(e), "utf8").digest();
}
