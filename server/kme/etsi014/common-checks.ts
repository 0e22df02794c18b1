/**
 * Steps 2, 3 and 5 of the §4.0 validation order, shared by the three methods:
 * the hub link (503), the caller registered at this KME (401), and the SAE named
 * in the path (400 unknown_sae / same_sae / not_paired). Also the policy limits,
 * read once per request and checked for the §4.1 invariants so that a broken
 * policy answers 503 rather than a status that lies.
 */
import type { DeliveryLimits, Etsi014Ports, SaeRecord } from "./kme-ports";
import { accept, badRequest, refuse, unauthorised, unavailable, type Checked, type Refusal } from "./refusals";
import { clip } from "./request-syntax";

export const SAE_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export interface RetryAfter {
  /** Hub link down: the agent reconnects within seconds. */
  hubUnreachableSeconds: number;
  /** Own site isolated, peer OFFLINE/ISOLATED, or a misconfigured policy: an operator must act. */
  siteUnavailableSeconds: number;
  /** Pool empty and no refill rate known. */
  emptyPoolSeconds: number;
  /** Upper bound on any computed Retry-After. */
  maxSeconds: number;
}

export const DEFAULT_RETRY_AFTER: RetryAfter = { hubUnreachableSeconds: 5, siteUnavailableSeconds: 30, emptyPoolSeconds: 60, maxSeconds: 3600 };

export function hubUnreachable(retry: RetryAfter): Refusal {
  return unavailable("hub_unreachable", "the KME cannot reach the QECNet hub", retry.hubUnreachableSeconds);
}

/** Step 2. */
export async function checkHubLink(ports: Etsi014Ports, retry: RetryAfter): Promise<Refusal | null> {
  return (await ports.site.hubReachable()) ? null : hubUnreachable(retry);
}

/** Who the transport says is calling: the client certificate's CN, how many CNs it had, its fingerprint. */
export interface CallerCertificate {
  callerSaeId: string;
  callerCnCount?: number;
  callerCertSha256?: string;
}

/**
 * Step 3, in §3's order: the certificate has exactly one CN; the CN is an enabled SAE whose
 * site is this KME; if the registry pins certificates for it, this certificate is one of them.
 */
export async function checkCaller(ports: Etsi014Ports, caller: CallerCertificate): Promise<Refusal | null> {
  if (caller.callerCnCount !== undefined && caller.callerCnCount !== 1) {
    return unauthorised("caller_cn_invalid", `the client certificate's subject shall hold exactly one CN (it holds ${caller.callerCnCount})`);
  }
  const id = caller.callerSaeId;
  const sae = SAE_ID.test(id) ? await ports.directory.findSae(id) : null;
  if (sae === null || sae.nodeId !== ports.site.kmeId) {
    return unauthorised("caller_not_registered", `SAE ${clip(id)} is not registered at KME ${ports.site.kmeId}`);
  }
  const pins = sae.certPins ?? [];
  if (pins.length > 0 && !isPinned(pins, caller.callerCertSha256)) {
    return unauthorised("caller_cert_not_pinned", `the client certificate is not one of those registered for SAE ${id}`);
  }
  return null;
}

function isPinned(pins: readonly string[], sha256: string | undefined): boolean {
  if (sha256 === undefined) return false; // fail closed: pins and no fingerprint to compare
  const presented = sha256.toLowerCase();
  return pins.some((pin) => pin.toLowerCase() === presented);
}

/** Step 5. */
export async function checkPathSae(ports: Etsi014Ports, callerSaeId: string, pathSaeId: string | null): Promise<Checked<SaeRecord>> {
  if (pathSaeId === null || !SAE_ID.test(pathSaeId)) {
    return refuse(badRequest("unknown_sae", "the SAE ID in the path is not a valid SAE ID"));
  }
  const sae = await ports.directory.findSae(pathSaeId);
  if (sae === null) return refuse(badRequest("unknown_sae", `SAE ${pathSaeId} is not registered`, { SAE_ID: pathSaeId }));
  if (sae.saeId === callerSaeId) {
    return refuse(badRequest("same_sae", `the SAE in the path is the caller itself (${pathSaeId})`, { SAE_ID: pathSaeId }));
  }
  if (!(await ports.directory.arePaired(callerSaeId, sae.saeId))) {
    return refuse(badRequest("not_paired", `SAE ${callerSaeId} is not paired with SAE ${pathSaeId}`, { SAE_ID: pathSaeId }));
  }
  return accept(sae);
}

/** The policy limits, or 503 when they would break the §4.1 invariants. */
export async function loadLimits(ports: Etsi014Ports, retry: RetryAfter): Promise<Checked<DeliveryLimits>> {
  const limits = await ports.site.limits();
  const whole = (n: number, min: number) => Number.isSafeInteger(n) && n >= min;
  const sane =
    whole(limits.minKeySizeBits, 8) &&
    whole(limits.keySizeBits, limits.minKeySizeBits) &&
    limits.minKeySizeBits % 8 === 0 &&
    limits.keySizeBits % 8 === 0 &&
    whole(limits.maxKeyPerRequest, 1) &&
    whole(limits.poolTarget, 0) &&
    whole(limits.maxSaeIdCount, 0);
  return sane ? accept(limits) : refuse(unavailable("kme_misconfigured", "the KME's delivery policy is inconsistent", retry.siteUnavailableSeconds));
}
