/**
 * Keeps every ETSI 014 key pool stocked (KEY-DELIVERY.md §5.1). A pool exists
 * while an enabled pair of applications spans its sites; whenever its unserved
 * keys (ACTIVE, or on their way) drop below 75 % of the target, the replenisher
 * tops it up to the target, round after round, creating keys of policy
 * `etsi014` for exactly those sites and distributing them the normal way:
 * routes, pads, agents, receipts. (It went on only while the pool was below
 * 75 %, so a drained pool stopped at 75–81 % of the target.) Which pools are
 * being topped up is kept in memory: a replenisher that starts afresh (a
 * restart, another instance taking the rounds) resumes a top-up only once its
 * pool is below 75 % again. Link physics bounds the
 * refill: a key some site cannot be reached for now (no path, or too few pad
 * bits on a link) spends nothing and waits GENERATED for a later round, so an
 * exhausted pool refills at the rate the links produce pads. One round at a
 * time across instances (a PostgreSQL advisory lock), and at most `perRound`
 * new keys per pool per round.
 */
import { poolOf } from "../../db/client";
import type { KeyService } from "../../keys/key-service";
import { ETSI014_POLICY, poolLabel, poolStock } from "./pool-queries";

export interface ReplenisherOptions {
  poolTarget: number;
  /** New keys per pool per round (default REPLENISH_PER_ROUND). */
  perRound?: number;
}

/** The background duty's pace (server/runtime/background.ts): a round every 2 s, at most 64 new keys per pool each. */
export const REPLENISH_EVERY_MS = 2_000;
export const REPLENISH_PER_ROUND = 64;
/** The most keys per second the replenisher adds to one pool at that pace: what status reports when the links allow more. */
export const REPLENISH_KEYS_PER_SECOND = REPLENISH_PER_ROUND / (REPLENISH_EVERY_MS / 1000);

export interface PoolRefill {
  sites: string[];
  servable: number;
  coming: number;
  created: number;
}

const WHO = { actor: "system:kme-replenisher" };
/** pg_try_advisory_lock key of the replenisher ("QKME" as an int). */
const LOCK = 0x514b4d45;

export class PoolReplenisher {
  /** Pools (by label) that dropped below 75 % and are being topped up to the target. */
  private readonly toppingUp = new Set<string>();

  constructor(
    private readonly keys: KeyService,
    private readonly distributor: { distributeMany(ids: readonly string[], who: { actor: string }, o: { leaveUnroutable?: boolean }): Promise<unknown> },
    private readonly opts: ReplenisherOptions,
  ) {}

  /** The pools that exist now: the site sets of enabled application pairs. */
  async pools(): Promise<string[][]> {
    const { rows } = await poolOf(this.keys.db).query<{ na: string; nb: string }>(
      `SELECT DISTINCT LEAST(a.node_id, b.node_id) AS na, GREATEST(a.node_id, b.node_id) AS nb
         FROM sae_pairs p JOIN saes a ON a.sae_id = p.sae_a AND a.enabled JOIN saes b ON b.sae_id = p.sae_b AND b.enabled
        ORDER BY 1, 2`,
    );
    return rows.map((r) => (r.na === r.nb ? [r.na] : [r.na, r.nb]));
  }

  /** One round over every pool; null when another instance holds the round. */
  async round(): Promise<PoolRefill[] | null> {
    const client = await poolOf(this.keys.db).connect();
    try {
      const got = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1) AS ok", [LOCK]);
      if (!got.rows[0]?.ok) return null;
      try {
        const out: PoolRefill[] = [];
        for (const sites of await this.pools()) out.push(await this.refill(sites));
        return out;
      } finally {
        await client.query("SELECT pg_advisory_unlock($1)", [LOCK]);
      }
    } finally {
      client.release();
    }
  }

  private async refill(sites: string[]): Promise<PoolRefill> {
    const db = poolOf(this.keys.db);
    const label = poolLabel(sites);
    // Keys an earlier round left GENERATED (a site unreachable then) go first.
    const waiting = await db.query<{ id: string }>(
      `SELECT id FROM keys WHERE label = $1 AND policy = $2 AND state = 'GENERATED' ORDER BY generated_at LIMIT 256`,
      [label, ETSI014_POLICY],
    );
    if (waiting.rows.length > 0) await this.distributor.distributeMany(waiting.rows.map((r) => r.id), WHO, { leaveUnroutable: true });
    const stock = await poolStock(db, sites);
    const have = stock.servable + stock.coming;
    let created = 0;
    if (have < this.opts.poolTarget * 0.75) this.toppingUp.add(label);
    if (have >= this.opts.poolTarget) this.toppingUp.delete(label);
    if (this.toppingUp.has(label) && stock.coming < (this.opts.perRound ?? REPLENISH_PER_ROUND)) {
      const n = Math.min(this.opts.poolTarget - have, this.opts.perRound ?? REPLENISH_PER_ROUND);
      const made = await Promise.all(
        Array.from({ length: n }, () =>
          this.keys.create({ label, purpose: "ETSI 014 key delivery to applications", policy: ETSI014_POLICY, participants: sites }, WHO).then(
            (k) => k.id,
            () => null,
          ),
        ),
      );
      const ids = made.filter((x): x is string => x !== null);
      created = ids.length;
      if (ids.length > 0) await this.distributor.distributeMany(ids, WHO, { leaveUnroutable: true });
    }
    const after = await poolStock(db, sites);
    return { sites, servable: after.servable, coming: after.coming, created };
  }
}
