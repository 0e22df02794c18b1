/**
 * The two atomic claims of ETSI 014 key delivery at the hub (KEY-DELIVERY.md
 * §5.2): each request is one job of the transition runner, so the delivery rows,
 * the keys' lifecycle events (ISSUE_TO_SAE, FETCH_BY_SAE, then CONSUME) and
 * their audit entries commit together, under the audit head lock, before the
 * hub answers the agent and before any key byte leaves it. Delivery is
 * therefore at most once: a key is never claimed twice, also by two requests of
 * the same batch (the batch ledger below), also across hub processes (the head
 * lock orders them). All or nothing: a request that cannot have every key it
 * asked for claims none.
 */
import type pg from "pg";
import type { SaeDeliveryFact } from "../../domain/lifecycle/key-lifecycle";
import { policyIn } from "../../keys/key-policies";
import type { KeyRecord } from "../../keys/key-record";
import type { KeyService } from "../../keys/key-service";
import type { KeyWorkspace } from "../../keys/key-workspace";
import { jsonRowsTable, type JobGroup } from "../../commit/batch-part";
import type { SimpleRead } from "../../db/server-statements";
import { transition } from "../../keys/key-effects";
import { deliveriesOf, deliveriesStatement, deliveryRowsOf, ETSI014_POLICY, poolCandidates, poolLabel, type Constraints, type DeliveryRow } from "./pool-queries";

export interface MasterClaim {
  kme: string;
  requestId: string;
  masterSaeId: string;
  /** The addressed slaves with their sites. */
  slaves: ReadonlyArray<{ saeId: string; nodeId: string }>;
  /** The pool's sites (poolSites). */
  sites: readonly string[];
  number: number;
  sizeBits: number;
  required: Constraints;
  preferred: Constraints;
}

export interface SlaveClaim {
  kme: string;
  requestId: string;
  slaveSaeId: string;
  masterSaeId: string;
  keyIds: readonly string[];
}

export type MasterClaimOutcome = { outcome: "claimed"; keys: Array<{ keyId: string; fetchBy: Date }> } | { outcome: "short" };
export type SlaveClaimOutcome = { outcome: "claimed"; keys: Array<{ keyId: string; sizeBits: number }> } | { outcome: "refused" };

/**
 * The delivery facts of the keys claimed so far in one batch. The jobs of a batch read the rows before any of them
 * runs, so a later job must see what an earlier one claimed: the ledger holds the facts as this batch left them.
 */
const ledgers = new WeakMap<KeyWorkspace, Map<string, SaeDeliveryFact[]>>();
function ledgerOf(ws: KeyWorkspace): Map<string, SaeDeliveryFact[]> {
  let l = ledgers.get(ws);
  if (!l) ledgers.set(ws, (l = new Map()));
  return l;
}

const facts = (rows: readonly DeliveryRow[] | undefined): SaeDeliveryFact[] =>
  (rows ?? []).map((r) => ({ saeId: r.saeId, role: r.role, delivered: r.deliveredAt !== null }));

/** A key enc_keys may still hand out, as the batch sees it under the lock. */
function servable(k: KeyRecord, label: string, sites: readonly string[]): boolean {
  if (k.state !== "ACTIVE" || k.policy !== ETSI014_POLICY || k.label !== label) return false;
  const nodes = k.participants.map((p) => p.nodeId).sort();
  if (nodes.length !== sites.length || nodes.some((n, i) => n !== sites[i])) return false;
  return k.participants.every((p) => p.confirmedAt !== null && p.purgeRequestedAt === null && p.purgeConfirmedAt === null);
}

const ATTEMPTS = 5;
/** How many plain candidates of a pool one query reads ahead for the claims to come. */
const AHEAD = 128;
const NONE: Constraints = { avoidNodes: [], maxRelays: null };

/** A pool's plain candidates read ahead, oldest activation first, each handed to one claim of this process only. */
interface Ahead {
  ids: string[];
  refill: Promise<void> | null;
}

export class DeliveryClaims {
  /**
   * Candidates this process's claims in flight have picked: concurrent requests pick different keys instead of all
   * racing for the same oldest few (the lock decides anyway; this only spares needless losers and retries).
   */
  private readonly reserved = new Set<string>();
  /** Per pool label: candidates for claims without route constraints, read ahead in one query for many claims. */
  private readonly ahead = new Map<string, Ahead>();

  /** Per claim job: where the group's load puts the delivery rows it read, and the rows its accepted claim writes. */
  private readonly jobs = new WeakMap<object, { loaded(rows: Map<string, DeliveryRow[]>): void; rows(value: unknown): unknown[] }>();
  /** The delivery rows of every claim of a batch read in one query (each claim looks up only its own keys). */
  private readonly loadAll = async (client: pg.ClientBase, jobs: ReadonlyArray<{ keyIds: readonly string[] }>, preloaded?: pg.QueryResult): Promise<void> => {
    const rows = preloaded ? deliveryRowsOf(preloaded) : await deliveriesOf(client, [...new Set(jobs.flatMap((j) => j.keyIds))]);
    for (const j of jobs) this.jobs.get(j)?.loaded(rows);
  };
  /** The group's delivery rows read with BEGIN and the head lock, in the same round trip. */
  private readonly preloadAll = (jobs: ReadonlyArray<{ keyIds: readonly string[] }>): SimpleRead | null => deliveriesStatement(jobs.flatMap((j) => j.keyIds));
  private readonly rowsOf = (accepted: ReadonlyArray<{ job: object; value: unknown }>) => accepted.flatMap((a) => this.jobs.get(a.job)?.rows(a.value) ?? []);
  /** enc_keys claims of one batch: one read, one INSERT of every delivery row. */
  private readonly masterGroup: JobGroup<KeyWorkspace> = {
    preload: this.preloadAll,
    load: this.loadAll,
    // One INSERT whose answer decides nothing: the runner sends it with the flush and COMMIT, in one round trip.
    statement: (accepted) => {
      const rows = this.rowsOf(accepted);
      if (rows.length === 0) return null;
      return {
        name: "qecnet-kme-insert-deliveries-batch",
        text: `INSERT INTO key_sae_deliveries (key_id, sae_id, role, kme_node_id, master_sae_id, size_bits, request_id, assigned_at, delivered_at)
               SELECT r.key_id, r.sae_id, r.role, r.kme_node_id, r.master_sae_id, r.size_bits, r.request_id, r.at, CASE WHEN r.delivered THEN r.at END
                 FROM json_to_recordset($1::json)
                   AS r(key_id uuid, sae_id text, role text, kme_node_id text, master_sae_id text, size_bits int, request_id text, at timestamptz, delivered boolean)`,
        values: [JSON.stringify(rows)],
      };
    },
  };
  /** dec_keys claims of one batch: one read, one UPDATE marking every fetched row. */
  private readonly slaveGroup: JobGroup<KeyWorkspace> = {
    preload: this.preloadAll,
    load: this.loadAll,
    // One UPDATE that checks its own count in SQL: the runner sends it with the flush and COMMIT, in one round trip.
    // Under the head lock nothing else marks these rows; a count that differs means they changed behind the runner's
    // back, and qecnet_expect_rows then aborts the transaction (its COMMIT is answered with ROLLBACK).
    statement: (accepted) => {
      const rows = this.rowsOf(accepted);
      if (rows.length === 0) return null;
      return {
        name: "qecnet-kme-mark-fetched-batch-v2",
        text: `WITH marked AS (
                 UPDATE key_sae_deliveries d SET delivered_at = r.at
                   FROM ${jsonRowsTable("$1::json", "r", "key_id uuid, sae_id text, at timestamptz")}
                  WHERE d.key_id = r.key_id AND d.sae_id = r.sae_id AND d.role = 'slave' AND d.delivered_at IS NULL
                 RETURNING 1)
               SELECT qecnet_expect_rows((SELECT count(*) FROM marked), $2::bigint, 'delivery rows changed during the claim')`,
        values: [JSON.stringify(rows), rows.length],
      };
    },
  };

  constructor(private readonly keys: KeyService) {}

  /** Registers a claim job of a group: what the group's load hands it, and the rows it writes once accepted. */
  private grouped<J extends object>(job: J, loaded: (rows: Map<string, DeliveryRow[]>) => void, rows: (value: unknown) => unknown[]): J {
    this.jobs.set(job, { loaded, rows });
    return job;
  }

  /** enc_keys: `number` keys of the pool to the master, addressed to its slaves; or nothing. */
  async claimForMaster(pool: pg.Pool, c: MasterClaim): Promise<MasterClaimOutcome> {
    const label = poolLabel(c.sites);
    const sites = [...c.sites].sort();
    const merged: Constraints = {
      avoidNodes: [...new Set([...c.required.avoidNodes, ...c.preferred.avoidNodes])],
      maxRelays: minOrNull(c.required.maxRelays, c.preferred.maxRelays),
    };
    const skip: string[] = [];
    const plain = merged.avoidNodes.length === 0 && merged.maxRelays === null;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      // Candidates outside the lock (the claim re-checks each under it): preferred ones first, oldest activation first.
      // A claim without route constraints takes them from the pool's read-ahead (one query serves many claims).
      const want = c.number * 2 + 4;
      // Exactly `number` of them: the read-ahead hands each to one claim of this process only, so a spare would only be
      // read under the lock for nothing (a candidate gone stale meanwhile fails the claim, which then reads afresh).
      let candidates = plain ? await this.takeAhead(pool, sites, label, c.number, skip) : [];
      if (candidates.length < c.number) {
        const avoid = [...skip, ...this.reserved, ...candidates];
        const first = await poolCandidates(pool, sites, merged, want, avoid);
        const rest = first.length < want ? await poolCandidates(pool, sites, c.required, want - first.length, [...avoid, ...first]) : [];
        candidates = [...candidates, ...[...first, ...rest].filter((id) => !this.reserved.has(id))];
      }
      if (candidates.length < c.number) {
        // Others in flight hold the rest: try them too rather than report an empty pool (the lock still decides).
        candidates = [...candidates, ...(await poolCandidates(pool, sites, c.required, want, [...skip, ...candidates]))];
        if (candidates.length < c.number) return { outcome: "short" };
      }
      const mine = candidates.filter((id) => !this.reserved.has(id));
      for (const id of mine) this.reserved.add(id);
      let loaded = new Map<string, DeliveryRow[]>();
      type Value = { ok: false; taken: string[] } | { ok: true; keys: Array<{ keyId: string; fetchBy: Date }>; at: Date };
      const claimed = this.keys.runner.submit(this.grouped({
        keyIds: candidates,
        group: this.masterGroup,
        run: (ws: KeyWorkspace): Value => {
          const ledger = ledgerOf(ws);
          const picked: KeyRecord[] = [];
          for (const id of candidates) {
            if (picked.length === c.number) break;
            if (!ws.hasKey(id)) continue;
            const k = ws.key(id);
            const known = ledger.get(id) ?? facts(loaded.get(id));
            if (known.length === 0 && servable(k, label, sites)) picked.push(k);
          }
          if (picked.length < c.number) return { ok: false as const, taken: candidates.filter((id) => !picked.some((k) => k.id === id)) };
          const ctx = this.keys.effectContext(ws, { actor: `kme:${c.kme}` });
          const slaveIds = c.slaves.map((s) => s.saeId);
          const out: Array<{ keyId: string; fetchBy: Date }> = [];
          for (const k of picked) {
            transition(ctx, k, { type: "ISSUE_TO_SAE", saeId: c.masterSaeId, slaves: slaveIds, sizeBits: c.sizeBits }, {
              saeDeliveries: [],
              auditDetails: { kme: c.kme, requestId: c.requestId, slaveKmes: [...new Set(c.slaves.map((s) => s.nodeId))] },
            });
            ledger.set(k.id, [{ saeId: c.masterSaeId, role: "master", delivered: true }, ...slaveIds.map((saeId) => ({ saeId, role: "slave" as const, delivered: false }))]);
            const policy = policyIn(ws, k.policy);
            const activated = (k.activatedAt ?? ws.now).getTime();
            out.push({ keyId: k.id, fetchBy: new Date(activated + (policy.cryptoperiodSeconds + policy.overlapSeconds) * 1000) });
          }
          return { ok: true as const, keys: out, at: ws.now };
        },
      }, (rows) => {
        loaded = rows;
      }, (v) => {
        const value = v as Value;
        if (!value.ok) return [];
        // Whole literals, not { ...common, key_id, ... }: V8 takes a slow path for a spread followed by new fields.
        const row = (keyId: string, saeId: string, role: "master" | "slave", kmeNodeId: string, delivered: boolean) => ({
          master_sae_id: c.masterSaeId, size_bits: c.sizeBits, request_id: c.requestId, at: value.at,
          key_id: keyId, sae_id: saeId, role, kme_node_id: kmeNodeId, delivered,
        });
        return value.keys.flatMap((k) => [
          row(k.keyId, c.masterSaeId, "master", c.kme, true),
          ...c.slaves.map((s) => row(k.keyId, s.saeId, "slave", s.nodeId, false)),
        ]);
      }));
      const r = await claimed.finally(() => {
        for (const id of mine) this.reserved.delete(id);
      }).catch((e: unknown) => {
        if (plain) this.giveBack(label, mine); // the outcome is unknown: the lock re-checks them at their next claim
        throw e;
      });
      if (r.ok) {
        // Candidates the claim did not need go back to the front of the read-ahead (they were servable as far as known).
        if (plain) this.giveBack(label, mine.filter((id) => !r.keys.some((k) => k.keyId === id)));
        return { outcome: "claimed", keys: r.keys };
      }
      skip.push(...r.taken);
      // Keys read ahead went stale (taken by another hub process, revoked, rotated): read afresh rather than drain them.
      if (plain) this.ahead.delete(label);
    }
    return { outcome: "short" };
  }

  /**
   * Up to `n` plain candidates from the pool's read-ahead, reading ahead again (one query at a time per pool) when it
   * runs short; never one another claim of this process holds or was handed.
   */
  private async takeAhead(pool: pg.Pool, sites: readonly string[], label: string, n: number, skip: readonly string[]): Promise<string[]> {
    let a = this.ahead.get(label);
    if (!a) this.ahead.set(label, (a = { ids: [], refill: null }));
    const ahead = a;
    if (skip.length > 0) ahead.ids = ahead.ids.filter((id) => !skip.includes(id));
    for (let round = 0; round < 2 && ahead.ids.length < n; round++) {
      ahead.refill ??= poolCandidates(pool, sites, NONE, Math.max(AHEAD, n * 2), [...this.reserved, ...ahead.ids, ...skip])
        .then((ids) => {
          const have = new Set(ahead.ids);
          for (const id of ids) if (!have.has(id) && !this.reserved.has(id)) ahead.ids.push(id);
        })
        .finally(() => {
          ahead.refill = null;
        });
      await ahead.refill;
    }
    return ahead.ids.splice(0, n).filter((id) => !this.reserved.has(id));
  }

  private giveBack(label: string, ids: readonly string[]): void {
    const ahead = this.ahead.get(label);
    if (!ahead || ids.length === 0) return;
    const have = new Set(ahead.ids);
    ahead.ids.unshift(...ids.filter((id) => !have.has(id) && !this.reserved.has(id)));
  }

  /** dec_keys: every key to this slave, each consumed once every addressed application has it; or nothing. */
  async claimForSlave(c: SlaveClaim): Promise<SlaveClaimOutcome> {
    let loaded = new Map<string, DeliveryRow[]>();
    type Value = { ok: false } | { ok: true; at: Date };
    const r = await this.keys.runner.submit(this.grouped({
      keyIds: c.keyIds,
      group: this.slaveGroup,
      run: (ws: KeyWorkspace): Value => {
        const ledger = ledgerOf(ws);
        const known = new Map(c.keyIds.map((id) => [id, ledger.get(id) ?? facts(loaded.get(id))]));
        // Every key must be fetchable by this slave from this master, or none is claimed.
        for (const id of c.keyIds) {
          const f = known.get(id)!;
          const master = loaded.get(id)?.find((d) => d.role === "master")?.saeId;
          const mine = f.find((x) => x.saeId === c.slaveSaeId && x.role === "slave");
          if (!ws.hasKey(id) || master !== c.masterSaeId || !mine || mine.delivered) return { ok: false as const };
          const s = ws.key(id).state;
          if (s !== "ACTIVE" && s !== "ROTATING") return { ok: false as const };
        }
        const ctx = this.keys.effectContext(ws, { actor: `kme:${c.kme}` });
        for (const id of c.keyIds) {
          const k = ws.key(id);
          const before = known.get(id)!;
          const kmes = [...new Set((loaded.get(id) ?? []).map((d) => d.kmeNodeId))].sort();
          transition(ctx, k, { type: "FETCH_BY_SAE", saeId: c.slaveSaeId }, {
            saeDeliveries: before,
            auditDetails: { kme: c.kme, requestId: c.requestId, kmes },
          });
          ledger.set(id, before.map((x) => (x.saeId === c.slaveSaeId && x.role === "slave" ? { ...x, delivered: true } : x)));
        }
        return { ok: true as const, at: ws.now };
      },
    }, (rows) => {
      loaded = rows;
    }, (v) => {
      const value = v as Value;
      return value.ok ? c.keyIds.map((keyId) => ({ key_id: keyId, sae_id: c.slaveSaeId, at: value.at })) : [];
    }));
    if (!r.ok) return { outcome: "refused" };
    // The size the master chose at enc_keys: the slave gets the same prefix of the key.
    return { outcome: "claimed", keys: c.keyIds.map((keyId) => ({ keyId, sizeBits: loaded.get(keyId)!.find((d) => d.role === "master")!.sizeBits })) };
  }
}

function minOrNull(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}
