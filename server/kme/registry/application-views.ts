/**
 * What the console shows of ETSI 014 key delivery (KEY-DELIVERY.md §5.6): a
 * key's deliveries to applications, and a site's KME at a glance (its
 * applications, the pools it shares with its peers, deliveries and refusals
 * lately). Read only, and never key bytes: the delivery rows hold none, and
 * the pool figures are counts. The SQL lives here so the router stays thin.
 */
import type pg from "pg";
import { poolOf, type Db } from "../../db/client";
import { DomainError } from "../../domain/errors/domain-error";

export interface KeyDeliveryView {
  saeId: string;
  role: "master" | "slave";
  /** The site whose KME serves this SAE. */
  kmeNodeId: string;
  masterSaeId: string;
  sizeBits: number;
  requestId: string;
  assignedAt: Date;
  /** Null until the SAE received the bytes. */
  deliveredAt: Date | null;
}

/** A key's deliveries to applications, master first; its policy says whether it is an ETSI 014 pool key. */
export async function keyDeliveries(db: Db, keyId: string): Promise<{ policy: string; deliveries: KeyDeliveryView[] }> {
  const pool = poolOf(db);
  const [key, rows] = await Promise.all([
    pool.query<{ policy: string }>("SELECT policy FROM keys WHERE id = $1", [keyId]),
    pool.query<{ sae_id: string; role: "master" | "slave"; kme_node_id: string; master_sae_id: string; size_bits: number; request_id: string; assigned_at: Date; delivered_at: Date | null }>(
      `SELECT sae_id, role, kme_node_id, master_sae_id, size_bits, request_id, assigned_at, delivered_at
         FROM key_sae_deliveries WHERE key_id = $1 ORDER BY (role = 'master') DESC, assigned_at, sae_id`,
      [keyId],
    ),
  ]);
  const k = key.rows[0];
  if (!k) throw new DomainError("KEY_NOT_FOUND", `There is no key ${keyId}.`);
  return {
    policy: k.policy,
    deliveries: rows.rows.map((r) => ({
      saeId: r.sae_id, role: r.role, kmeNodeId: r.kme_node_id, masterSaeId: r.master_sae_id, sizeBits: r.size_bits,
      requestId: r.request_id, assignedAt: r.assigned_at, deliveredAt: r.delivered_at,
    })),
  };
}

export interface SitePoolView {
  /** The pool's sites, sorted (one site for a pair at the same site). */
  sites: string[];
  /** The other site(s) of the pool; empty for a pool within the site. */
  peers: string[];
  /** The enabled pairs drawing on it. */
  pairs: Array<{ saeA: string; saeB: string }>;
  /** ACTIVE unassigned keys enc_keys may hand out now. */
  available: number;
  refillKeysPerSecond: number;
  target: number;
}

export interface SiteKmeView {
  nodeId: string;
  saes: Array<{ saeId: string; description: string; enabled: boolean; pairedWith: string[]; deliveries: number }>;
  pools: SitePoolView[];
  deliveriesLastMinute: number;
  deliveriesLastHour: number;
  /** ETSI014_ACCESS_REFUSED entries (401s) of this site's KME in the last hour. */
  refusalsLastHour: number;
}

/** What siteKme reads through: the registry's list, the pools that exist and each pool's figures. */
export interface SiteKmeSources {
  db: Db;
  saes: { list(): Promise<{ saes: Array<{ saeId: string; nodeId: string; description: string; enabled: boolean; pairedWith: string[]; deliveries: number }> }> };
  replenisher: { pools(): Promise<string[][]> };
  kme: {
    limits: { poolTarget: number };
    snapshot(sites: readonly string[], required: { avoidNodes: readonly string[]; maxRelays: number | null }): Promise<{ available: number; refillKeysPerSecond: number }>;
  };
}

/** One site's KME: its applications, its pools, and its traffic over the last minute and hour (read on the injected clock). */
export async function siteKme(s: SiteKmeSources, nodeId: string, now: Date): Promise<SiteKmeView> {
  const pool = poolOf(s.db);
  const node = await pool.query("SELECT 1 FROM nodes WHERE id = $1", [nodeId]);
  if (node.rowCount === 0) throw new DomainError("MESH_ELEMENT_NOT_FOUND", `Node ${nodeId} does not exist`);
  const hourAgo = new Date(now.getTime() - 3_600_000);
  const minuteAgo = new Date(now.getTime() - 60_000);
  const [registry, allPools, traffic, refusals, pairs] = await Promise.all([
    s.saes.list(),
    s.replenisher.pools(),
    pool.query<{ minute: number; hour: number }>(
      `SELECT count(*) FILTER (WHERE delivered_at >= $2)::int AS minute, count(*)::int AS hour
         FROM key_sae_deliveries WHERE kme_node_id = $1 AND delivered_at >= $3 AND delivered_at <= $4`,
      [nodeId, minuteAgo, hourAgo, now],
    ),
    refusalCount(pool, nodeId, hourAgo, now),
    pool.query<{ sae_a: string; sae_b: string; na: string; nb: string }>(
      `SELECT p.sae_a, p.sae_b, a.node_id AS na, b.node_id AS nb
         FROM sae_pairs p JOIN saes a ON a.sae_id = p.sae_a AND a.enabled JOIN saes b ON b.sae_id = p.sae_b AND b.enabled
        WHERE $1 IN (a.node_id, b.node_id) ORDER BY p.sae_a, p.sae_b`,
      [nodeId],
    ),
  ]);
  const mine = allPools.filter((sites) => sites.includes(nodeId));
  const pools = await Promise.all(mine.map(async (sites): Promise<SitePoolView> => {
    const snap = await s.kme.snapshot(sites, { avoidNodes: [], maxRelays: null });
    const key = sites.join("~");
    return {
      sites,
      peers: sites.filter((x) => x !== nodeId),
      pairs: pairs.rows.filter((p) => (p.na === p.nb ? [p.na] : [p.na, p.nb].sort()).join("~") === key).map((p) => ({ saeA: p.sae_a, saeB: p.sae_b })),
      available: snap.available,
      refillKeysPerSecond: snap.refillKeysPerSecond,
      target: s.kme.limits.poolTarget,
    };
  }));
  return {
    nodeId,
    saes: registry.saes.filter((x) => x.nodeId === nodeId)
      .map((x) => ({ saeId: x.saeId, description: x.description, enabled: x.enabled, pairedWith: x.pairedWith, deliveries: x.deliveries })),
    pools,
    deliveriesLastMinute: traffic.rows[0]?.minute ?? 0,
    deliveriesLastHour: traffic.rows[0]?.hour ?? 0,
    refusalsLastHour: refusals,
  };
}

/** Audited 401s of the site's KME (§5.3: at most one entry per SAE and KME per minute, so this counts entries, not requests). */
async function refusalCount(pool: pg.Pool, nodeId: string, since: Date, now: Date): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM audit_entries WHERE action = 'ETSI014_ACCESS_REFUSED' AND at >= $2 AND at <= $3 AND details->>'kme' = $1`,
    [nodeId, since, now],
  );
  return rows[0]?.n ?? 0;
}
