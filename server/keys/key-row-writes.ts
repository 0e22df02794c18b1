/**
 * The keys' share of a batch's flush statement: data-modifying CTEs that write
 * the batch's new and changed keys and participants (server/commit/batch-flush.ts
 * joins them with the audit entries and the head update in one statement).
 */
import { jsonRowsTable, type JsonParam, type RowParts } from "../commit/batch-part";
import type { KeyRecord } from "./key-record";
import type { KeyWorkspace } from "./key-workspace";

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const b64 = (b: Uint8Array | null) => (b ? Buffer.from(b).toString("base64") : null);

function mutable(k: KeyRecord) {
  return {
    id: k.id, state: k.state, version: k.version, usage_count: k.usageCount.toString(), last_used_at: iso(k.lastUsedAt),
    failure_reason: k.failureReason, revocation_reason: k.revocationReason, distributed_at: iso(k.distributedAt),
    activated_at: iso(k.activatedAt), rotating_at: iso(k.rotatingAt), retired_at: iso(k.retiredAt),
    revoked_at: iso(k.revokedAt), destroyed_at: iso(k.destroyedAt), updated_at: iso(k.updatedAt),
  };
}

/** The batch's new and changed keys (as committed by its jobs). */
export function keysOf(ws: KeyWorkspace): { inserted: KeyRecord[]; changed: KeyRecord[] } {
  return {
    inserted: [...ws.inserted].map((id) => ws.committedKey(id)!),
    changed: [...ws.dirty].filter((id) => !ws.inserted.has(id)).map((id) => ws.committedKey(id)!),
  };
}

/** The data-modifying CTEs that write the batch's new and changed keys and participants, and which of the four there are. */
export function keyRowParts(ws: KeyWorkspace, param: JsonParam): RowParts {
  const { inserted, changed } = keysOf(ws);
  // Object.assign onto the mutable columns: a spread followed by new fields takes a slow path in V8 (about 30 times the cost).
  const newKeys = inserted.map((k) => Object.assign(mutable(k), {
    lineage_id: k.lineageId, generation: k.generation, distribution_attempt: k.distributionAttempt,
    predecessor_id: k.predecessorId, label: k.label, purpose: k.purpose, policy: k.policy, size_bits: k.sizeBits,
    fingerprint: k.fingerprint, entropy_source: k.entropySource, material_ciphertext: b64(k.materialCiphertext),
    material_nonce: b64(k.materialNonce), material_key_id: k.materialKeyId, retention_days: k.retentionDays,
    generated_at: iso(k.generatedAt),
  }));
  const newParts = inserted.flatMap((k) => k.participants.map((p) => ({ key_id: k.id, node_id: p.nodeId, confirmed_at: iso(p.confirmedAt), receipt_mac: p.receiptMac, purge_confirmed_at: iso(p.purgeConfirmedAt), purge_requested_at: iso(p.purgeRequestedAt) })));
  const updKeys = changed.map((k) => Object.assign(mutable(k), { zeroise: ws.zeroised.has(k.id) }));
  const updParts = changed.flatMap((k) => k.participants.filter((p) => ws.participantChanged(k.id, p)).map((p) => ({ key_id: k.id, node_id: p.nodeId, confirmed_at: iso(p.confirmedAt), receipt_mac: p.receiptMac, purge_confirmed_at: iso(p.purgeConfirmedAt), purge_requested_at: iso(p.purgeRequestedAt) })));
  const parts: string[] = [];
  if (newKeys.length > 0) {
    parts.push(`new_keys AS (
      INSERT INTO keys (id, lineage_id, generation, distribution_attempt, predecessor_id, label, purpose, policy, state,
        version, size_bits, fingerprint, entropy_source, material_ciphertext, material_nonce, material_key_id,
        usage_count, last_used_at, failure_reason, revocation_reason, retention_days, generated_at, distributed_at,
        activated_at, rotating_at, retired_at, revoked_at, destroyed_at, updated_at)
      SELECT id, lineage_id, generation, distribution_attempt, predecessor_id, label, purpose, policy, state::"KeyState",
        version, size_bits, fingerprint, entropy_source, decode(material_ciphertext, 'base64'), decode(material_nonce, 'base64'),
        material_key_id, usage_count::bigint, last_used_at, failure_reason, revocation_reason, retention_days, generated_at,
        distributed_at, activated_at, rotating_at, retired_at, revoked_at, destroyed_at, updated_at
      FROM json_to_recordset(${param(newKeys)}) AS u(
        id uuid, lineage_id uuid, generation int, distribution_attempt int, predecessor_id uuid, label text, purpose text,
        policy text, state text, version int, size_bits int, fingerprint text, entropy_source text, material_ciphertext text,
        material_nonce text, material_key_id text, usage_count text, last_used_at timestamptz, failure_reason text,
        revocation_reason text, retention_days int, generated_at timestamptz, distributed_at timestamptz,
        activated_at timestamptz, rotating_at timestamptz, retired_at timestamptz, revoked_at timestamptz,
        destroyed_at timestamptz, updated_at timestamptz)
    )`);
  }
  if (newParts.length > 0) {
    parts.push(`new_parts AS (
      INSERT INTO key_participants (key_id, node_id, confirmed_at, receipt_mac, purge_confirmed_at, purge_requested_at)
      SELECT key_id, node_id, confirmed_at, receipt_mac, purge_confirmed_at, purge_requested_at
      FROM json_to_recordset(${param(newParts)}) AS u(
        key_id uuid, node_id text, confirmed_at timestamptz, receipt_mac text, purge_confirmed_at timestamptz, purge_requested_at timestamptz)
    )`);
  }
  if (updKeys.length > 0) {
    parts.push(`upd_keys AS (
      UPDATE keys AS k SET
        state = u.state::"KeyState", version = u.version, usage_count = u.usage_count::bigint,
        last_used_at = u.last_used_at, failure_reason = u.failure_reason, revocation_reason = u.revocation_reason,
        distributed_at = u.distributed_at, activated_at = u.activated_at, rotating_at = u.rotating_at,
        retired_at = u.retired_at, revoked_at = u.revoked_at, destroyed_at = u.destroyed_at, updated_at = u.updated_at,
        material_ciphertext = CASE WHEN u.zeroise THEN NULL ELSE k.material_ciphertext END,
        material_nonce = CASE WHEN u.zeroise THEN NULL ELSE k.material_nonce END
      FROM ${jsonRowsTable(param(updKeys), "u", `
        id uuid, state text, version int, usage_count text, last_used_at timestamptz, failure_reason text,
        revocation_reason text, distributed_at timestamptz, activated_at timestamptz, rotating_at timestamptz,
        retired_at timestamptz, revoked_at timestamptz, destroyed_at timestamptz, updated_at timestamptz, zeroise boolean`)}
      WHERE k.id = u.id
    )`);
  }
  if (updParts.length > 0) {
    parts.push(`upd_parts AS (
      UPDATE key_participants AS p SET confirmed_at = u.confirmed_at, receipt_mac = u.receipt_mac,
        -- purge_confirmed_at is set by the holder's confirmation (server/purging), never cleared by a stale workspace
        purge_confirmed_at = COALESCE(p.purge_confirmed_at, u.purge_confirmed_at), purge_requested_at = COALESCE(p.purge_requested_at, u.purge_requested_at)
      FROM ${jsonRowsTable(param(updParts), "u", `
        key_id uuid, node_id text, confirmed_at timestamptz, receipt_mac text, purge_confirmed_at timestamptz, purge_requested_at timestamptz`)}
      WHERE p.key_id = u.key_id AND p.node_id = u.node_id
    )`);
  }
  return { parts, shape: [newKeys, newParts, updKeys, updParts].map((a) => (a.length > 0 ? 1 : 0)).join("") };
}
