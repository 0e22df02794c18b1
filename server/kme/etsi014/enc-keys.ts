/**
 * Get key (§4.2): `GET|POST /api/v1/keys/{slave_SAE_ID}/enc_keys`. Runs steps 4–6
 * of the validation order and the refusal table row by row, then asks the store
 * for one atomic claim. Nothing is claimed before every check has passed, and a
 * claim the store refuses (another request took the keys) is answered from the
 * state it reports: delivery is never partial.
 */
import { SAE_ID, checkPathSae, hubUnreachable } from "./common-checks";
import { readEncKeysRequest, checkNumber, checkSize } from "./enc-keys-request";
import { checkExtensions } from "./extensions";
import { containerProblem, keyContainer, type DeliverableKey } from "./key-container";
import type { SaeRecord } from "./kme-ports";
import { okResponse } from "./kme-response";
import { refused, type MethodContext, type MethodResult } from "./method-context";
import { poolRefusal } from "./pool-checks";
import { accept, badRequest, refuse, unavailable, type Checked } from "./refusals";
import { clip } from "./request-syntax";

export async function getKeys(ctx: MethodContext): Promise<MethodResult> {
  const { ports, limits, callerSaeId, retry } = ctx;
  const syntax = readEncKeysRequest(ctx.route, ctx.body, limits);
  if (!syntax.ok) return refused(syntax.refusal);
  const slave = await checkPathSae(ports, callerSaeId, ctx.route.pathSaeId);
  if (!slave.ok) return refused(slave.refusal);

  const number = checkNumber(syntax.value.number, limits);
  if (!number.ok) return refused(number.refusal);
  const size = checkSize(syntax.value.size, limits);
  if (!size.ok) return refused(size.refusal);
  const slaves = await checkAdditionalSlaves(ctx, syntax.value.additionalSlaves, slave.value);
  if (!slaves.ok) return refused(slaves.refusal);
  const ext = checkExtensions(syntax.value.extensions);
  if (!ext.ok) return refused(ext.refusal);

  const slaveSaeIds = slaves.value.map((s) => s.saeId);
  const pool = await ports.keys.snapshot({ masterSaeId: callerSaeId, slaveSaeId: slave.value.saeId, required: ext.value.required });
  const ownSite = await ports.site.siteState(ports.site.kmeId);
  const peerSites = await Promise.all([...new Set(slaves.value.map((s) => s.nodeId))].map((n) => ports.site.siteState(n)));
  const before = poolRefusal({ pool, ownSite, peerSites }, ext.value, number.value, limits.poolTarget, retry);
  if (before !== null) return refused(before);
  const notices = ext.value.notices ? await ports.keys.revokedNotices(callerSaeId) : null;

  const claim = await ports.keys.claimForMaster({
    requestId: ctx.requestId,
    masterSaeId: callerSaeId,
    slaveSaeIds,
    number: number.value,
    sizeBits: size.value,
    required: ext.value.required,
    preferred: ext.value.preferred,
  });
  if (claim.outcome === "unavailable") {
    return refused(claim.reason === "hub_unreachable" ? hubUnreachable(retry) : materialUnavailable(ctx));
  }
  if (claim.outcome === "refused") {
    const after = poolRefusal({ pool: claim.pool, ownSite: claim.ownSite, peerSites: [claim.peerSite] }, ext.value, number.value, limits.poolTarget, retry);
    // A store that refuses while reporting enough keys still delivered nothing: say the pool ran out.
    const exhausted = unavailable("pool_exhausted", "", retry.emptyPoolSeconds, { requested: number.value });
    return refused(after ?? { ...exhausted, message: "not enough keys available for this SAE pair" });
  }
  const bytes = () => size.value / 8;
  const keys: DeliverableKey[] = claim.keys;
  if (containerProblem(keys, number.value, bytes) !== null) return refused(materialUnavailable(ctx));
  const containerExtension = ext.value.carried ? { ignored: ext.value.ignored, notices } : null;
  return {
    response: okResponse(keyContainer(keys, { bytes, keyMetadata: ext.value.keyMetadata, containerExtension })),
    reason: null,
    keyIds: keys.map((k) => k.keyId),
  };
}

/** Rows 5–6: each additional slave valid, registered, paired with the master and new; then their count. */
async function checkAdditionalSlaves(ctx: MethodContext, ids: readonly string[], slave: SaeRecord): Promise<Checked<SaeRecord[]>> {
  const { ports, callerSaeId, limits } = ctx;
  const all: SaeRecord[] = [slave];
  const problem = (id: string, why: string) =>
    refuse(badRequest("additional_slaves_invalid", `additional_slave_SAE_IDs: ${clip(id)} ${why}`, { SAE_ID: clip(id) }));
  for (const id of ids) {
    if (!SAE_ID.test(id)) return problem(id, "is not a valid SAE ID");
    if (id === callerSaeId) return problem(id, "is the master");
    if (id === slave.saeId) return problem(id, "is the slave in the path");
    if (all.some((s) => s.saeId === id)) return problem(id, "is repeated");
    const sae = await ports.directory.findSae(id);
    if (sae === null) return problem(id, "is not registered");
    if (!(await ports.directory.arePaired(callerSaeId, id))) return problem(id, `is not paired with ${callerSaeId}`);
    all.push(sae);
  }
  if (ids.length > limits.maxSaeIdCount) {
    return refuse(
      badRequest("too_many_slaves", `additional_slave_SAE_IDs exceeds max_SAE_ID_count ${limits.maxSaeIdCount}`, {
        max_SAE_ID_count: limits.maxSaeIdCount,
        requested: ids.length,
      }),
    );
  }
  return accept(all);
}

function materialUnavailable(ctx: MethodContext) {
  return unavailable("material_unavailable", "the key material could not be read", ctx.retry.hubUnreachableSeconds);
}
