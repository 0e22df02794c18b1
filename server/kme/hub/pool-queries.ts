/**
 * The read side of ETSI 014 key delivery at the hub (KEY-DELIVERY.md §5.1): the
 * SAE registry as a KME sees it, the pool of an SAE pair, the keys a slave asks
 * for, and the notices of revoked keys an application received. Pool keys are
 * the keys of policy `etsi014` whose participants are exactly the pair's sites;
 * the replenisher names them with the pool's label, so a pool is read through
 * the label index. Read only: every change is a claim job (delivery-claims.ts).
 */
import pg from "pg";
import type { ServerStatement, SimpleRead } from "../../db/server-statements";

const { escapeLiteral } = pg;

export const ETSI014_POLICY = "etsi014";

/** A pool's sites, sorted: one site for a pair at the same site. */
export function poolSites(a: string, b: string): string[] {
  return a === b ? [a] : [a, b].sort();
}

/** The label of a pool's keys (the replenisher sets it; rotation successors inherit it). */
export function poolLabel(sites: readonly string[]): string {
  return `etsi014 pool ${[...sites].sort().join("~")}`;
}

export interface Constraints {
  avoidNodes: readonly string[];
  maxRelays: number | null;
}

export interface SaeRow {
  saeId: string;
  nodeId: string;
  certPins: string[];
}

/** An enabled SAE, or null (a disabled SAE is refused exactly like an unknown one). */
export async function findSae(q: pg.Pool | pg.ClientBase, saeId: string): Promise<SaeRow | null> {
  const { rows } = await q.query<{ sae_id: string; node_id: string; cert_pins: string[] }>({
    name: "qecnet-kme-find-sae",
    text: "SELECT sae_id, node_id, cert_pins FROM saes WHERE sae_id = $1 AND enabled",
    values: [saeId],
  });
  const r = rows[0];
  return r ? { saeId: r.sae_id, nodeId: r.node_id, certPins: r.cert_pins } : null;
}

export async function arePaired(q: pg.Pool | pg.ClientBase, a: string, b: string): Promise<boolean> {
  const [x, y] = a < b ? [a, b] : [b, a];
  const { rows } = await q.query({
    name: "qecnet-kme-are-paired",
    text: `SELECT 1 FROM sae_pairs p JOIN saes s1 ON s1.sae_id = p.sae_a AND s1.enabled JOIN saes s2 ON s2.sae_id = p.sae_b AND s2.enabled
           WHERE p.sae_a = $1 AND p.sae_b = $2`,
    values: [x, y],
  });
  return rows.length > 0;
}

export type SiteState = "ONLINE" | "OFFLINE" | "ISOLATED";

/** A node status as ETSI 014 sees it: DEGRADED still serves; ISOLATED and OFFLINE (and no such node) do not. */
function siteStateOf(status: string | undefined): SiteState {
  return status === "ISOLATED" ? "ISOLATED" : status === "ONLINE" || status === "DEGRADED" ? "ONLINE" : "OFFLINE";
}

/** A site as ETSI 014 sees it: DEGRADED still serves; ISOLATED and OFFLINE do not. */
export async function siteState(q: pg.Pool | pg.ClientBase, nodeId: string): Promise<SiteState> {
  const { rows } = await q.query<{ status: string }>({ name: "qecnet-kme-site-state", text: "SELECT status::text AS status FROM nodes WHERE id = $1", values: [nodeId] });
  return siteStateOf(rows[0]?.status);
}

/** What one request's checks read from the registry and the mesh, read at once (registryView). */
export interface RegistryView {
  /** The enabled SAEs among those asked about. */
  saes: Map<string, SaeRow>;
  /** Whether two SAEs are paired, both enabled (the answer of arePaired); only for the pairs asked about. */
  paired(a: string, b: string): boolean;
  /** The state of `kme`'s site or of an enabled SAE's site (the answer of siteState). */
  site(nodeId: string): SiteState;
  /**
   * The audit head's sequence number when this was read (null before the first entry). Every change of a key (a claim,
   * an activation, a revocation, a rotation) appends to the chain in its own transaction, so pool counts and notices
   * read after this are still true while the head has not moved (the hub's status cache).
   */
  head: string | null;
}

const pairKey = (a: string, b: string) => (a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`);

/**
 * One query for what findSae, arePaired and siteState answer one by one: the enabled SAEs of `saeIds`, which of
 * `pairs` are paired, and the states of `kme`'s site and of those SAEs' sites. Every table is read through its
 * primary key: the sites by `id = ANY (ARRAY(…) || $2)`; as `id = $2 OR id IN (SELECT …)` the plan filtered a scan
 * of every node, at every ETSI 014 call.
 */
export const REGISTRY_VIEW_SQL = `WITH s AS (SELECT sae_id, node_id, cert_pins FROM saes WHERE sae_id = ANY($1::text[]) AND enabled)
           SELECT (SELECT coalesce(json_agg(s), '[]'::json) FROM s) AS saes,
                  (SELECT coalesce(json_agg(json_build_object('id', n.id, 'status', n.status::text)), '[]'::json)
                     FROM nodes n WHERE n.id = ANY (ARRAY(SELECT node_id FROM s) || $2::text)) AS sites,
                  (SELECT coalesce(json_agg(json_build_object('a', p.sae_a, 'b', p.sae_b)), '[]'::json)
                     FROM sae_pairs p JOIN unnest($3::text[], $4::text[]) AS w(a, b) ON p.sae_a = w.a AND p.sae_b = w.b) AS pairs,
                  (SELECT seq::text FROM audit_head WHERE id = 1) AS head`;

/** registryView's parameters, in REGISTRY_VIEW_SQL's order. */
export function registryViewValues(kme: string, saeIds: readonly string[], pairs: ReadonlyArray<readonly [string, string]>): unknown[] {
  const ordered = pairs.map(([a, b]) => (a < b ? [a, b] : [b, a]));
  return [[...new Set(saeIds)], kme, ordered.map((p) => p[0]), ordered.map((p) => p[1])];
}

/** See REGISTRY_VIEW_SQL. */
export async function registryView(
  q: pg.Pool | pg.ClientBase,
  kme: string,
  saeIds: readonly string[],
  pairs: ReadonlyArray<readonly [string, string]>,
): Promise<RegistryView> {
  const { rows } = await q.query<{ saes: Array<{ sae_id: string; node_id: string; cert_pins: string[] }>; sites: Array<{ id: string; status: string }>; pairs: Array<{ a: string; b: string }>; head: string | null }>({
    name: "qecnet-kme-registry-view",
    text: REGISTRY_VIEW_SQL,
    values: registryViewValues(kme, saeIds, pairs),
  });
  const r = rows[0]!;
  const saes = new Map(r.saes.map((x) => [x.sae_id, { saeId: x.sae_id, nodeId: x.node_id, certPins: x.cert_pins }]));
  const sites = new Map(r.sites.map((x) => [x.id, x.status]));
  const paired = new Set(r.pairs.map((x) => pairKey(x.a, x.b)));
  return {
    saes,
    paired: (a, b) => saes.has(a) && saes.has(b) && paired.has(pairKey(a, b)),
    site: (nodeId) => siteStateOf(sites.get(nodeId)),
    head: r.head,
  };
}

/**
 * Conditions of a key that enc_keys may hand out (§5.1): ACTIVE, in the pool, unassigned. Read through the
 * (label, state, activated_at) index. An etsi014 key's usage counts its deliveries, so an unassigned key is one whose
 * usage is 0. ACTIVE means every participant confirmed (activation waits for every receipt) and none was told to
 * purge (that comes only with a move out of ACTIVE); the claim job checks both again under the lock, with the exact
 * participants, before it issues a key. `$1` is the pool's label.
 */
const SERVABLE = `k.label = $1 AND k.state = 'ACTIVE' AND k.policy = '${ETSI014_POLICY}' AND k.usage_count = 0`;
/** `$2` nodes no route may cross. */
const AVOIDS = `NOT EXISTS (SELECT 1 FROM key_routes r WHERE r.key_id = k.id AND r.node_path && $2::text[])`;
/** `$3` the most trusted relays a route may cross (its path without the hub and the endpoint). */
const RELAYS = `NOT EXISTS (SELECT 1 FROM key_routes r WHERE r.key_id = k.id AND cardinality(r.node_path) - 2 > $3::int)`;

function params(sites: readonly string[], c: Constraints): unknown[] {
  return [poolLabel(sites), [...c.avoidNodes], c.maxRelays ?? 1_000_000];
}

/**
 * How many servable keys the pool holds: in all, meeting every constraint, and meeting each one alone; never more
 * than `cap` (the pool target: status reports no more, and counting further would only cost).
 */
export async function countPool(q: pg.Pool | pg.ClientBase, sites: readonly string[], c: Constraints, cap = 1_000_000) {
  if (c.avoidNodes.length === 0 && c.maxRelays === null) {
    const { rows } = await q.query<{ n: number }>({
      name: "qecnet-kme-count-pool-plain",
      text: `SELECT count(*)::int AS n FROM (SELECT 1 FROM keys k WHERE ${SERVABLE} LIMIT $2) x`,
      values: [poolLabel(sites), cap],
    });
    const n = rows[0]?.n ?? 0;
    return { available: n, matching: n, avoid: n, relays: n };
  }
  const { rows } = await q.query<{ available: number; matching: number; avoid: number; relays: number }>({
    name: "qecnet-kme-count-pool",
    text: `SELECT count(*)::int AS available,
                  count(*) FILTER (WHERE ${AVOIDS} AND ${RELAYS})::int AS matching,
                  count(*) FILTER (WHERE ${AVOIDS})::int AS avoid,
                  count(*) FILTER (WHERE ${RELAYS})::int AS relays
             FROM keys k WHERE ${SERVABLE}`,
    values: params(sites, c),
  });
  const r = rows[0]!;
  return { available: r.available, matching: r.matching, avoid: r.avoid, relays: r.relays };
}

/** Up to `limit` servable keys meeting the constraints, oldest activation first (the claim job re-checks each under the lock). */
export async function poolCandidates(q: pg.Pool | pg.ClientBase, sites: readonly string[], c: Constraints, limit: number, skip: readonly string[] = []): Promise<string[]> {
  if (c.avoidNodes.length === 0 && c.maxRelays === null) {
    // Without route constraints the route checks hold for every key: as two anti-joins probing key_routes for each
    // ACTIVE key of the pool they made this read 7–19 ms at 1,000 keys (bench:kme's enc_keys phase, its read-ahead).
    const { rows } = await q.query<{ id: string }>({
      name: "qecnet-kme-pool-candidates-plain",
      text: `SELECT k.id FROM keys k WHERE ${SERVABLE} AND NOT (k.id = ANY($3::uuid[])) ORDER BY k.activated_at, k.id LIMIT $2`,
      values: [poolLabel(sites), limit, [...skip]],
    });
    return rows.map((r) => r.id);
  }
  const { rows } = await q.query<{ id: string }>({
    name: "qecnet-kme-pool-candidates",
    text: `SELECT k.id FROM keys k WHERE ${SERVABLE} AND ${AVOIDS} AND ${RELAYS} AND NOT (k.id = ANY($5::uuid[]))
           ORDER BY k.activated_at, k.id LIMIT $4`,
    values: [...params(sites, c), limit, [...skip]],
  });
  return rows.map((r) => r.id);
}

/** Keys of the pool not yet served, in any state that can still become servable (the replenisher's count). */
export async function poolStock(q: pg.Pool | pg.ClientBase, sites: readonly string[]): Promise<{ servable: number; coming: number }> {
  const { rows } = await q.query<{ servable: number; coming: number }>({
    name: "qecnet-kme-pool-stock",
    text: `SELECT count(*) FILTER (WHERE k.state = 'ACTIVE')::int AS servable,
                  count(*) FILTER (WHERE k.state IN ('GENERATED', 'DISTRIBUTED'))::int AS coming
             FROM keys k WHERE k.label = $1 AND k.policy = '${ETSI014_POLICY}' AND k.state IN ('GENERATED', 'DISTRIBUTED', 'ACTIVE')
              AND NOT EXISTS (SELECT 1 FROM key_sae_deliveries d WHERE d.key_id = k.id)`,
    values: [poolLabel(sites)],
  });
  return rows[0] ?? { servable: 0, coming: 0 };
}

/**
 * refillKeysPerSecond's statement ($1: the pool's label). The pool's most recent key with routes among its live ones
 * (generated, distributed, active: what the replenisher is making and the pool holds), through the (label, state, …)
 * index: the pool's size, not its history (ordering every key it ever had by generation took 24 ms at a few thousand
 * keys, on every refresh of the rate). A pool with no live routed key (none held, none on its way) reads 0.
 */
export const REFILL_RATE_SQL = `WITH latest AS (SELECT k.id, k.size_bits FROM keys k
                             WHERE k.label = $1 AND k.state IN ('GENERATED', 'DISTRIBUTED', 'ACTIVE') AND k.policy = '${ETSI014_POLICY}'
                               AND EXISTS (SELECT 1 FROM key_routes r WHERE r.key_id = k.id) ORDER BY k.generated_at DESC LIMIT 1),
            uses AS (SELECT l.link_id, count(*) AS n, max(latest.size_bits) AS bits
                       FROM latest JOIN key_routes r ON r.key_id = latest.id CROSS JOIN LATERAL unnest(r.link_path) AS l(link_id)
                      GROUP BY l.link_id)
       SELECT min(li.secret_key_rate_bps / (uses.n * uses.bits))::float8 AS rate
         FROM uses JOIN links li ON li.id = uses.link_id WHERE li.status::text <> 'DOWN'`;

/**
 * The steady-state refill rate the links allow for this pool (§5.1): each key spends `sizeBits` pad bits on every link
 * of each of its routes, so the pool refills no faster than the slowest link's secret key rate divided by the bits
 * a key spends on it. Read from the routes of the pool's most recent live key; 0 while it has none.
 */
export async function refillKeysPerSecond(q: pg.Pool | pg.ClientBase, sites: readonly string[]): Promise<number> {
  const { rows } = await q.query<{ rate: number | null }>({
    name: "qecnet-kme-refill-rate",
    text: REFILL_RATE_SQL,
    values: [poolLabel(sites)],
  });
  const rate = rows[0]?.rate ?? 0;
  return Number.isFinite(rate) && rate > 0 ? rate : 0;
}

export interface DeliveryRow {
  keyId: string;
  saeId: string;
  role: "master" | "slave";
  masterSaeId: string;
  kmeNodeId: string;
  sizeBits: number;
  deliveredAt: Date | null;
}

type DeliveryDbRow = { key_id: string; sae_id: string; role: "master" | "slave"; master_sae_id: string; kme_node_id: string; size_bits: number; delivered_at: Date | null };
const DELIVERIES_SQL = (ids: string) =>
  `SELECT key_id, sae_id, role, master_sae_id, kme_node_id, size_bits, delivered_at FROM key_sae_deliveries WHERE key_id = ANY(${ids}) ORDER BY key_id, role, sae_id`;

/** Every delivery row of these keys (under the head lock in a claim job, so claims never race). */
export async function deliveriesOf(q: pg.Pool | pg.ClientBase, keyIds: readonly string[]): Promise<Map<string, DeliveryRow[]>> {
  if (keyIds.length === 0) return new Map();
  return deliveryRowsOf(await q.query<DeliveryDbRow>({ name: "qecnet-kme-deliveries-of", text: DELIVERIES_SQL("$1::uuid[]"), values: [[...keyIds]] }));
}

/**
 * deliveriesOf as a read to send with BEGIN and the head lock (JobGroup.preload): a statement prepared on the server,
 * its ids passed as one escaped JSON literal and cast to uuid as deliveriesOf's parameter is (an id that is not a uuid
 * fails the same way). Null for no ids.
 */
export function deliveriesStatement(keyIds: readonly string[]): SimpleRead | null {
  const ids = [...new Set(keyIds)];
  return ids.length === 0 ? null : { statement: DELIVERIES_STATEMENT, args: [`${escapeLiteral(JSON.stringify(ids))}::jsonb`] };
}
/** Prepared on the server once per connection: written out with its ids, it was parsed and planned at every batch. */
const DELIVERIES_STATEMENT: ServerStatement = {
  base: "qecnet_kme_deliveries_v1",
  params: "jsonb",
  sql: DELIVERIES_SQL("ARRAY(SELECT jsonb_array_elements_text($1)::uuid)"),
};

/** The rows of deliveriesOf or of its statement, by key. */
export function deliveryRowsOf(result: pg.QueryResult): Map<string, DeliveryRow[]> {
  const out = new Map<string, DeliveryRow[]>();
  for (const r of result.rows as DeliveryDbRow[]) {
    const list = out.get(r.key_id) ?? [];
    list.push({ keyId: r.key_id, saeId: r.sae_id, role: r.role, masterSaeId: r.master_sae_id, kmeNodeId: r.kme_node_id, sizeBits: r.size_bits, deliveredAt: r.delivered_at });
    out.set(r.key_id, list);
  }
  return out;
}

export interface KeyStateRow {
  id: string;
  state: string;
  policy: string;
  revocationReason: string | null;
}

export async function keyStates(q: pg.Pool | pg.ClientBase, keyIds: readonly string[]): Promise<Map<string, KeyStateRow>> {
  if (keyIds.length === 0) return new Map();
  const { rows } = await q.query<{ id: string; state: string; policy: string; revocation_reason: string | null }>({
    name: "qecnet-kme-key-states",
    text: "SELECT id, state::text AS state, policy, revocation_reason FROM keys WHERE id = ANY($1::uuid[])",
    values: [[...keyIds]],
  });
  return new Map(rows.map((r) => [r.id, { id: r.id, state: r.state, policy: r.policy, revocationReason: r.revocation_reason }]));
}

/**
 * Keys this SAE received (as master or slave) that were revoked within the notice window, or found compromised after
 * delivery (KEY_COMPROMISE_NOTIFIED, §5.5), newest first.
 */
export interface RevokedNoticeRow {
  keyId: string;
  revokedAt: Date;
  reason: string;
}

export async function revokedNotices(q: pg.Pool | pg.ClientBase, saeId: string, since: Date): Promise<RevokedNoticeRow[]> {
  const { rows } = await q.query<{ key_id: string; at: Date; reason: string }>({
    name: "qecnet-kme-revoked-notices",
    text: `SELECT d.key_id, k.revoked_at AS at, coalesce(k.revocation_reason, 'revoked') AS reason
             FROM key_sae_deliveries d JOIN keys k ON k.id = d.key_id
            WHERE d.sae_id = $1 AND k.state = 'REVOKED' AND k.revoked_at >= $2
           UNION ALL
           SELECT n.key_id, n.notified_at AS at, n.reason
             FROM key_compromise_notices n WHERE $1 = ANY(n.sae_ids) AND n.notified_at >= $2
           ORDER BY at DESC LIMIT 1000`,
    values: [saeId, since],
  });
  return rows.map((r) => ({ keyId: r.key_id, revokedAt: r.at, reason: r.reason }));
}

/**
 * What inspectForSlave reads, in one query: the slave (enabled, or null), every delivery row of the keys, and their
 * states (the answers of findSae, deliveriesOf and keyStates).
 */
export async function slaveInspection(
  q: pg.Pool | pg.ClientBase,
  slaveSaeId: string,
  keyIds: readonly string[],
): Promise<{ slave: SaeRow | null; deliveries: Map<string, DeliveryRow[]>; states: Map<string, KeyStateRow> }> {
  type Row = { k: string; s: string; r: "master" | "slave"; m: string; n: string; b: number; d: string | null };
  // One key (the common dec_keys call) by a plain `= $2`: PostgreSQL then settles on one generic plan for the prepared
  // statement. Over `= ANY($2)` it judged the generic plan (sized for an array of 10) dearer than a plan made for each
  // call's one-key array, and planned afresh every call: about 300 µs of planning per dec_keys on a busy hub.
  const one = keyIds.length === 1;
  const keysAre = (col: string) => (one ? `${col} = $2::uuid` : `${col} = ANY($2::uuid[])`);
  const { rows } = await q.query<{ slave: { sae_id: string; node_id: string; cert_pins: string[] } | null; deliveries: Row[]; states: Array<{ id: string; state: string; policy: string; reason: string | null }> }>({
    name: one ? "qecnet-kme-slave-inspection-1" : "qecnet-kme-slave-inspection",
    text: `SELECT (SELECT row_to_json(s) FROM (SELECT sae_id, node_id, cert_pins FROM saes WHERE sae_id = $1 AND enabled) s) AS slave,
                  (SELECT coalesce(json_agg(json_build_object('k', d.key_id, 's', d.sae_id, 'r', d.role, 'm', d.master_sae_id, 'n', d.kme_node_id,
                                                              'b', d.size_bits, 'd', d.delivered_at) ORDER BY d.key_id, d.role, d.sae_id), '[]'::json)
                     FROM key_sae_deliveries d WHERE ${keysAre("d.key_id")}) AS deliveries,
                  (SELECT coalesce(json_agg(json_build_object('id', k.id, 'state', k.state::text, 'policy', k.policy, 'reason', k.revocation_reason)), '[]'::json)
                     FROM keys k WHERE ${keysAre("k.id")}) AS states`,
    values: [slaveSaeId, one ? keyIds[0] : [...keyIds]],
  });
  const r = rows[0]!;
  const deliveries = new Map<string, DeliveryRow[]>();
  for (const d of r.deliveries) {
    const list = deliveries.get(d.k) ?? [];
    list.push({ keyId: d.k, saeId: d.s, role: d.r, masterSaeId: d.m, kmeNodeId: d.n, sizeBits: d.b, deliveredAt: d.d === null ? null : new Date(d.d) });
    deliveries.set(d.k, list);
  }
  return {
    slave: r.slave ? { saeId: r.slave.sae_id, nodeId: r.slave.node_id, certPins: r.slave.cert_pins } : null,
    deliveries,
    states: new Map(r.states.map((x) => [x.id, { id: x.id, state: x.state, policy: x.policy, revocationReason: x.reason }])),
  };
}
