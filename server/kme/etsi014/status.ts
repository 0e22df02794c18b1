/**
 * Get status (§4.1, Table 9): `GET /api/v1/keys/{slave_SAE_ID}/status`. The
 * counts tell the truth: `stored_key_count` is what `enc_keys` could hand out for
 * this pair right now, 0 while either site cannot deliver, and never above
 * `max_key_count` (thomasarmel issue #1 reported 96,000 of 10).
 */
import { checkPathSae } from "./common-checks";
import { noticeJson } from "./key-container";
import { okResponse } from "./kme-response";
import { refused, type MethodContext, type MethodResult } from "./method-context";
import { badRequest } from "./refusals";
import { clip, queryPairs, quoteName, requireNoBody } from "./request-syntax";

export async function getStatus(ctx: MethodContext): Promise<MethodResult> {
  const { ports, limits, callerSaeId } = ctx;
  const noBody = requireNoBody(ctx.body);
  if (!noBody.ok) return refused(noBody.refusal);
  const [param] = queryPairs(ctx.route.query);
  if (param !== undefined) {
    return refused(badRequest("unknown_member", `unknown query parameter ${quoteName(param[0])}: status takes none`, { member: clip(param[0]) }));
  }
  const slave = await checkPathSae(ports, callerSaeId, ctx.route.pathSaeId);
  if (!slave.ok) return refused(slave.refusal);

  const none = { avoidNodes: [], maxRelays: null };
  const pool = await ports.keys.snapshot({ masterSaeId: callerSaeId, slaveSaeId: slave.value.saeId, required: none });
  const ownSite = await ports.site.siteState(ports.site.kmeId);
  const peerSite = await ports.site.siteState(slave.value.nodeId);
  const notices = await ports.keys.revokedNotices(callerSaeId);
  const deliverable = ownSite === "ONLINE" && peerSite === "ONLINE";
  const stored = deliverable ? Math.min(limits.poolTarget, Math.max(0, Math.floor(pool.available))) : 0;

  return {
    response: okResponse({
      source_KME_ID: ports.site.kmeId,
      target_KME_ID: slave.value.nodeId,
      master_SAE_ID: callerSaeId,
      slave_SAE_ID: slave.value.saeId,
      key_size: limits.keySizeBits,
      stored_key_count: stored,
      max_key_count: limits.poolTarget,
      max_key_per_request: limits.maxKeyPerRequest,
      max_key_size: limits.keySizeBits,
      min_key_size: limits.minKeySizeBits,
      max_SAE_ID_count: limits.maxSaeIdCount,
      status_extension: {
        qecnet_pool_target: limits.poolTarget,
        qecnet_refill_keys_per_second: Number.isFinite(pool.refillKeysPerSecond) ? Math.max(0, pool.refillKeysPerSecond) : 0,
        qecnet_peer_site_status: peerSite,
        qecnet_revoked_key_IDs: notices.map(noticeJson),
      },
    }),
    reason: null,
    keyIds: [],
  };
}
