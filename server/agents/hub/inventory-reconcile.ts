/**
 * Reconciling an agent's inventory at hello (KEY-DELIVERY.md §6.3) against
 * what the hub recorded for that node. Keys it holds but should not (no
 * participant row, or a purge was requested or confirmed) go back in
 * `welcome.purge`; keys it confirmed (receipt) for an ACTIVE or ROTATING key,
 * with no purge asked, that it no longer holds are lost copies; a held copy
 * whose fingerprint differs from the recorded one (or reads "corrupt") is an
 * integrity mismatch. The plan is pure; loading the holdings is one query.
 */
import { poolOf, type Db } from "../../db/client";

export interface Holding {
  keyId: string;
  /** The fingerprint the hub recorded for the key. */
  fingerprint: string;
  state: string;
  confirmed: boolean;
  purgeRequested: boolean;
  purged: boolean;
}

export interface ReconcilePlan {
  purge: string[];
  lost: string[];
  mismatched: string[];
}

const LIVE_STATES = new Set(["ACTIVE", "ROTATING"]);

export function planReconcile(holdings: readonly Holding[], inventory: ReadonlyArray<{ keyId: string; fingerprint: string }>): ReconcilePlan {
  const byKey = new Map(holdings.map((h) => [h.keyId, h]));
  const held = new Set<string>();
  const plan: ReconcilePlan = { purge: [], lost: [], mismatched: [] };
  for (const item of inventory) {
    held.add(item.keyId);
    const h = byKey.get(item.keyId);
    if (!h || h.purgeRequested || h.purged) plan.purge.push(item.keyId);
    else if (LIVE_STATES.has(h.state) && item.fingerprint !== h.fingerprint) plan.mismatched.push(item.keyId);
  }
  for (const h of holdings) {
    if (h.confirmed && !h.purgeRequested && !h.purged && LIVE_STATES.has(h.state) && !held.has(h.keyId)) plan.lost.push(h.keyId);
  }
  return plan;
}

/** Every key the hub recorded for a node, with what reconciliation needs. */
export async function loadHoldings(db: Db, nodeId: string): Promise<Holding[]> {
  const { rows } = await poolOf(db).query<{ key_id: string; fingerprint: string; state: string; confirmed: boolean; purge_requested: boolean; purged: boolean }>(
    `SELECT p.key_id, k.fingerprint, k.state::text AS state, p.confirmed_at IS NOT NULL AS confirmed,
            p.purge_requested_at IS NOT NULL AS purge_requested, p.purge_confirmed_at IS NOT NULL AS purged
       FROM key_participants p JOIN keys k ON k.id = p.key_id WHERE p.node_id = $1`,
    [nodeId],
  );
  return rows.map((r) => ({ keyId: r.key_id, fingerprint: r.fingerprint, state: r.state, confirmed: r.confirmed, purgeRequested: r.purge_requested, purged: r.purged }));
}
