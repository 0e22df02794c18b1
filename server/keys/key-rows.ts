/**
 * Loads key rows with their participants in one statement (keys named by a
 * batch, their successors and their predecessors), mapped to KeyRecord.
 * Raw SQL on the runner's pg connection: the batch runner's speed is bounded
 * by round trips.
 */
import pg from "pg";
import type { ServerStatement } from "../db/server-statements";
import type { KeyState } from "../domain/lifecycle/key-states";
import type { KeyRecord } from "./key-record";

interface Row {
  id: string; lineage_id: string; generation: number; distribution_attempt: number; predecessor_id: string | null;
  label: string; purpose: string; policy: string; state: KeyState; version: number; size_bits: number;
  fingerprint: string; entropy_source: string; material_ciphertext: Uint8Array | null; material_nonce: Uint8Array | null;
  material_key_id: string | null; usage_count: bigint | number | string; last_used_at: Date | null; failure_reason: string | null;
  revocation_reason: string | null; retention_days: number; generated_at: Date; distributed_at: Date | null;
  activated_at: Date | null; rotating_at: Date | null; retired_at: Date | null; revoked_at: Date | null;
  destroyed_at: Date | null; updated_at: Date;
  participants: Array<{ nodeId: string; confirmedAt: string | null; receiptMac: string | null; purgeConfirmedAt: string | null; purgeRequestedAt: string | null }> | string;
}

const { escapeLiteral } = pg;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const date = (v: string | null) => (v === null ? null : new Date(v));
const bytes = (v: Uint8Array | null) => (v === null ? null : (new Uint8Array(v) as Uint8Array<ArrayBuffer>));

function toRecord(r: Row): KeyRecord {
  const parts = typeof r.participants === "string" ? (JSON.parse(r.participants) as Exclude<Row["participants"], string>) : r.participants;
  return {
    id: r.id, lineageId: r.lineage_id, generation: r.generation, distributionAttempt: r.distribution_attempt,
    predecessorId: r.predecessor_id, label: r.label, purpose: r.purpose, policy: r.policy, state: r.state,
    version: r.version, sizeBits: r.size_bits, fingerprint: r.fingerprint, entropySource: r.entropy_source,
    materialCiphertext: bytes(r.material_ciphertext), materialNonce: bytes(r.material_nonce), materialKeyId: r.material_key_id,
    usageCount: BigInt(r.usage_count), lastUsedAt: r.last_used_at, failureReason: r.failure_reason,
    revocationReason: r.revocation_reason, retentionDays: r.retention_days, generatedAt: r.generated_at,
    distributedAt: r.distributed_at, activatedAt: r.activated_at, rotatingAt: r.rotating_at, retiredAt: r.retired_at,
    revokedAt: r.revoked_at, destroyedAt: r.destroyed_at, updatedAt: r.updated_at,
    participants: parts
      .map((p) => ({ nodeId: p.nodeId, confirmedAt: date(p.confirmedAt), receiptMac: p.receiptMac, purgeConfirmedAt: date(p.purgeConfirmedAt), purgeRequestedAt: date(p.purgeRequestedAt) }))
      .sort((a, b) => a.nodeId.localeCompare(b.nodeId)),
  };
}

// Ids first (the keys, their successors, and the predecessors of both), then each row once with its participants.
// The rows are fetched by `id = ANY (ARRAY(…))`, an index lookup per id whatever the plan: joined to the ids
// instead, the generic plan every batch runs (plan_cache_mode = force_generic_plan) hashed them and scanned the
// whole keys table, O(keys) per batch.
const FAMILY_SQL = `WITH direct AS (
      SELECT k.id, k.predecessor_id FROM keys k WHERE k.id = ANY($1::uuid[])
      UNION
      SELECT k.id, k.predecessor_id FROM keys k WHERE k.predecessor_id = ANY($1::uuid[])
    ),
    family AS (
      SELECT id FROM direct
      UNION
      SELECT predecessor_id FROM direct WHERE predecessor_id IS NOT NULL
    )
    SELECT k.*, COALESCE(p.participants, '[]'::json) AS participants
    FROM keys k
    LEFT JOIN LATERAL (
      SELECT json_agg(json_build_object('nodeId', p.node_id, 'confirmedAt', p.confirmed_at,
                                        'receiptMac', p.receipt_mac, 'purgeConfirmedAt', p.purge_confirmed_at,
                                        'purgeRequestedAt', p.purge_requested_at)) AS participants
      FROM key_participants p WHERE p.key_id = k.id) p ON true
    WHERE k.id = ANY (ARRAY(SELECT id FROM family))`;

const familyIds = (ids: readonly string[]) => [...new Set(ids)].filter((id) => UUID.test(id));

export async function loadKeyFamily(client: pg.ClientBase, ids: readonly string[]): Promise<KeyRecord[]> {
  const wanted = familyIds(ids);
  if (wanted.length === 0) return [];
  // A named (prepared) statement: PostgreSQL plans it once per connection.
  const { rows } = await client.query<Row>({ name: "qecnet-load-key-family", text: FAMILY_SQL, values: [wanted] });
  return rows.map(toRecord);
}

/** loadKeyFamily as a statement prepared on the server, run with the batch's BEGIN and head lock (BatchPart.preloadPrepared). */
export const KEY_FAMILY_STATEMENT: ServerStatement = { base: "qecnet_key_family_v2", params: "uuid[]", sql: FAMILY_SQL };

/** Its argument for these ids (only well-formed UUIDs, as loadKeyFamily reads), or null when there is none. */
export function keyFamilyArgs(ids: readonly string[]): string[] | null {
  const wanted = familyIds(ids);
  return wanted.length === 0 ? null : [`${escapeLiteral(`{${wanted.join(",")}}`)}::uuid[]`];
}

/** The keys its EXECUTE read (as loadKeyFamily returns them). */
export function keyFamilyOf(result: pg.QueryResult): KeyRecord[] {
  return (result.rows as Row[]).map(toRecord);
}
