/**
 * Writes a batch's workspace: new keys and their participants with createMany,
 * changed keys and participants each with one set-based UPDATE, so a batch
 * costs a handful of statements however many jobs it holds.
 */
import type { Prisma } from "../../generated/prisma/client";
import type { KeyWorkspace } from "./key-workspace";

type Tx = Prisma.TransactionClient;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export async function flushWorkspace(tx: Tx, ws: KeyWorkspace): Promise<void> {
  const inserted = [...ws.inserted].map((id) => ws.committedKey(id)!);
  if (inserted.length > 0) {
    await tx.key.createMany({ data: inserted.map(({ participants: _p, ...row }) => row) });
    const parts = inserted.flatMap((k) => k.participants.map((p) => ({ keyId: k.id, ...p })));
    if (parts.length > 0) await tx.keyParticipant.createMany({ data: parts });
  }
  const changed = [...ws.dirty].filter((id) => !ws.inserted.has(id)).map((id) => ws.committedKey(id)!);
  if (changed.length === 0) return;
  const rows = changed.map((k) => ({
    id: k.id,
    state: k.state,
    version: k.version,
    usage_count: k.usageCount.toString(),
    last_used_at: iso(k.lastUsedAt),
    failure_reason: k.failureReason,
    revocation_reason: k.revocationReason,
    distributed_at: iso(k.distributedAt),
    activated_at: iso(k.activatedAt),
    rotating_at: iso(k.rotatingAt),
    retired_at: iso(k.retiredAt),
    revoked_at: iso(k.revokedAt),
    destroyed_at: iso(k.destroyedAt),
    updated_at: iso(k.updatedAt),
    zeroise: ws.zeroised.has(k.id),
  }));
  await tx.$executeRaw`
    UPDATE keys AS k SET
      state = u.state::"KeyState",
      version = u.version,
      usage_count = u.usage_count::bigint,
      last_used_at = u.last_used_at,
      failure_reason = u.failure_reason,
      revocation_reason = u.revocation_reason,
      distributed_at = u.distributed_at,
      activated_at = u.activated_at,
      rotating_at = u.rotating_at,
      retired_at = u.retired_at,
      revoked_at = u.revoked_at,
      destroyed_at = u.destroyed_at,
      updated_at = u.updated_at,
      material_ciphertext = CASE WHEN u.zeroise THEN NULL ELSE k.material_ciphertext END,
      material_nonce = CASE WHEN u.zeroise THEN NULL ELSE k.material_nonce END
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS u(
      id uuid, state text, version int, usage_count text, last_used_at timestamptz,
      failure_reason text, revocation_reason text, distributed_at timestamptz,
      activated_at timestamptz, rotating_at timestamptz, retired_at timestamptz,
      revoked_at timestamptz, destroyed_at timestamptz, updated_at timestamptz, zeroise boolean)
    WHERE k.id = u.id`;
  const parts = changed.flatMap((k) =>
    k.participants.map((p) => ({
      key_id: k.id,
      node_id: p.nodeId,
      confirmed_at: iso(p.confirmedAt),
      receipt_mac: p.receiptMac,
      purged_at: iso(p.purgedAt),
    })),
  );
  if (parts.length === 0) return;
  await tx.$executeRaw`
    UPDATE key_participants AS p SET
      confirmed_at = u.confirmed_at, receipt_mac = u.receipt_mac, purged_at = u.purged_at
    FROM jsonb_to_recordset(${JSON.stringify(parts)}::jsonb) AS u(
      key_id uuid, node_id text, confirmed_at timestamptz, receipt_mac text, purged_at timestamptz)
    WHERE p.key_id = u.key_id AND p.node_id = u.node_id
      AND (p.confirmed_at IS DISTINCT FROM u.confirmed_at OR p.receipt_mac IS DISTINCT FROM u.receipt_mac
           OR p.purged_at IS DISTINCT FROM u.purged_at)`;
}
