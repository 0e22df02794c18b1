/**
 * Get key with key IDs (§4.3): `GET|POST /api/v1/keys/{master_SAE_ID}/dec_keys`,
 * called by the slave. Authorisation comes before existence (clause 5.4): a key
 * addressed to someone else answers 401 without naming it. A refused request
 * (400 or 401) claims nothing, so the legitimate slave can still fetch the key;
 * the one claim is atomic at the store, which makes each key served once.
 */
import { checkPathSae, hubUnreachable } from "./common-checks";
import { checkKeyIds, readDecKeysRequest } from "./dec-keys-request";
import { containerProblem, keyContainer } from "./key-container";
import type { KeyView, SlaveClaimResult } from "./kme-ports";
import { okResponse } from "./kme-response";
import { refused, type MethodContext, type MethodResult } from "./method-context";
import { PRESCRIBED, unauthorised, unavailable, type Refusal } from "./refusals";

export async function getKeysWithIds(ctx: MethodContext): Promise<MethodResult> {
  const { ports, limits, callerSaeId, retry } = ctx;
  const syntax = readDecKeysRequest(ctx.route, ctx.body, limits);
  if (!syntax.ok) return refused(syntax.refusal);
  const master = await checkPathSae(ports, callerSaeId, ctx.route.pathSaeId);
  if (!master.ok) return refused(master.refusal);
  const ids = checkKeyIds(syntax.value, limits);
  if (!ids.ok) return refused(ids.refusal);
  const keyIds = ids.value;

  const request = { requestId: ctx.requestId, slaveSaeId: callerSaeId, masterSaeId: master.value.saeId, keyIds };
  let claim: SlaveClaimResult;
  // A claim that judges the keys itself refuses exactly as the inspection would, claiming nothing: one call instead of
  // two. Not on an ISOLATED site, whose 503 comes only after the keys' own 401/400 (the inspection decides those).
  if (ports.keys.inspectAndClaimForSlave && (await ports.site.siteState(ports.site.kmeId)) !== "ISOLATED") {
    claim = await ports.keys.inspectAndClaimForSlave(request);
  } else {
    const views = await ports.keys.inspectForSlave({ slaveSaeId: callerSaeId, keyIds });
    const refusal = keysRefusal(keyIds, views, callerSaeId, master.value.saeId);
    if (refusal !== null) return refused(refusal, keyIds);
    if ((await ports.site.siteState(ports.site.kmeId)) === "ISOLATED") {
      return refused(unavailable("site_isolated", "this KME's site is isolated", retry.siteUnavailableSeconds), keyIds);
    }
    claim = await ports.keys.claimForSlave(request);
  }
  const material = unavailable("material_unavailable", "the key material could not be read", retry.hubUnreachableSeconds);
  if (claim.outcome === "unavailable") return refused(claim.reason === "hub_unreachable" ? hubUnreachable(retry) : material, keyIds);
  if (claim.outcome === "refused") return refused(keysRefusal(keyIds, claim.views, callerSaeId, master.value.saeId) ?? material, keyIds);
  const bytes = (key: { material: Uint8Array }) => key.material.byteLength;
  if (containerProblem(claim.keys, keyIds, bytes) !== null) return refused(material, keyIds);
  return {
    response: okResponse(keyContainer(claim.keys, { bytes, keyMetadata: false, containerExtension: null })),
    reason: null,
    keyIds,
  };
}

/** Rows 3–4: any existing key not addressed to the caller is 401; then one object per key the caller cannot have. */
export function keysRefusal(keyIds: readonly string[], views: readonly KeyView[], callerSaeId: string, pathMasterSaeId: string): Refusal | null {
  const byId = new Map(views.map((v) => [v.keyId.toLowerCase(), v]));
  const seen = keyIds.map((id): KeyView => byId.get(id) ?? { keyId: id, exists: false });
  if (seen.some((v) => v.exists && !v.addressedSlaves.includes(callerSaeId))) {
    return unauthorised("not_authorised", `SAE ${callerSaeId} is not authorised for one or more keys`);
  }
  const details = seen.flatMap((v) => {
    const reason = !v.exists ? "unknown" : v.masterSaeId !== pathMasterSaeId ? "master_mismatch" : v.availability === "available" ? null : v.availability;
    return reason === null ? [] : [{ key_ID: v.keyId, qecnet_reason: reason }];
  });
  return details.length === 0 ? null : { status: 400, reason: "keys_not_found", message: PRESCRIBED.keysNotFound, details };
}
