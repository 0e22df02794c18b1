/**
 * The hub's side of every site's KME (KEY-DELIVERY.md §2): answers the calls a
 * KME makes over its agent's link (server/kme/link/kme-calls.ts) from the
 * registry, the pools and the delivery rows, and makes the two claims. The
 * calling KME's site is the agent's certificate CN, passed in by the agent
 * listener; the hub checks against it on its own (an SAE is served only by the
 * KME of its site), whatever the agent's protocol layer already checked.
 */
import type pg from "pg";
import { poolOf } from "../../db/client";
import { loadPolicies } from "../../keys/key-policies";
import type { KeyService } from "../../keys/key-service";
import type { Clock } from "../../time/clock";
import type { KmeCallArgs, KmeCallHandler, KmeCallName, KmeCallResult } from "../link/kme-calls";
import { registryChangeCount } from "../registry/sae-registry";
import { DeliveryClaims } from "./delivery-claims";
import { StatusCache } from "./status-cache";
import {
  arePaired,
  countPool,
  deliveriesOf,
  ETSI014_POLICY,
  findSae,
  keyStates,
  poolSites,
  refillKeysPerSecond,
  registryView,
  slaveInspection,
  type DeliveryRow,
  type KeyStateRow,
  type RegistryView,
  revokedNotices,
  siteState,
} from "./pool-queries";

export interface KmeHubOptions {
  /** max_key_count: the pool target of every pair (KEY-DELIVERY.md §5.1). */
  poolTarget?: number;
  maxKeyPerRequest?: number;
  minKeySizeBits?: number;
  /** How long an application is told about a revoked key it received (§5.5). */
  noticeWindowSeconds?: number;
  /**
   * The most keys per second the replenisher adds to a pool (REPLENISH_KEYS_PER_SECOND; 0 when it is off): the refill
   * rate status reports is the lower of this and what the links' pads allow. Default: no bound but the links.
   */
  refillCapacityPerSecond?: number;
}

export const KME_DEFAULTS = { poolTarget: 1000, maxKeyPerRequest: 128, minKeySizeBits: 64, noticeWindowSeconds: 86_400, refillCapacityPerSecond: Number.POSITIVE_INFINITY } as const;

/** How long the policy's key size and a pool's refill rate are reused (both change rarely; neither decides a claim). */
const CACHE_TTL_MS = 5_000;
/** How long an enc_keys request's registry read waits for its claim (the claim follows within milliseconds). */
const PREPARED_TTL_MS = 1_000;
/** Prepared reads kept at most (requests whose claim never came: refused before it). */
const PREPARED_MAX = 4_096;

type Handlers = { [N in KmeCallName]: (kme: string, args: KmeCallArgs<N>) => Promise<KmeCallResult<N>> };

export class KmeHub implements KmeCallHandler {
  readonly claims: DeliveryClaims;
  private readonly opts: Required<KmeHubOptions>;
  private readonly clock: Clock;
  /** The audit throttle of refusals: per (SAE, KME), the minute of the last entry and the refusals not written since. */
  private readonly refusals = new Map<string, { minute: number; suppressed: number }>();
  /** The refill rate per pool and the etsi014 policy's key size change slowly: read at most once per TTL. */
  private readonly rates = new Map<string, { at: number; rate: number }>();
  private readonly rateReads = new Map<string, Promise<number>>();
  private sizeCache: { at: number; bits: number } | null = null;
  /**
   * The registry read of an enc_keys request's prepare, by KME and request id, for that request's claim: one registry
   * read per request instead of two. Used once, within PREPARED_TTL_MS, only when no registry change of this process
   * began or ended in between (registryChangeCount), and only for the same master and single slave.
   */
  private readonly prepared = new Map<string, { at: number; changes: number; master: string; slave: string; view: RegistryView }>();
  /** Pool counts and notices reused while the audit head stays put (status-cache.ts). */
  private readonly cache = new StatusCache();

  constructor(
    private readonly keys: KeyService,
    opts: KmeHubOptions = {},
  ) {
    this.claims = new DeliveryClaims(keys);
    this.opts = { ...KME_DEFAULTS, ...opts };
    this.clock = keys.clock;
  }

  get limits() {
    return this.opts;
  }

  private get pool(): pg.Pool {
    return poolOf(this.keys.db);
  }

  call<N extends KmeCallName>(kme: string, op: N, args: KmeCallArgs<N>): Promise<KmeCallResult<N>> {
    const h = this.handlers[op] as (kme: string, args: KmeCallArgs<N>) => Promise<KmeCallResult<N>>;
    return h(kme, args);
  }

  private readonly handlers: Handlers = {
    prepare: async (kme, { callerSaeId, pathSaeId, snapshot, upTo, notices, requestId }) => {
      const ids = [callerSaeId, pathSaeId].filter((x): x is string => x !== null);
      const pair = callerSaeId !== null && pathSaeId !== null ? [[callerSaeId, pathSaeId] as const] : [];
      const changes = registryChangeCount(); // before the read: a change begun while it runs is seen at the claim
      const [view, limits] = await Promise.all([registryView(this.pool, kme, ids, pair), this.handlers.limits(kme, {})]);
      if (requestId !== undefined && callerSaeId !== null && pathSaeId !== null) this.keepPrepared(kme, requestId, { at: this.clock().getTime(), changes, master: callerSaeId, slave: pathSaeId, view });
      const caller = callerSaeId === null ? null : (view.saes.get(callerSaeId) ?? null);
      const path = pathSaeId === null ? null : (view.saes.get(pathSaeId) ?? null);
      const sites = [...new Set([kme, ...(path ? [path.nodeId] : [])])].map((nodeId) => ({ nodeId, state: view.site(nodeId) }));
      // As the snapshot and revokedNotices calls answer: nothing for a caller that is not this KME's, or no pair.
      const mine = caller !== null && caller.nodeId === kme;
      const [pool, list] = await Promise.all([
        snapshot === null ? null
        : mine && path ? this.snapshot(poolSites(caller.nodeId, path.nodeId), { avoidNodes: [], maxRelays: null }, snapshot === "full" ? this.opts.poolTarget : Math.min(upTo ?? Infinity, this.opts.maxKeyPerRequest), view.head)
        : emptySnapshot(),
        !notices ? null : mine ? this.notices(caller.saeId, view.head) : [],
      ]);
      return {
        caller, path, paired: caller !== null && path !== null && view.paired(caller.saeId, path.saeId),
        limits, sites, snapshot: pool, notices: list,
      };
    },
    siteState: async (_kme, { nodeId }) => ({ state: await siteState(this.pool, nodeId) }),
    limits: async () => {
      const size = await this.keySize();
      return {
        keySizeBits: size,
        minKeySizeBits: Math.min(this.opts.minKeySizeBits, size),
        poolTarget: this.opts.poolTarget,
        maxKeyPerRequest: this.opts.maxKeyPerRequest,
        maxSaeIdCount: 0,
      };
    },
    findSae: async (_kme, { saeId }) => ({ sae: await findSae(this.pool, saeId) }),
    arePaired: async (_kme, { a, b }) => ({ paired: await arePaired(this.pool, a, b) }),
    snapshot: async (kme, { masterSaeId, slaveSaeId, required }) => {
      const sites = await this.pairSites(kme, masterSaeId, slaveSaeId);
      if (!sites) return emptySnapshot();
      return this.snapshot(sites, required);
    },
    revokedNotices: async (kme, { saeId }) => {
      const sae = await findSae(this.pool, saeId);
      if (!sae || sae.nodeId !== kme) return { notices: [] };
      return { notices: await this.notices(saeId) };
    },
    claimForMaster: async (kme, a) => {
      // The registry and both sites in one read (as findSae, arePaired and siteState would answer them one by one),
      // or the read this request's prepare made a moment ago.
      const view = this.takePrepared(kme, a) ?? (await registryView(this.pool, kme, [a.masterSaeId, ...a.slaveSaeIds], a.slaveSaeIds.map((id) => [a.masterSaeId, id] as const)));
      const master = view.saes.get(a.masterSaeId) ?? null;
      const slaves = a.slaveSaeIds.map((id) => view.saes.get(id) ?? null);
      if (!master || master.nodeId !== kme || slaves.some((s) => s === null)) return this.refusedMaster(kme, a, null);
      for (const s of slaves) if (!view.paired(master.saeId, s!.saeId)) return this.refusedMaster(kme, a, null);
      const peer = slaves[0]!.nodeId;
      const sites = poolSites(kme, peer);
      if (view.site(kme) !== "ONLINE" || view.site(peer) !== "ONLINE") return this.refusedMaster(kme, a, sites);
      const r = await this.claims.claimForMaster(this.pool, {
        kme, requestId: a.requestId, masterSaeId: master.saeId, slaves: slaves.map((s) => ({ saeId: s!.saeId, nodeId: s!.nodeId })),
        sites, number: a.number, sizeBits: a.sizeBits, required: a.required, preferred: a.preferred,
      });
      if (r.outcome === "claimed") return { outcome: "claimed", keys: r.keys.map((k) => ({ keyId: k.keyId, fetchBy: k.fetchBy.toISOString() })) };
      return this.refusedMaster(kme, a, sites);
    },
    inspectForSlave: async (kme, { slaveSaeId, keyIds }) => {
      const ids = keyIds.map((k) => k.toLowerCase());
      const seen = await slaveInspection(this.pool, slaveSaeId, ids);
      if (!seen.slave || seen.slave.nodeId !== kme) return { views: ids.map((keyId) => ({ keyId, exists: false as const })) };
      return { views: viewsOf(slaveSaeId, ids, seen.deliveries, seen.states) };
    },
    reportRefusal: async (kme, r) => ({ audited: await this.auditRefusal(kme, r) }),
    claimForSlave: async (kme, { requestId, slaveSaeId, masterSaeId, keyIds }) => {
      // Judged first, as inspectForSlave would (one query, no job): a request dec_keys refuses anyway takes no lock, and
      // the KME needs no separate inspection. The job judges again under the lock; this read decides nothing alone.
      const ids = keyIds.map((k) => k.toLowerCase());
      const seen = await slaveInspection(this.pool, slaveSaeId, ids);
      if (!seen.slave || seen.slave.nodeId !== kme) return { outcome: "refused", views: ids.map((keyId) => ({ keyId, exists: false as const })) };
      const views = viewsOf(slaveSaeId, ids, seen.deliveries, seen.states);
      const fine = (v: (typeof views)[number]) => v.exists && v.masterSaeId === masterSaeId && v.addressedSlaves.includes(slaveSaeId) && v.availability === "available";
      if (!views.every(fine)) return { outcome: "refused", views };
      const r = await this.claims.claimForSlave({ kme, requestId, slaveSaeId, masterSaeId, keyIds: ids });
      if (r.outcome === "claimed") return { outcome: "claimed", keys: r.keys };
      return { outcome: "refused", views: await this.views(slaveSaeId, ids) };
    },
  };

  /**
   * ETSI014_ACCESS_REFUSED (§5.3): an unregistered caller, or a key not addressed to the caller. At most one entry per
   * (SAE, KME) per minute, carrying how many refusals were not written since the last one, so a flood cannot fill the
   * chain (the rule of sign-in throttling). Per hub process: several instances may each write one a minute.
   */
  private async auditRefusal(kme: string, r: KmeCallArgs<"reportRefusal">): Promise<boolean> {
    const key = `${r.saeId}\u0000${kme}`;
    const minute = Math.floor(this.clock().getTime() / 60_000);
    const seen = this.refusals.get(key);
    if (seen && seen.minute === minute) {
      seen.suppressed++;
      return false;
    }
    const suppressed = seen?.suppressed ?? 0;
    this.refusals.set(key, { minute, suppressed: 0 });
    if (this.refusals.size > 10_000) this.refusals.delete(this.refusals.keys().next().value!);
    await this.keys.runner.submit({
      keyIds: [],
      run: (ws) => {
        ws.audit({
          actor: `kme:${kme}`, action: "ETSI014_ACCESS_REFUSED", subjectType: "sae", subjectId: r.saeId || "(no CN)", fromState: null, toState: null,
          details: { kme, method: r.method, endpoint: r.endpoint, reason: r.reason, keyIds: r.keyIds.slice(0, 16), suppressedSinceLast: suppressed },
        });
      },
    });
    return true;
  }

  private keepPrepared(kme: string, requestId: string, p: { at: number; changes: number; master: string; slave: string; view: RegistryView }): void {
    const key = `${kme}\u0000${requestId}`;
    this.prepared.delete(key);
    this.prepared.set(key, p);
    // Oldest first (insertion order): drop what expired, and beyond the cap the oldest.
    for (const [k, v] of this.prepared) {
      if (this.prepared.size <= PREPARED_MAX && p.at - v.at <= PREPARED_TTL_MS) break;
      this.prepared.delete(k);
    }
  }

  /** The registry read of this request's prepare, once, if it still stands for this claim (see `prepared`). */
  private takePrepared(kme: string, a: KmeCallArgs<"claimForMaster">): RegistryView | null {
    const key = `${kme}\u0000${a.requestId}`;
    const p = this.prepared.get(key);
    if (!p) return null;
    this.prepared.delete(key);
    const age = this.clock().getTime() - p.at;
    const same = a.masterSaeId === p.master && a.slaveSaeIds.length === 1 && a.slaveSaeIds[0] === p.slave;
    return same && age >= 0 && age <= PREPARED_TTL_MS && p.changes === registryChangeCount() ? p.view : null;
  }

  /** The notices of an SAE (§5.5); with `head` (the audit head this request read first), from the cache while it holds. */
  private async notices(saeId: string, head: string | null = null): Promise<KmeCallResult<"revokedNotices">["notices"]> {
    const since = new Date(this.clock().getTime() - this.opts.noticeWindowSeconds * 1000);
    const list = await this.cache.noticesOf(saeId, head, since, () => revokedNotices(this.pool, saeId, since));
    return list.map((n) => ({ keyId: n.keyId, revokedAt: n.revokedAt.toISOString(), reason: n.reason.slice(0, 300) }));
  }

  private async keySize(): Promise<number> {
    const now = this.clock().getTime();
    if (this.sizeCache && now - this.sizeCache.at < CACHE_TTL_MS && now >= this.sizeCache.at) return this.sizeCache.bits;
    const policy = (await loadPolicies(this.keys.db)).find((p) => p.name === ETSI014_POLICY);
    this.sizeCache = { at: now, bits: policy?.sizeBits ?? 256 };
    return this.sizeCache.bits;
  }

  private async refillRate(sites: readonly string[]): Promise<number> {
    const key = sites.join("~");
    const now = this.clock().getTime();
    const hit = this.rates.get(key);
    if (hit && now - hit.at < CACHE_TTL_MS && now >= hit.at) return hit.rate;
    // Requests that find the rate stale at once share one read (the 16 of a busy second would each run it).
    let reading = this.rateReads.get(key);
    if (!reading) {
      reading = refillKeysPerSecond(this.pool, sites)
        .then((links) => {
          const rate = Math.min(links, this.opts.refillCapacityPerSecond);
          // A pool without routed keys yet reads 0: not kept, so its first keys show their rate at once.
          if (links > 0) this.rates.set(key, { at: now, rate });
          return rate;
        })
        .finally(() => this.rateReads.delete(key));
      this.rateReads.set(key, reading);
    }
    return reading;
  }

  /** The pool's sites of a master at this KME and its slave; null when they are not a registered, enabled pair. */
  private async pairSites(kme: string, masterSaeId: string, slaveSaeId: string): Promise<string[] | null> {
    const [m, s] = await Promise.all([findSae(this.pool, masterSaeId), findSae(this.pool, slaveSaeId)]);
    if (!m || !s || m.nodeId !== kme) return null;
    return poolSites(m.nodeId, s.nodeId);
  }

  /** The pool's counts, never above `upTo` (the pool target: status reports no more; less when only that is compared). */
  async snapshot(sites: readonly string[], required: { avoidNodes: readonly string[]; maxRelays: number | null }, upTo = this.opts.poolTarget, head: string | null = null): Promise<KmeCallResult<"snapshot">> {
    const limit = Math.min(upTo, this.opts.poolTarget);
    const plain = required.avoidNodes.length === 0 && required.maxRelays === null;
    // The plain count (status, enc_keys's pre-check) from the cache while the audit head holds (status-cache.ts).
    const counted = plain
      ? this.cache.count(sites.join("~"), head, limit, async (l) => (await countPool(this.pool, sites, required, l)).available).then((x) => ({ available: x, matching: x, avoid: x, relays: x }))
      : countPool(this.pool, sites, required, limit);
    const [n, rate] = await Promise.all([counted, this.refillRate(sites)]);
    const cap = (x: number) => Math.min(x, limit);
    return {
      available: cap(n.available),
      matching: cap(n.matching),
      matchingEach: {
        ...(required.avoidNodes.length > 0 ? { qecnet_avoid_nodes: cap(n.avoid) } : {}),
        ...(required.maxRelays !== null ? { qecnet_max_relays: cap(n.relays) } : {}),
      },
      refillKeysPerSecond: rate,
      quota: { remaining: Number.MAX_SAFE_INTEGER, retryAfterSeconds: 0 },
    };
  }

  private async refusedMaster(kme: string, a: KmeCallArgs<"claimForMaster">, sites: string[] | null): Promise<KmeCallResult<"claimForMaster">> {
    const slave = a.slaveSaeIds[0] ? await findSae(this.pool, a.slaveSaeIds[0]) : null;
    const peer = slave?.nodeId ?? kme;
    return {
      outcome: "refused",
      pool: sites ? await this.snapshot(sites, a.required) : emptySnapshot(),
      ownSite: await siteState(this.pool, kme),
      peerSite: await siteState(this.pool, peer),
    };
  }

  /** The keys a slave asks for, as dec_keys must judge them (§4.3). */
  private async views(slaveSaeId: string, ids: readonly string[]): Promise<KmeCallResult<"inspectForSlave">["views"]> {
    const [deliveries, states] = await Promise.all([deliveriesOf(this.pool, ids), keyStates(this.pool, ids)]);
    return viewsOf(slaveSaeId, ids, deliveries, states);
  }
}

/** The keys a slave asks for, as dec_keys must judge them (§4.3), from their delivery rows and states. */
function viewsOf(
  slaveSaeId: string,
  ids: readonly string[],
  deliveries: ReadonlyMap<string, DeliveryRow[]>,
  states: ReadonlyMap<string, KeyStateRow>,
): KmeCallResult<"inspectForSlave">["views"] {
  return ids.map((keyId) => {
    const rows = deliveries.get(keyId) ?? [];
    const master = rows.find((r) => r.role === "master");
    const key = states.get(keyId);
    if (!master || !key) return { keyId, exists: false as const };
    const slaves = rows.filter((r) => r.role === "slave");
    const mine = slaves.find((r) => r.saeId === slaveSaeId);
    const availability =
      mine?.deliveredAt ? "consumed"
      : key.state === "REVOKED" ? "revoked"
      : key.state === "ACTIVE" || key.state === "ROTATING" ? "available"
      : key.state === "DESTROYED" && slaves.every((r) => r.deliveredAt) ? "consumed"
      : "expired";
    return { keyId, exists: true as const, masterSaeId: master.saeId, addressedSlaves: slaves.map((r) => r.saeId), availability };
  });
}

function emptySnapshot(): KmeCallResult<"snapshot"> {
  return { available: 0, matching: 0, matchingEach: {}, refillKeysPerSecond: 0, quota: { remaining: Number.MAX_SAFE_INTEGER, retryAfterSeconds: 0 } };
}
