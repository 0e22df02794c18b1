/**
 * Reads the mesh (every node and link) with one round trip each, through the
 * pg driver: the runner loads it under the audit head lock for jobs that route
 * keys or change the topology, and the console reads it for the live graph.
 */
import type pg from "pg";
import type { SimulationRecord } from "./mesh-workspace";
import type { Mesh, MeshLink, MeshNode } from "../domain/mesh/mesh-model";

interface LinkRow {
  id: string; a_node_id: string; b_node_id: string; status: MeshLink["status"]; kind: MeshLink["kind"]; via_node_id: string | null;
  length_km: number; loss_db_per_km: number; detector_efficiency: number; baseline_qber: number; qber: number;
  secret_key_rate_bps: number; pool_bits: string; pool_capacity_bits: string; eavesdropper: boolean; down_reason: string | null;
  bits_consumed: string; dark_count_yield: number; detector_error_rate: number; error_correction_efficiency: number; pulse_rate_hz: number;
}

export async function loadMesh(client: pg.ClientBase | pg.Pool): Promise<Mesh> {
  const [nodes, links] = await Promise.all([
    client.query<{ id: string; name: string; role: MeshNode["role"]; status: MeshNode["status"]; status_reason: string | null; site: string; x: number; y: number }>({
      name: "qecnet-mesh-nodes",
      text: "SELECT id, name, role::text AS role, status::text AS status, status_reason, site, x, y FROM nodes ORDER BY id",
    }),
    client.query<LinkRow>({
      name: "qecnet-mesh-links",
      text: `SELECT id, a_node_id, b_node_id, status::text AS status, kind::text AS kind, via_node_id, length_km, loss_db_per_km,
        detector_efficiency, baseline_qber, qber, secret_key_rate_bps, pool_bits::text, pool_capacity_bits::text, eavesdropper,
        down_reason, bits_consumed::text, dark_count_yield, detector_error_rate, error_correction_efficiency, pulse_rate_hz FROM links ORDER BY id`,
    }),
  ]);
  return {
    nodes: new Map(nodes.rows.map((n) => [n.id, { id: n.id, name: n.name, role: n.role, status: n.status, statusReason: n.status_reason, site: n.site, x: n.x, y: n.y }])),
    links: new Map(links.rows.map((l) => [l.id, toLink(l)])),
  };
}

function toLink(l: LinkRow): MeshLink {
  return {
    id: l.id, aNodeId: l.a_node_id, bNodeId: l.b_node_id, status: l.status, kind: l.kind, viaNodeId: l.via_node_id,
    lengthKm: l.length_km, lossDbPerKm: l.loss_db_per_km, detectorEfficiency: l.detector_efficiency, baselineQber: l.baseline_qber,
    qber: l.qber, secretKeyRateBps: l.secret_key_rate_bps, poolBits: Number(l.pool_bits), poolCapacityBits: Number(l.pool_capacity_bits),
    eavesdropper: l.eavesdropper, downReason: l.down_reason, bitsConsumed: Number(l.bits_consumed),
    darkCountYield: l.dark_count_yield, detectorErrorRate: l.detector_error_rate, errorCorrectionEfficiency: l.error_correction_efficiency, pulseRateHz: l.pulse_rate_hz,
  };
}

interface SimulationRow { tick: string | null; sim_time: Date; last_tick_at: Date; speed: number; seed: number; rng_state: number; last_sample_at: Date | null }

const simulationOf = (r: SimulationRow | undefined): SimulationRecord | null =>
  r && r.tick !== null ? { tick: Number(r.tick), simTime: r.sim_time, lastTickAt: r.last_tick_at, speed: r.speed, seed: r.seed, rngState: r.rng_state, lastSampleAt: r.last_sample_at } : null;

export async function loadSimulation(client: pg.ClientBase | pg.Pool): Promise<SimulationRecord | null> {
  const { rows } = await client.query<SimulationRow>({
    name: "qecnet-mesh-simulation",
    text: "SELECT tick::text, sim_time, last_tick_at, speed, seed, rng_state, last_sample_at FROM simulation_state WHERE id = 1",
  });
  return simulationOf(rows[0]);
}

/**
 * readMeshVersion and loadSimulation in one statement with no parameters (a batch sends it with the head lock:
 * server/audit/audit-log.ts beginLockAndRead); meshVersionAndSimulation reads its result.
 */
export const MESH_VERSION_AND_SIMULATION = `SELECT (SELECT version::text FROM mesh_version WHERE id = 1) AS version,
  s.tick::text AS tick, s.sim_time, s.last_tick_at, s.speed, s.seed, s.rng_state, s.last_sample_at
  FROM (SELECT 1) AS one LEFT JOIN simulation_state s ON s.id = 1`;

export function meshVersionAndSimulation(result: pg.QueryResult): { version: string; simulation: SimulationRecord | null } {
  const r = result.rows[0] as (SimulationRow & { version: string | null }) | undefined;
  return { version: r?.version ?? "none", simulation: simulationOf(r) };
}

/** The mesh's version (bumped by triggers on every write to nodes or links). */
export async function readMeshVersion(client: pg.ClientBase): Promise<string> {
  const { rows } = await client.query<{ version: string }>({ name: "qecnet-mesh-version", text: "SELECT version::text FROM mesh_version WHERE id = 1" });
  return rows[0]?.version ?? "none";
}
