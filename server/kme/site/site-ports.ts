/**
 * The ports of a site's KME inside its node agent (KEY-DELIVERY.md §2): the
 * ETSI 014 protocol layer asks the hub every question over the agent's link,
 * and the hub alone decides and records which key goes to whom; the bytes come
 * from this site's sealed store, read only for keys the hub has just claimed
 * for the caller. Without a live hub link every port throws, so the KME
 * answers 503 and never serves on its own authority.
 *
 * A slave's keys are read from the store before the claim: the last fetch
 * destroys the key and the hub then tells this agent to purge it, possibly
 * before the claim's answer was handled; reading first means a claimed key is
 * never lost to that purge. A key this store does not hold is not claimed at all
 * (503 material_unavailable). A master's claim cannot race a purge (issuing
 * destroys nothing); a key the store lost after the claim is answered 503, and
 * the hub's record shows the delivery: at most once, never twice.
 */
import type { ClaimedKey, Etsi014Ports, KeyView, MasterClaimResult, PoolSnapshot, RequestOutline, SlaveClaimResult } from "../etsi014/kme-ports";
import type { KmeCallArgs, KmeCallName, KmeCallResult } from "../link/kme-calls";

/** The agent's hub link as the KME uses it. */
export interface HubLink {
  readonly connected: boolean;
  kmeCall<N extends KmeCallName>(op: N, args: KmeCallArgs<N>): Promise<KmeCallResult<N>>;
}

/** The agent's sealed store as the KME reads it. */
export interface KeyMaterialStore {
  /** The key's bytes, null when not held; anything else (a corrupt record) counts as not held. */
  open(keyId: string): Buffer | null | "corrupt";
  /** Counts deliveries of the key (the agent's usage totals). */
  recordUse(keyId: string, times: number): void;
  /** Counts deliveries of several keys in one durable write (optional: else one recordUse each). */
  recordUses?(uses: ReadonlyArray<{ keyId: string; times: number }>): void;
  /** The same, the disk waited for off the event loop (optional: preferred when present). */
  recordUsesDurable?(uses: ReadonlyArray<{ keyId: string; times: number }>): Promise<void>;
}

/**
 * The deliveries of the requests answered in one turn of the event loop, counted in one durable write of the usage
 * totals instead of one write (and two fsyncs, blocking the loop) per key. Each request still waits for the write
 * that counts its keys before it answers.
 */
export class UsageRecorder {
  private pending: Array<{ keyId: string; times: number }> = [];
  private waiting: Array<{ resolve(): void; reject(e: unknown): void }> = [];

  constructor(private readonly store: KeyMaterialStore) {}

  record(keyIds: readonly string[]): Promise<void> {
    // A store that writes off the loop groups concurrent changes itself (one write serves all made while one runs).
    if (this.store.recordUsesDurable) return this.store.recordUsesDurable(keyIds.map((keyId) => ({ keyId, times: 1 })));
    return new Promise<void>((resolve, reject) => {
      if (this.waiting.length === 0) setImmediate(() => this.flush());
      for (const keyId of keyIds) this.pending.push({ keyId, times: 1 });
      this.waiting.push({ resolve, reject });
    });
  }

  private flush(): void {
    const uses = this.pending;
    const waiting = this.waiting;
    this.pending = [];
    this.waiting = [];
    try {
      if (this.store.recordUses) this.store.recordUses(uses);
      else for (const u of uses) this.store.recordUse(u.keyId, u.times);
    } catch (e) {
      for (const w of waiting) w.reject(e);
      return;
    }
    for (const w of waiting) w.resolve();
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** What a KME tells the hub about an answered request: its 401s, for the audit chain (§5.3); nothing else. */
export function reportRefusals(hub: HubLink, onError: (err: Error) => void): (record: { status: number; saeId: string; method: string; endpoint: "status" | "enc_keys" | "dec_keys" | null; reason: string | null; keyIds: string[] }) => void {
  return (r) => {
    if (r.status !== 401 || !hub.connected) return;
    hub
      .kmeCall("reportRefusal", { saeId: r.saeId.slice(0, 64), method: r.method.slice(0, 16), endpoint: r.endpoint, reason: (r.reason ?? "unauthorised").slice(0, 64), keyIds: r.keyIds.filter((k) => UUID.test(k)).slice(0, 16) })
      .catch(onError);
  };
}

/**
 * The site's ports for one request (Etsi014Ports.forRequest): one `prepare` call reads what the request's checks ask
 * (caller, path SAE, their pairing, limits, both sites, and for status and enc_keys the plain pool and for status the
 * notices), then the checks are answered from that read; any other question goes to the hub as before.
 */
async function portsForRequest(shared: Etsi014Ports, hub: HubLink, outline: RequestOutline): Promise<Etsi014Ports> {
  const { callerSaeId: caller, pathSaeId: path } = outline;
  const p = await hub.kmeCall("prepare", {
    callerSaeId: caller,
    pathSaeId: path,
    // enc_keys compares the count with the keys asked for (at most max_key_per_request): counting further is waste.
    snapshot: outline.endpoint === "status" ? "full" : outline.endpoint === "enc_keys" ? "enough" : null,
    // enc_keys compares the count with its number alone: a count that reaches it says all the request needs.
    ...(outline.endpoint === "enc_keys" && outline.number !== undefined ? { upTo: outline.number } : {}),
    notices: outline.endpoint === "status",
    ...(outline.endpoint === "enc_keys" && outline.requestId ? { requestId: outline.requestId } : {}),
  });
  const known = (id: string) => id === caller || id === path;
  const sites = new Map(p.sites.map((x) => [x.nodeId, x.state]));
  return {
    site: {
      ...shared.site,
      siteState: (nodeId) => {
        const s = sites.get(nodeId);
        return s !== undefined ? Promise.resolve(s) : shared.site.siteState(nodeId);
      },
      limits: () => Promise.resolve(p.limits),
    },
    directory: {
      findSae: (saeId) => (known(saeId) ? Promise.resolve(saeId === caller ? p.caller : p.path) : shared.directory.findSae(saeId)),
      arePaired: (a, b) => ((a === caller && b === path) || (a === path && b === caller) ? Promise.resolve(p.paired) : shared.directory.arePaired(a, b)),
    },
    keys: {
      ...shared.keys,
      snapshot: (q) => {
        const plain = q.required.avoidNodes.length === 0 && q.required.maxRelays === null;
        return plain && p.snapshot && q.masterSaeId === caller && q.slaveSaeId === path ? Promise.resolve(p.snapshot) : shared.keys.snapshot(q);
      },
      revokedNotices: (saeId) =>
        p.notices && saeId === caller ? Promise.resolve(p.notices.map((n) => ({ ...n, revokedAt: new Date(n.revokedAt) }))) : shared.keys.revokedNotices(saeId),
    },
  };
}

export function siteKmePorts(kmeId: string, hub: HubLink, store: KeyMaterialStore): Etsi014Ports {
  const usage = new UsageRecorder(store);
  const read = (keyId: string, sizeBits: number): Uint8Array | null => {
    const m = store.open(keyId);
    if (!Buffer.isBuffer(m) || m.length * 8 < sizeBits) return null;
    const out = new Uint8Array(sizeBits / 8);
    out.set(m.subarray(0, sizeBits / 8));
    m.fill(0);
    return out;
  };
  const ports: Etsi014Ports = {
    forRequest: (outline) => portsForRequest(ports, hub, outline),
    site: {
      kmeId,
      hubReachable: async () => hub.connected,
      siteState: async (nodeId) => (await hub.kmeCall("siteState", { nodeId })).state,
      limits: () => hub.kmeCall("limits", {}),
    },
    directory: {
      findSae: async (saeId) => (await hub.kmeCall("findSae", { saeId })).sae,
      arePaired: async (a, b) => (await hub.kmeCall("arePaired", { a, b })).paired,
    },
    keys: {
      snapshot: (q): Promise<PoolSnapshot> =>
        hub.kmeCall("snapshot", { masterSaeId: q.masterSaeId, slaveSaeId: q.slaveSaeId, required: { avoidNodes: [...q.required.avoidNodes], maxRelays: q.required.maxRelays } }),
      revokedNotices: async (saeId) => (await hub.kmeCall("revokedNotices", { saeId })).notices.map((n) => ({ ...n, revokedAt: new Date(n.revokedAt) })),
      claimForMaster: async (c): Promise<MasterClaimResult> => {
        const r = await hub.kmeCall("claimForMaster", {
          requestId: c.requestId, masterSaeId: c.masterSaeId, slaveSaeIds: [...c.slaveSaeIds], number: c.number, sizeBits: c.sizeBits,
          required: { avoidNodes: [...c.required.avoidNodes], maxRelays: c.required.maxRelays },
          preferred: { avoidNodes: [...c.preferred.avoidNodes], maxRelays: c.preferred.maxRelays },
        });
        if (r.outcome !== "claimed") return r;
        const keys: ClaimedKey[] = [];
        for (const k of r.keys) {
          const material = read(k.keyId, c.sizeBits);
          if (!material) {
            for (const got of keys) got.material.fill(0);
            return { outcome: "unavailable", reason: "material_unavailable" };
          }
          keys.push({ keyId: k.keyId, material, fetchBy: new Date(k.fetchBy) });
        }
        await recordOrWipe(keys);
        return { outcome: "claimed", keys };
      },
      inspectForSlave: async (q): Promise<KeyView[]> => (await hub.kmeCall("inspectForSlave", { slaveSaeId: q.slaveSaeId, keyIds: [...q.keyIds] })).views,
      claimForSlave: (c) => claimForSlave(c, false),
      inspectAndClaimForSlave: (c) => claimForSlave(c, true),
    },
  };

  /** Records the keys' use at this site before they are handed over; on failure their material is wiped first. */
  async function recordOrWipe(keys: ReadonlyArray<{ keyId: string; material: Uint8Array }>): Promise<void> {
    try {
      await usage.record(keys.map((k) => k.keyId));
    } catch (e) {
      for (const k of keys) k.material.fill(0);
      throw e;
    }
  }

  /**
   * dec_keys's claim. The hub's claim judges the keys first and refuses with their views, so with `inspected` the
   * separate inspection is skipped; a key this store cannot read is then judged by the hub's views alone (they
   * decide 401 and 400 before the 503 material_unavailable, which a refusal with views that are all fine becomes).
   */
  async function claimForSlave(c: { requestId: string; slaveSaeId: string; masterSaeId: string; keyIds: readonly string[] }, inspected: boolean): Promise<SlaveClaimResult> {
    // Read before claiming (see above); the full key, cut to the master's size once the hub says which.
    const held = new Map<string, Buffer>();
    const wipe = () => held.forEach((b) => b.fill(0));
    for (const id of c.keyIds) {
      const m = store.open(id);
      if (!Buffer.isBuffer(m)) {
        wipe();
        if (inspected) return { outcome: "refused", views: await ports.keys.inspectForSlave({ slaveSaeId: c.slaveSaeId, keyIds: c.keyIds }) };
        return { outcome: "unavailable", reason: "material_unavailable" };
      }
      held.set(id, m);
    }
    try {
      const r = await hub.kmeCall("claimForSlave", { requestId: c.requestId, slaveSaeId: c.slaveSaeId, masterSaeId: c.masterSaeId, keyIds: [...c.keyIds] });
      if (r.outcome !== "claimed") return r;
      const keys = r.keys.map((k) => {
        const m = held.get(k.keyId.toLowerCase()) ?? held.get(k.keyId)!;
        const out = new Uint8Array(k.sizeBits / 8);
        out.set(m.subarray(0, k.sizeBits / 8));
        return { keyId: k.keyId, material: out };
      });
      await recordOrWipe(keys);
      return { outcome: "claimed", keys };
    } finally {
      wipe();
    }
  }
  return ports;
}
