/**
 * Writes what a batch's jobs changed in the mesh, in one statement of
 * data-modifying CTEs (like workspace-flush.ts for keys), in the batch's
 * transaction: new, changed and removed links, changed nodes, key routes, link
 * samples and the simulation state.
 */
import type pg from "pg";
import { jsonRowsTable } from "../commit/batch-part";
import type { MeshWorkspace } from "./mesh-workspace";
import type { MeshLink } from "../domain/mesh/mesh-model";

const linkRow = (l: MeshLink) => ({
  id: l.id, a_node_id: l.aNodeId, b_node_id: l.bNodeId, status: l.status, kind: l.kind, via_node_id: l.viaNodeId,
  length_km: l.lengthKm, loss_db_per_km: l.lossDbPerKm, detector_efficiency: l.detectorEfficiency,
  baseline_qber: l.baselineQber, qber: l.qber, secret_key_rate_bps: l.secretKeyRateBps,
  pool_bits: String(Math.round(l.poolBits)), pool_capacity_bits: String(Math.round(l.poolCapacityBits)),
  eavesdropper: l.eavesdropper, down_reason: l.downReason, bits_consumed: String(Math.round(l.bitsConsumed)),
  dark_count_yield: l.darkCountYield, detector_error_rate: l.detectorErrorRate, error_correction_efficiency: l.errorCorrectionEfficiency, pulse_rate_hz: l.pulseRateHz,
});

const LINK_COLUMNS = `id text, a_node_id text, b_node_id text, status text, kind text, via_node_id text, length_km float8,
  loss_db_per_km float8, detector_efficiency float8, baseline_qber float8, qber float8, secret_key_rate_bps float8,
  pool_bits text, pool_capacity_bits text, eavesdropper boolean, down_reason text, bits_consumed text, dark_count_yield float8,
  detector_error_rate float8, error_correction_efficiency float8, pulse_rate_hz float8`;

export async function flushMesh(client: pg.ClientBase, m: MeshWorkspace, now: Date): Promise<void> {
  if (!m.hasChanges()) return;
  const parts: string[] = [];
  const params: unknown[] = [];
  const param = (v: unknown) => {
    params.push(JSON.stringify(v));
    return `$${params.length}::json`;
  };
  const at = now.toISOString();
  if (m.removedLinks.size > 0) {
    parts.push(`del_links AS (DELETE FROM links WHERE id IN (SELECT json_array_elements_text(${param([...m.removedLinks])})))`);
  }
  if (m.dirtyNodes.size > 0) {
    const rows = [...m.dirtyNodes].map((id) => m.committedNode(id)!).map((n) => ({ id: n.id, status: n.status, status_reason: n.statusReason, x: n.x, y: n.y }));
    parts.push(`upd_nodes AS (
      UPDATE nodes AS n SET status = u.status::"NodeStatus", status_reason = u.status_reason, x = u.x, y = u.y, updated_at = '${at}'
      FROM ${jsonRowsTable(param(rows), "u", "id text, status text, status_reason text, x float8, y float8")} WHERE n.id = u.id)`);
  }
  if (m.addedLinks.size > 0) {
    parts.push(`new_links AS (
      INSERT INTO links (id, a_node_id, b_node_id, status, kind, via_node_id, length_km, loss_db_per_km, detector_efficiency,
        baseline_qber, qber, secret_key_rate_bps, pool_bits, pool_capacity_bits, eavesdropper, down_reason, bits_consumed,
        dark_count_yield, detector_error_rate, error_correction_efficiency, pulse_rate_hz, created_at, updated_at)
      SELECT id, a_node_id, b_node_id, status::"LinkStatus", kind::"LinkKind", via_node_id, length_km, loss_db_per_km, detector_efficiency,
        baseline_qber, qber, secret_key_rate_bps, pool_bits::bigint, pool_capacity_bits::bigint, eavesdropper, down_reason, bits_consumed::bigint,
        dark_count_yield, detector_error_rate, error_correction_efficiency, pulse_rate_hz, '${at}', '${at}'
      FROM json_to_recordset(${param([...m.addedLinks].map((id) => linkRow(m.committedLink(id)!)))}) AS u(${LINK_COLUMNS}))`);
  }
  if (m.dirtyLinks.size > 0) {
    parts.push(`upd_links AS (
      UPDATE links AS l SET status = u.status::"LinkStatus", qber = u.qber, secret_key_rate_bps = u.secret_key_rate_bps,
        pool_bits = u.pool_bits::bigint, eavesdropper = u.eavesdropper, down_reason = u.down_reason,
        bits_consumed = u.bits_consumed::bigint, baseline_qber = u.baseline_qber, updated_at = '${at}'
      FROM ${jsonRowsTable(param([...m.dirtyLinks].map((id) => linkRow(m.committedLink(id)!))), "u", LINK_COLUMNS)} WHERE l.id = u.id)`);
  }
  if (m.routes.length > 0) {
    const rows = m.routes.map((r) => ({ key_id: r.keyId, node_id: r.nodeId, node_path: r.nodePath, link_path: r.linkPath, bits: r.bits }));
    parts.push(`new_routes AS (
      INSERT INTO key_routes (key_id, node_id, node_path, link_path, bits, routed_at)
      SELECT key_id, node_id, ARRAY(SELECT json_array_elements_text(node_path)), ARRAY(SELECT json_array_elements_text(link_path)), bits, '${at}'
      FROM json_to_recordset(${param(rows)}) AS u(key_id uuid, node_id text, node_path json, link_path json, bits int)
      ON CONFLICT (key_id, node_id) DO UPDATE SET node_path = EXCLUDED.node_path, link_path = EXCLUDED.link_path, bits = EXCLUDED.bits, routed_at = EXCLUDED.routed_at)`);
  }
  if (m.samples.length > 0) {
    const rows = m.samples.map((s) => ({ link_id: s.linkId, qber: s.qber, pool_bits: String(Math.round(s.poolBits)), rate: s.secretKeyRateBps }));
    // Samples of links removed in the same batch are skipped (the FK would refuse them).
    parts.push(`new_samples AS (
      INSERT INTO link_samples (link_id, at, qber, pool_bits, secret_key_rate_bps)
      SELECT u.link_id, '${at}', u.qber, u.pool_bits::bigint, u.rate FROM json_to_recordset(${param(rows)}) AS u(link_id text, qber float8, pool_bits text, rate float8)
      ${m.removedLinks.size > 0 ? "WHERE u.link_id NOT IN (SELECT json_array_elements_text($1::json))" : ""}
      ON CONFLICT DO NOTHING)`);
  }
  if (m.simulation) {
    const s = m.simulation;
    const row = { tick: String(s.tick), sim_time: s.simTime.toISOString(), last_tick_at: s.lastTickAt.toISOString(), speed: s.speed, seed: s.seed, rng_state: s.rngState, last_sample_at: s.lastSampleAt?.toISOString() ?? null };
    parts.push(`sim AS (
      INSERT INTO simulation_state (id, tick, sim_time, last_tick_at, speed, seed, rng_state, last_sample_at)
      SELECT 1, tick::bigint, sim_time, last_tick_at, speed, seed, rng_state, last_sample_at
      FROM json_to_record(${param(row)}) AS u(tick text, sim_time timestamptz, last_tick_at timestamptz, speed float8, seed int, rng_state int, last_sample_at timestamptz)
      ON CONFLICT (id) DO UPDATE SET tick = EXCLUDED.tick, sim_time = EXCLUDED.sim_time, last_tick_at = EXCLUDED.last_tick_at,
        speed = EXCLUDED.speed, seed = EXCLUDED.seed, rng_state = EXCLUDED.rng_state, last_sample_at = EXCLUDED.last_sample_at)`);
  }
  await client.query(`WITH ${parts.join(", ")} SELECT 1`, params);
}
