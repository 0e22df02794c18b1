/**
 * Writes a batch in one statement: new keys and participants, changed keys and
 * participants, the batch's audit entries and the moved audit head, as
 * data-modifying CTEs over JSON rows (PostgreSQL runs each of them to
 * completion whether or not the outer statement reads it). One round trip
 * however many jobs the batch holds; the transaction makes it all-or-nothing.
 * The same statement NOTIFYs live consoles (server/events), which PostgreSQL
 * delivers only if the transaction commits. A big batch (hundreds of entries)
 * sends its key rows ahead in a statement of their own (sendKeyRows), so that
 * PostgreSQL writes them while the runner hashes the chain; still one
 * transaction.
 */
import type pg from "pg";
import type { ChainedEntry } from "../audit/entry-hash";
import { encodeEvent, EVENT_CHANNEL, type EventTopic } from "../events/console-events";
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
function keysOf(ws: KeyWorkspace): { inserted: KeyRecord[]; changed: KeyRecord[] } {
  return {
    inserted: [...ws.inserted].map((id) => ws.committedKey(id)!),
    changed: [...ws.dirty].filter((id) => !ws.inserted.has(id)).map((id) => ws.committedKey(id)!),
  };
}

/** A statement's JSON parameters: `param` adds one and returns its placeholder. */
function parameters() {
  const params: unknown[] = [];
  const param = (rows: unknown[] | string) => {
    params.push(typeof rows === "string" ? rows : JSON.stringify(rows));
    return `$${params.length}::jsonb`;
  };
  return { params, param };
}

/**
 * Sends a big batch's key rows ahead of its audit entries, in the same
 * transaction, so that PostgreSQL writes them while this process hashes the
 * chain (flushWorkspace with `keyRowsSent` then writes the rest). Resolves
 * when they are written; a batch with no key rows sends nothing.
 */
export async function sendKeyRows(client: pg.ClientBase, ws: KeyWorkspace): Promise<void> {
  const { params, param } = parameters();
  const { parts, shape } = keyRowParts(ws, param);
  if (parts.length === 0) return;
  await client.query({ name: `qecnet-keyrows-${shape}`, text: `WITH ${parts.join(", ")} SELECT 1`, values: params });
}

export async function flushWorkspace(client: pg.ClientBase, ws: KeyWorkspace, entries: readonly ChainedEntry[], opts: { keyRowsSent?: boolean } = {}): Promise<void> {
  const { inserted, changed } = keysOf(ws);
  if (inserted.length === 0 && changed.length === 0 && entries.length === 0 && ws.events.length === 0) return;
  // Built as text: each entry's details are already canonical JSON (what was hashed), so they are not serialized again.
  const J = JSON.stringify;
  const auditJson = `[${entries.map((e) =>
    `{"seq":"${e.seq}","at":"${e.at.toISOString()}","actor":${J(e.actor)},"action":${J(e.action)},"subject_type":${J(e.subjectType)},` +
    `"subject_id":${J(e.subjectId)},"from_state":${J(e.fromState)},"to_state":${J(e.toState)},"details":${e.detailsText},` +
    `"prev_hash":${J(e.prevHash)},"entry_hash":${J(e.entryHash)}}`).join(",")}]`;
  const last = entries[entries.length - 1];
  const keyIds = [...inserted, ...changed].map((k) => k.id);
  const topics = new Set<EventTopic>([
    ...(entries.length > 0 ? (["audit"] as const) : []),
    ...(keyIds.length > 0 ? (["keys"] as const) : []),
    ...ws.events.map((e) => e.topic),
  ]);
  const event = encodeEvent({ topics: [...topics], seq: last?.seq.toString(), keyIds, events: ws.events.length > 0 ? ws.events : undefined });

  // Only the parts this batch needs: each is a data-modifying CTE over one JSON parameter.
  const { params, param } = parameters();
  const rows = opts.keyRowsSent ? { parts: [], shape: "0000" } : keyRowParts(ws, param);
  const parts = [...rows.parts];
  if (entries.length > 0) {
    parts.push(`new_audit AS (
      INSERT INTO audit_entries (seq, at, actor, action, subject_type, subject_id, from_state, to_state, details, prev_hash, entry_hash)
      SELECT seq::bigint, at, actor, action, subject_type, subject_id, from_state, to_state, details, prev_hash, entry_hash
      FROM jsonb_to_recordset(${param(auditJson)}) AS u(
        seq text, at timestamptz, actor text, action text, subject_type text, subject_id text, from_state text,
        to_state text, details jsonb, prev_hash text, entry_hash text)
    )`);
  }
  const withClause = parts.length > 0 ? `WITH ${parts.join(", ")} ` : "";
  params.push(last?.seq.toString() ?? null, last?.entryHash ?? null, last ? last.at.toISOString() : null, EVENT_CHANNEL, event);
  const n = params.length - 2;
  // Named per combination of parts, so each shape is planned once per connection.
  await client.query({
    name: `qecnet-flush-${rows.shape}${entries.length > 0 ? 1 : 0}`,
    text: `${withClause}
    UPDATE audit_head SET
      seq = COALESCE($${n - 2}::bigint, seq),
      hash = COALESCE($${n - 1}::text, hash),
      updated_at = COALESCE($${n}::timestamptz, updated_at)
    FROM (SELECT pg_notify($${n + 1}::text, $${n + 2}::text)) AS announced
    WHERE id = 1`,
    values: params,
  });
}

/** The data-modifying CTEs that write the batch's new and changed keys and participants, and which of the four there are. */
function keyRowParts(ws: KeyWorkspace, param: (rows: unknown[]) => string): { parts: string[]; shape: string } {
  const { inserted, changed } = keysOf(ws);
  const newKeys = inserted.map((k) => ({
    ...mutable(k), lineage_id: k.lineageId, generation: k.generation, distribution_attempt: k.distributionAttempt,
    predecessor_id: k.predecessorId, label: k.label, purpose: k.purpose, policy: k.policy, size_bits: k.sizeBits,
    fingerprint: k.fingerprint, entropy_source: k.entropySource, material_ciphertext: b64(k.materialCiphertext),
    material_nonce: b64(k.materialNonce), material_key_id: k.materialKeyId, retention_days: k.retentionDays,
    generated_at: iso(k.generatedAt),
  }));
  const newParts = inserted.flatMap((k) => k.participants.map((p) => ({ key_id: k.id, node_id: p.nodeId, confirmed_at: iso(p.confirmedAt), receipt_mac: p.receiptMac, purged_at: iso(p.purgedAt), purge_requested_at: iso(p.purgeRequestedAt) })));
  const updKeys = changed.map((k) => ({ ...mutable(k), zeroise: ws.zeroised.has(k.id) }));
  const updParts = changed.flatMap((k) => k.participants.filter((p) => ws.participantChanged(k.id, p)).map((p) => ({ key_id: k.id, node_id: p.nodeId, confirmed_at: iso(p.confirmedAt), receipt_mac: p.receiptMac, purged_at: iso(p.purgedAt), purge_requested_at: iso(p.purgeRequestedAt) })));
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
      FROM jsonb_to_recordset(${param(newKeys)}) AS u(
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
      INSERT INTO key_participants (key_id, node_id, confirmed_at, receipt_mac, purged_at, purge_requested_at)
      SELECT key_id, node_id, confirmed_at, receipt_mac, purged_at, purge_requested_at
      FROM jsonb_to_recordset(${param(newParts)}) AS u(
        key_id uuid, node_id text, confirmed_at timestamptz, receipt_mac text, purged_at timestamptz, purge_requested_at timestamptz)
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
      FROM jsonb_to_recordset(${param(updKeys)}) AS u(
        id uuid, state text, version int, usage_count text, last_used_at timestamptz, failure_reason text,
        revocation_reason text, distributed_at timestamptz, activated_at timestamptz, rotating_at timestamptz,
        retired_at timestamptz, revoked_at timestamptz, destroyed_at timestamptz, updated_at timestamptz, zeroise boolean)
      WHERE k.id = u.id
    )`);
  }
  if (updParts.length > 0) {
    parts.push(`upd_parts AS (
      UPDATE key_participants AS p SET confirmed_at = u.confirmed_at, receipt_mac = u.receipt_mac,
        -- purged_at is set by the holder's confirmation (server/keys/purging), never cleared by a stale workspace
        purged_at = COALESCE(p.purged_at, u.purged_at), purge_requested_at = COALESCE(p.purge_requested_at, u.purge_requested_at)
      FROM jsonb_to_recordset(${param(updParts)}) AS u(
        key_id uuid, node_id text, confirmed_at timestamptz, receipt_mac text, purged_at timestamptz, purge_requested_at timestamptz)
      WHERE p.key_id = u.key_id AND p.node_id = u.node_id
    )`);
  }
  return { parts, shape: [newKeys, newParts, updKeys, updParts].map((a) => (a.length > 0 ? 1 : 0)).join("") };
}
