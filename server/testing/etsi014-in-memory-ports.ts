/**
 * An in-memory implementation of the KME ports (kme-ports.ts) for the ETSI 014 unit tests
 * (server/kme/etsi014): a registry, one pool per site pair, issued keys with their
 * addressed slaves, and atomic claims. It records every port call so that tests
 * can prove a refused request claimed nothing. It is a test double, not a model
 * of the hub: no lifecycle states, no audit, no persistence.
 */
import type {
  ClaimedKey,
  DeliveryLimits,
  Etsi014Ports,
  KeyPool,
  KeyView,
  KmeSite,
  MasterClaimResult,
  PoolSnapshot,
  RevokedNotice,
  RouteConstraints,
  SaeDirectory,
  SaeRecord,
  SiteState,
  SlaveClaimResult,
} from "../kme/etsi014/kme-ports";

export interface PoolKey {
  keyId: string;
  material: Uint8Array;
  /** Nodes the key's routes crossed, relays included. */
  routeNodes: string[];
  relays: number;
}

interface Issued {
  master: string;
  slaves: string[];
  sizeBits: number;
  material: Uint8Array;
  fetched: Set<string>;
  state: "available" | "expired" | "revoked";
}

const meets = (key: PoolKey, c: RouteConstraints) =>
  !key.routeNodes.some((n) => c.avoidNodes.includes(n)) && (c.maxRelays === null || key.relays <= c.maxRelays);

export class InMemoryPorts implements Etsi014Ports {
  readonly calls: string[] = [];
  hubUp = true;
  states = new Map<string, SiteState>();
  limitsValue: DeliveryLimits = { keySizeBits: 256, minKeySizeBits: 64, poolTarget: 1000, maxKeyPerRequest: 128, maxSaeIdCount: 0 };
  saes = new Map<string, string>();
  /** Certificate pins per SAE (lower-case hex SHA-256 of the DER), as the registry's `cert_pins`. */
  pins = new Map<string, string[]>();
  pairs = new Set<string>();
  pools = new Map<string, PoolKey[]>();
  issued = new Map<string, Issued>();
  notices: RevokedNotice[] = [];
  refill = 10;
  quota = { remaining: 1_000_000, retryAfterSeconds: 7 };
  /** When set, the next call of this port method throws (a dropped hub link, a store error). */
  throwOn: string | null = null;
  /** When set, claims answer like this instead of claiming (a race lost, or the hub gone mid-request). */
  claimOverride: MasterClaimResult | SlaveClaimResult | null = null;

  readonly site: KmeSite;

  constructor(readonly kmeId: string) {
    this.site = {
      kmeId,
      hubReachable: async () => (this.note("hubReachable"), this.hubUp),
      siteState: async (nodeId) => (this.note("siteState"), this.states.get(nodeId) ?? "ONLINE"),
      limits: async () => (this.note("limits"), this.limitsValue),
    };
  }

  /** The same state seen from the KME of another site (the hub is shared; the site is not). */
  at(kmeId: string): Etsi014Ports {
    return { site: { ...this.site, kmeId }, directory: this.directory, keys: this.keys };
  }

  /** As `at`, with the slave's claim that judges the keys itself (KeyPool.inspectAndClaimForSlave), as a site's ports have. */
  atOneCall(kmeId: string): Etsi014Ports {
    const keys: KeyPool = { ...this.keys, inspectAndClaimForSlave: (c) => this.slaveClaim("inspectAndClaimForSlave", c) };
    return { ...this.at(kmeId), keys };
  }

  private note(call: string): void {
    this.calls.push(call);
    if (this.throwOn === call) {
      this.throwOn = null;
      throw new Error(`port ${call} failed`);
    }
  }

  get claims(): number {
    return this.calls.filter((c) => c.startsWith("claim")).length;
  }

  addSae(saeId: string, nodeId: string, certPins?: readonly string[]): this {
    this.saes.set(saeId, nodeId);
    if (certPins !== undefined) this.pins.set(saeId, [...certPins]);
    return this;
  }

  pair(a: string, b: string): this {
    this.pairs.add([a, b].sort().join("|"));
    return this;
  }

  poolKeyOf(a: string, b: string): string {
    return [this.saes.get(a), this.saes.get(b)].sort().join("|");
  }

  fill(a: string, b: string, keys: PoolKey[]): this {
    const k = this.poolKeyOf(a, b);
    this.pools.set(k, [...(this.pools.get(k) ?? []), ...keys]);
    return this;
  }

  readonly directory: SaeDirectory = {
    findSae: async (saeId): Promise<SaeRecord | null> => {
      this.note("findSae");
      const nodeId = this.saes.get(saeId);
      if (nodeId === undefined) return null;
      const certPins = this.pins.get(saeId);
      return certPins === undefined ? { saeId, nodeId } : { saeId, nodeId, certPins };
    },
    arePaired: async (a, b) => (this.note("arePaired"), this.pairs.has([a, b].sort().join("|"))),
  };

  private snapshotOf(master: string, slave: string, required: RouteConstraints): PoolSnapshot {
    const pool = this.pools.get(this.poolKeyOf(master, slave)) ?? [];
    const none = { avoidNodes: [], maxRelays: null };
    return {
      available: pool.length,
      matching: pool.filter((k) => meets(k, required)).length,
      matchingEach: {
        qecnet_avoid_nodes: pool.filter((k) => meets(k, { ...none, avoidNodes: required.avoidNodes })).length,
        qecnet_max_relays: pool.filter((k) => meets(k, { ...none, maxRelays: required.maxRelays })).length,
      },
      refillKeysPerSecond: this.refill,
      quota: { ...this.quota },
    };
  }

  readonly keys: KeyPool = {
    snapshot: async ({ masterSaeId, slaveSaeId, required }) => (this.note("snapshot"), this.snapshotOf(masterSaeId, slaveSaeId, required)),
    revokedNotices: async () => (this.note("revokedNotices"), [...this.notices]),
    claimForMaster: async (claim) => {
      this.note("claimForMaster");
      if (this.claimOverride !== null) return this.claimOverride as MasterClaimResult;
      const [slave] = claim.slaveSaeIds;
      const poolKey = this.poolKeyOf(claim.masterSaeId, slave ?? "");
      const pool = this.pools.get(poolKey) ?? [];
      const eligible = pool.filter((k) => meets(k, claim.required));
      const preferred = [...eligible.filter((k) => meets(k, claim.preferred)), ...eligible.filter((k) => !meets(k, claim.preferred))];
      const taken = preferred.slice(0, claim.number);
      if (taken.length < claim.number || this.quota.remaining < claim.number) {
        return { outcome: "refused", pool: this.snapshotOf(claim.masterSaeId, slave ?? "", claim.required), ownSite: "ONLINE", peerSite: "ONLINE" };
      }
      this.pools.set(poolKey, pool.filter((k) => !taken.includes(k)));
      this.quota.remaining -= claim.number;
      const keys: ClaimedKey[] = taken.map((k) => {
        const material = k.material.slice(0, claim.sizeBits / 8);
        this.issued.set(k.keyId, { master: claim.masterSaeId, slaves: [...claim.slaveSaeIds], sizeBits: claim.sizeBits, material, fetched: new Set(), state: "available" });
        return { keyId: k.keyId, material, fetchBy: new Date("2030-01-01T00:05:00.000Z") };
      });
      return { outcome: "claimed", keys };
    },
    inspectForSlave: async ({ slaveSaeId, keyIds }) => (this.note("inspectForSlave"), keyIds.map((id) => this.view(id, slaveSaeId))),
    claimForSlave: async (c) => this.slaveClaim("claimForSlave", c),
  };

  private async slaveClaim(call: string, { slaveSaeId, masterSaeId, keyIds }: { slaveSaeId: string; masterSaeId: string; keyIds: readonly string[] }): Promise<SlaveClaimResult> {
    this.note(call);
    if (this.claimOverride !== null) return this.claimOverride as SlaveClaimResult;
    const views = keyIds.map((id) => this.view(id, slaveSaeId));
    const ok = views.every((v) => v.exists && v.masterSaeId === masterSaeId && v.addressedSlaves.includes(slaveSaeId) && v.availability === "available");
    if (!ok) return { outcome: "refused", views };
    return {
      outcome: "claimed",
      keys: keyIds.map((id) => {
        const issued = this.issued.get(id) as Issued;
        issued.fetched.add(slaveSaeId);
        return { keyId: id, material: issued.material };
      }),
    };
  }

  private view(keyId: string, slave: string): KeyView {
    const k = this.issued.get(keyId);
    if (k === undefined) return { keyId, exists: false };
    const availability = k.fetched.has(slave) ? "consumed" : k.state;
    return { keyId, exists: true, masterSaeId: k.master, addressedSlaves: k.slaves, availability };
  }
}
