/**
 * What the ETSI 014 protocol layer needs from the rest of QECNet, as three small
 * interfaces the wiring implements (the agent's hub link, the SAE registry and the
 * key store at the hub). The protocol module decides the order of every check
 * (§4.0 validation order, §4.2/§4.3 refusal tables); these ports only answer
 * questions and perform the two atomic claims. Reads never change anything, so a
 * refused request claims nothing: the only writes are `claimForMaster` and
 * `claimForSlave`, called last, and each is all-or-nothing.
 */

/** A site's standing in the mesh as the hub sees it. */
export type SiteState = "ONLINE" | "OFFLINE" | "ISOLATED";

/** An enabled SAE from the registry; disabled SAEs are not returned at all. */
export interface SaeRecord {
  saeId: string;
  /** The site (node id = KME ID) whose KME serves this SAE. */
  nodeId: string;
  /**
   * Certificate pins (§3): lower-case hex SHA-256 of the DER of each certificate this SAE may
   * present. Absent or empty = any certificate the SAE CA issued with its CN.
   */
  certPins?: readonly string[];
}

/** The `etsi014` policy as it applies at this KME (one policy for every pair, §5.1). */
export interface DeliveryLimits {
  /** Policy key size in bits: the default `size`, `key_size` and `max_key_size`. */
  keySizeBits: number;
  minKeySizeBits: number;
  /** The pool target: `max_key_count`. */
  poolTarget: number;
  maxKeyPerRequest: number;
  /** 0 = no multicast (`additional_slave_SAE_IDs` refused). */
  maxSaeIdCount: number;
}

/** Route constraints of the supported extensions (`key_routes` at the hub). */
export interface RouteConstraints {
  /** Keys whose routes to both sites crossed none of these nodes. */
  avoidNodes: readonly string[];
  /** Routes with at most this many trusted relays; null = no limit. */
  maxRelays: number | null;
}

/** The pool of one SAE pair right now: ACTIVE, unassigned, all receipts in, no copy purged. */
export interface PoolSnapshot {
  /** Keys `enc_keys` could hand out ignoring the request's constraints and site states. */
  available: number;
  /** Of those, the keys meeting all the required constraints asked about (= available without any). */
  matching: number;
  /** Per supported extension, the keys meeting that constraint alone (to name the one that is unmet). */
  matchingEach: { qecnet_avoid_nodes?: number; qecnet_max_relays?: number };
  /** Steady-state refill rate the links allow (status_extension.qecnet_refill_keys_per_second). */
  refillKeysPerSecond: number;
  /** Per-pair rate quota: keys the pair may still take now, and when more are allowed. */
  quota: { remaining: number; retryAfterSeconds: number };
}

/** A key revoked (or compromised after delivery) that the caller received in the notice window (§5.5). */
export interface RevokedNotice {
  keyId: string;
  revokedAt: Date;
  reason: string;
}

/** One requested key as seen by a slave's `dec_keys`, before anything is claimed. */
export type KeyView =
  | { keyId: string; exists: false }
  | {
      keyId: string;
      exists: true;
      masterSaeId: string;
      /** Slaves addressed at `enc_keys`; the master is never one of them. */
      addressedSlaves: readonly string[];
      /** For an addressed caller: can it fetch the key now, or why not. */
      availability: "available" | "consumed" | "expired" | "revoked";
    };

/** Key material leaving the store: only the response body builder reads `material`. */
export interface ClaimedKey {
  keyId: string;
  material: Uint8Array;
  /** Deadline for the slaves' fetch (key_extension.qecnet_fetch_by when opted in). */
  fetchBy: Date;
}

export type ClaimFailure = { outcome: "unavailable"; reason: "hub_unreachable" | "material_unavailable" };

export type MasterClaimResult =
  | { outcome: "claimed"; keys: ClaimedKey[] }
  /** Another request took the keys first: nothing was claimed; here is the pool as the claim found it. */
  | { outcome: "refused"; pool: PoolSnapshot; ownSite: SiteState; peerSite: SiteState }
  | ClaimFailure;

export type SlaveClaimResult =
  | { outcome: "claimed"; keys: Array<{ keyId: string; material: Uint8Array }> }
  /** A key changed between inspection and claim: nothing was claimed; here are the keys as the claim found them. */
  | { outcome: "refused"; views: KeyView[] }
  | ClaimFailure;

/** The KME's own site and its link to the hub. */
export interface KmeSite {
  /** This KME's ID: the node id of its site. */
  readonly kmeId: string;
  /** Whether the agent's hub link is up; without it the KME never serves on its own authority. */
  hubReachable(): Promise<boolean>;
  siteState(nodeId: string): Promise<SiteState>;
  limits(): Promise<DeliveryLimits>;
}

/** The SAE registry (`saes`, `sae_pairs`). */
export interface SaeDirectory {
  findSae(saeId: string): Promise<SaeRecord | null>;
  arePaired(a: string, b: string): Promise<boolean>;
}

/** The keys of the SAE pools and their deliveries, at the hub (the authority of record). */
export interface KeyPool {
  snapshot(query: { masterSaeId: string; slaveSaeId: string; required: RouteConstraints }): Promise<PoolSnapshot>;
  revokedNotices(saeId: string): Promise<RevokedNotice[]>;
  /**
   * Atomically: pick `number` keys of the pair's pool meeting `required` (and `preferred` where
   * possible), record the master's delivery and the addressed slaves with `sizeBits`, count the rate
   * quota, and return the first sizeBits/8 bytes of each. All or nothing.
   */
  claimForMaster(claim: {
    requestId: string;
    masterSaeId: string;
    slaveSaeIds: readonly string[];
    number: number;
    sizeBits: number;
    required: RouteConstraints;
    preferred: RouteConstraints;
  }): Promise<MasterClaimResult>;
  inspectForSlave(query: { slaveSaeId: string; keyIds: readonly string[] }): Promise<KeyView[]>;
  /** Atomically claim the (key, slave) deliveries for every key, in request order. All or nothing. */
  claimForSlave(claim: { requestId: string; slaveSaeId: string; masterSaeId: string; keyIds: readonly string[] }): Promise<SlaveClaimResult>;
  /**
   * Optional: claimForSlave without a separate inspectForSlave first, for ports where each call is a hub round trip.
   * It claims only when every key is available to this slave from this master; otherwise it claims nothing and
   * refuses with the views inspectForSlave would answer (or `material_unavailable` when they are all fine but this
   * KME cannot read a key). dec_keys uses it only while its own site is not ISOLATED.
   */
  inspectAndClaimForSlave?(claim: { requestId: string; slaveSaeId: string; masterSaeId: string; keyIds: readonly string[] }): Promise<SlaveClaimResult>;
}

/** A request as the protocol layer knows it once routed and the hub link is up, before any other check. */
export interface RequestOutline {
  /** The client certificate's CN, null when it is not a valid SAE ID (no SAE can match it). */
  callerSaeId: string | null;
  /** The SAE in the path, null when it is not a valid SAE ID. */
  pathSaeId: string | null;
  endpoint: "status" | "enc_keys" | "dec_keys";
  /** The request's id (the hub links the request's registry read to its claim). */
  requestId?: string;
  /** enc_keys: the keys it asks for, when its syntax reads (requestedNumber); the pool is counted no further. */
  number?: number;
}

export interface Etsi014Ports {
  site: KmeSite;
  directory: SaeDirectory;
  keys: KeyPool;
  /**
   * Optional: ports for this one request that read, in one go, what its checks are going to ask (the caller, the
   * path SAE, their pairing, the limits, the sites), and answer those questions exactly as these ports would; any
   * other question goes to these ports. Reads only: the order of the checks, and so every answer, is unchanged.
   */
  forRequest?(outline: RequestOutline): Promise<Etsi014Ports>;
}
