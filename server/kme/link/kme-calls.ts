/**
 * What a site's KME asks the hub over its agent's link (KEY-DELIVERY.md §2: the
 * hub is the authority of record and decides which key goes to whom). One
 * agent→hub request type `kme` carries one call; both ends validate calls and
 * results with these schemas. No call or result ever carries key material: the
 * hub answers a claim with key IDs, and the agent reads the bytes from its own
 * sealed store only after the claim committed. The hub takes the KME's site
 * from the agent's certificate, never from the call, so an agent cannot act as
 * another site's KME.
 */
import { z } from "zod";

const ZSaeId = z.string().min(1).max(64).regex(/^[A-Za-z0-9._:-]+$/);
const ZNodeId = z.string().min(1).max(64).regex(/^[a-z0-9][a-z0-9-]*$/);
const ZKeyId = z.uuid();
const ZRequestId = z.string().min(1).max(64);
const ZConstraints = z.object({ avoidNodes: z.array(ZNodeId).max(64), maxRelays: z.number().int().min(0).max(64).nullable() });
const ZSiteState = z.enum(["ONLINE", "OFFLINE", "ISOLATED"]);
const ZPoolSnapshot = z.object({
  available: z.number().int().min(0),
  matching: z.number().int().min(0),
  matchingEach: z.object({ qecnet_avoid_nodes: z.number().int().min(0).optional(), qecnet_max_relays: z.number().int().min(0).optional() }),
  refillKeysPerSecond: z.number().min(0),
  quota: z.object({ remaining: z.number().int().min(0), retryAfterSeconds: z.number().min(0) }),
});
const ZKeyViews = z.array(
  z.union([
    z.object({ keyId: ZKeyId, exists: z.literal(false) }),
    z.object({
      keyId: ZKeyId,
      exists: z.literal(true),
      masterSaeId: ZSaeId,
      addressedSlaves: z.array(ZSaeId).max(16),
      availability: z.enum(["available", "consumed", "expired", "revoked"]),
    }),
  ]),
).max(10_000);

const ZSae = z.object({ saeId: ZSaeId, nodeId: ZNodeId, certPins: z.array(z.string().regex(/^[0-9a-f]{64}$/)).max(8) });
const ZLimits = z.object({
  keySizeBits: z.number().int().positive(),
  minKeySizeBits: z.number().int().positive(),
  poolTarget: z.number().int().min(0),
  maxKeyPerRequest: z.number().int().positive(),
  maxSaeIdCount: z.number().int().min(0),
});
const ZNotices = z.array(z.object({ keyId: ZKeyId, revokedAt: z.iso.datetime(), reason: z.string().max(300) })).max(10_000);

export const KME_CALLS = {
  /**
   * Everything a request's common checks read, in one round trip and from one consistent read: the caller and the
   * path SAE (null when not registered and enabled, or not a valid SAE ID), whether they are paired, the policy
   * limits, the states of this KME's site and of the path SAE's site, and on demand the pair's pool without route
   * constraints and the caller's revoked-key notices. The answers are those of findSae, arePaired, limits, siteState,
   * snapshot and revokedNotices for the same arguments.
   */
  prepare: {
    args: z.object({
      callerSaeId: ZSaeId.nullable(),
      pathSaeId: ZSaeId.nullable(),
      /**
       * The pair's pool without route constraints: counted up to the pool target ("full", as status reports it), or up
       * to the most keys one request may take ("enough": all enc_keys compares it with), or not at all (null).
       */
      snapshot: z.enum(["full", "enough"]).nullable(),
      /** With "enough": count no further than this (the keys the enc_keys request asks for); never beyond "enough". */
      upTo: z.number().int().min(1).max(1_000_000).optional(),
      notices: z.boolean(),
      /** The request's id: its claim (claimForMaster with the same id) may reuse this call's registry read. */
      requestId: ZRequestId.optional(),
    }),
    result: z.object({
      caller: ZSae.nullable(),
      path: ZSae.nullable(),
      paired: z.boolean(),
      limits: ZLimits,
      sites: z.array(z.object({ nodeId: ZNodeId, state: ZSiteState })).max(3),
      snapshot: ZPoolSnapshot.nullable(),
      notices: ZNotices.nullable(),
    }),
  },
  siteState: { args: z.object({ nodeId: ZNodeId }), result: z.object({ state: ZSiteState }) },
  limits: { args: z.object({}), result: ZLimits },
  findSae: { args: z.object({ saeId: ZSaeId }), result: z.object({ sae: ZSae.nullable() }) },
  arePaired: { args: z.object({ a: ZSaeId, b: ZSaeId }), result: z.object({ paired: z.boolean() }) },
  snapshot: {
    args: z.object({ masterSaeId: ZSaeId, slaveSaeId: ZSaeId, required: ZConstraints }),
    result: ZPoolSnapshot,
  },
  revokedNotices: {
    args: z.object({ saeId: ZSaeId }),
    result: z.object({ notices: ZNotices }),
  },
  claimForMaster: {
    args: z.object({
      requestId: ZRequestId,
      masterSaeId: ZSaeId,
      slaveSaeIds: z.array(ZSaeId).min(1).max(16),
      number: z.number().int().min(1).max(10_000),
      sizeBits: z.number().int().min(8).max(65_536),
      required: ZConstraints,
      preferred: ZConstraints,
    }),
    result: z.discriminatedUnion("outcome", [
      z.object({ outcome: z.literal("claimed"), keys: z.array(z.object({ keyId: ZKeyId, fetchBy: z.iso.datetime() })).max(10_000) }),
      z.object({ outcome: z.literal("refused"), pool: ZPoolSnapshot, ownSite: ZSiteState, peerSite: ZSiteState }),
      z.object({ outcome: z.literal("unavailable"), reason: z.enum(["hub_unreachable", "material_unavailable"]) }),
    ]),
  },
  inspectForSlave: {
    args: z.object({ slaveSaeId: ZSaeId, keyIds: z.array(ZKeyId).min(1).max(10_000) }),
    result: z.object({
      views: ZKeyViews,
    }),
  },
  claimForSlave: {
    args: z.object({ requestId: ZRequestId, slaveSaeId: ZSaeId, masterSaeId: ZSaeId, keyIds: z.array(ZKeyId).min(1).max(10_000) }),
    result: z.discriminatedUnion("outcome", [
      z.object({ outcome: z.literal("claimed"), keys: z.array(z.object({ keyId: ZKeyId, sizeBits: z.number().int().min(8).max(65_536) })).max(10_000) }),
      z.object({ outcome: z.literal("refused"), views: ZKeyViews }),
      z.object({ outcome: z.literal("unavailable"), reason: z.enum(["hub_unreachable", "material_unavailable"]) }),
    ]),
  },
  /** A 401 this KME answered (§5.3): the hub audits it, at most once per (SAE, KME) per minute. */
  reportRefusal: {
    args: z.object({
      saeId: z.string().max(64),
      method: z.string().max(16),
      endpoint: z.enum(["status", "enc_keys", "dec_keys"]).nullable(),
      reason: z.string().max(64),
      keyIds: z.array(ZKeyId).max(16),
    }),
    result: z.object({ audited: z.boolean() }),
  },
} as const;

export type KmeCallName = keyof typeof KME_CALLS;
export type KmeCallArgs<N extends KmeCallName> = z.infer<(typeof KME_CALLS)[N]["args"]>;
export type KmeCallResult<N extends KmeCallName> = z.infer<(typeof KME_CALLS)[N]["result"]>;

/** The body of the agent's `kme` request. */
export const ZKmeCall = z.object({ op: z.enum(Object.keys(KME_CALLS) as [KmeCallName, ...KmeCallName[]]), args: z.unknown() });
/** The answer: the op's result, validated by the caller against KME_CALLS[op].result. */
export const ZKmeAnswer = z.object({ result: z.unknown() });

/** What serves KME calls at the hub: one call from the KME of `kmeNodeId` (the agent's certificate CN). */
export interface KmeCallHandler {
  call<N extends KmeCallName>(kmeNodeId: string, op: N, args: KmeCallArgs<N>): Promise<KmeCallResult<N>>;
}
