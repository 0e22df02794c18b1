/**
 * The refusals of the ETSI GS QKD 014 KME (KEY-DELIVERY.md §4): one typed value
 * per way a request can fail, with the v1.1.1 messages word for word where the
 * standard prescribes one. Every refusal names a machine-readable `qecnet_reason`
 * because we tell cases apart in `details`, never with non-spec status codes.
 * A refusal is data, not an exception: nothing in it may hold key bytes.
 */

/** Messages ETSI GS QKD 014 v1.1.1 prescribes; clients match them literally. */
export const PRESCRIBED = {
  sizeNotMultipleOf8: "size shall be a multiple of 8",
  mandatoryUnsupported: "not all extension_mandatory parameters are supported",
  mandatoryUnmet: "not all extension_mandatory request options could be met",
  optionalNotHandled: "not all extension_optional request options handled",
  keysNotFound: "one or more keys specified are not found on KME",
} as const;

export type RefusalReason =
  // Outside the three methods (not ETSI statuses, allowed by §4.0).
  | "not_found"
  | "method_not_allowed"
  // 400
  | "body_too_large"
  | "malformed_json"
  | "body_not_object"
  | "body_not_allowed"
  | "unknown_member"
  | "duplicate_member"
  | "unknown_sae"
  | "same_sae"
  | "not_paired"
  | "number_invalid"
  | "size_invalid"
  | "size_not_multiple_of_8"
  | "size_out_of_range"
  | "additional_slaves_invalid"
  | "too_many_slaves"
  | "extension_invalid"
  | "extension_mandatory_unsupported"
  | "extension_mandatory_unmet"
  | "key_ids_invalid"
  | "malformed"
  | "keys_not_found"
  // 401
  | "caller_cn_invalid"
  | "caller_not_registered"
  | "caller_cert_not_pinned"
  | "not_authorised"
  // 503
  | "hub_unreachable"
  | "site_isolated"
  | "peer_site_unavailable"
  | "pool_exhausted"
  | "rate_limited"
  | "material_unavailable"
  | "kme_misconfigured";

export type Detail = Record<string, unknown>;

export interface Refusal {
  status: 400 | 401 | 404 | 405 | 503;
  reason: RefusalReason;
  message: string;
  /** Objects for the `details` array; the first carries `qecnet_reason` unless the reason is per key. */
  details: Detail[];
  /** 503 only: seconds the client should wait before trying again. */
  retryAfterSeconds?: number;
  /** 405 only: the methods the path accepts. */
  allow?: readonly string[];
}

/** A 400 whose details are one `{qecnet_reason, …extra}` object. */
export function badRequest(reason: RefusalReason, message: string, extra: Detail = {}): Refusal {
  return { status: 400, reason, message, details: [{ qecnet_reason: reason, ...extra }] };
}

/** A 401: the body says who was refused, never which keys exist. */
export function unauthorised(reason: "caller_cn_invalid" | "caller_not_registered" | "caller_cert_not_pinned" | "not_authorised", message: string): Refusal {
  return { status: 401, reason, message, details: [{ qecnet_reason: reason }] };
}

/** Retry-After when a port reports no usable wait (NaN, infinite): long enough not to hammer the hub. */
const FALLBACK_RETRY_SECONDS = 60;

/** A 503 with Retry-After (at least 1 s: a 0 would invite a busy loop). */
export function unavailable(reason: RefusalReason, why: string, retryAfterSeconds: number, extra: Detail = {}): Refusal {
  return {
    status: 503,
    reason,
    message: `key delivery is unavailable: ${why}`,
    details: [{ qecnet_reason: reason, ...extra }],
    retryAfterSeconds: Number.isFinite(retryAfterSeconds) ? Math.max(1, Math.ceil(retryAfterSeconds)) : FALLBACK_RETRY_SECONDS,
  };
}

/** A step of the validation order: a refusal ends the request, anything else carries on. */
export type Checked<T> = { ok: true; value: T } | { ok: false; refusal: Refusal };

export const accept = <T>(value: T): Checked<T> => ({ ok: true, value });
export const refuse = (refusal: Refusal): { ok: false; refusal: Refusal } => ({ ok: false, refusal });
