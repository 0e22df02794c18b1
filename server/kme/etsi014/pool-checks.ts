/**
 * The last rows of the `enc_keys` refusal table (§4.2), as one pure function over
 * what the store and the hub report: a mandatory extension no pool key meets
 * (400), then own site ISOLATED or peer site unavailable (503), then too few keys
 * (503 pool_exhausted, Retry-After from the refill rate), then the per-pair rate
 * quota (503). Pure so that it is applied identically before the claim and again
 * to the state a refused claim reports.
 */
import type { RetryAfter } from "./common-checks";
import type { ExtensionRequest } from "./extensions";
import type { PoolSnapshot, SiteState } from "./kme-ports";
import { PRESCRIBED, unavailable, type Refusal } from "./refusals";

export interface PoolFacts {
  pool: PoolSnapshot;
  ownSite: SiteState;
  /** The states of every addressed slave's site. */
  peerSites: readonly SiteState[];
}

export function poolRefusal(facts: PoolFacts, ext: ExtensionRequest, number: number, poolTarget: number, retry: RetryAfter): Refusal | null {
  const { pool } = facts;
  const constrained = ext.requiredNames.length > 0;
  if (constrained && pool.available > 0 && pool.matching <= 0) return unmet(ext, pool);
  if (facts.ownSite === "ISOLATED") return unavailable("site_isolated", "this KME's site is isolated", retry.siteUnavailableSeconds);
  if (facts.ownSite === "OFFLINE") return unavailable("hub_unreachable", "this KME's site is offline at the hub", retry.hubUnreachableSeconds);
  const peer = facts.peerSites.find((s) => s !== "ONLINE");
  if (peer !== undefined) {
    return unavailable("peer_site_unavailable", `the peer site is ${peer}`, retry.siteUnavailableSeconds, { peer_site_status: peer });
  }
  const count = Math.min(poolTarget, Math.max(0, Math.floor(constrained ? pool.matching : pool.available)));
  if (count < number) {
    const rate = pool.refillKeysPerSecond;
    const wait = rate > 0 && Number.isFinite(rate) ? (number - count) / rate : retry.emptyPoolSeconds;
    return {
      ...unavailable("pool_exhausted", "", Math.min(retry.maxSeconds, wait), { stored_key_count: count, requested: number }),
      message: "not enough keys available for this SAE pair",
    };
  }
  if (pool.quota.remaining < number) {
    return {
      ...unavailable("rate_limited", "", Math.min(retry.maxSeconds, pool.quota.retryAfterSeconds), { requested: number }),
      message: "the rate quota of this SAE pair is used up",
    };
  }
  return null;
}

function unmet(ext: ExtensionRequest, pool: PoolSnapshot): Refusal {
  const each = ext.requiredNames.filter((name) => (pool.matchingEach[name] ?? 0) <= 0);
  const what =
    each.length === 0
      ? [`${ext.requiredNames.join(", ")}: no key meets them together`]
      : each.map((name) =>
          name === "qecnet_avoid_nodes"
            ? `qecnet_avoid_nodes: no key avoids ${ext.required.avoidNodes.join(", ")}`
            : `qecnet_max_relays: no key crossed at most ${ext.required.maxRelays} relays`,
        );
  return {
    status: 400,
    reason: "extension_mandatory_unmet",
    message: PRESCRIBED.mandatoryUnmet,
    details: [...what.map((w) => ({ extension_mandatory_unmet: w })), { qecnet_reason: "extension_mandatory_unmet" }],
  };
}
