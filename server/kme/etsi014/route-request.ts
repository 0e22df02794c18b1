/**
 * Path routing of the KME: which of the three ETSI 014 methods a request-target
 * names, and the SAE ID in its path, URL-decoded exactly once (§4.0). Paths
 * outside the API are 404 and other HTTP methods 405 with `Allow`; neither is
 * one of the three methods, so neither is bound by the 200/400/401/503 rule.
 */
import type { Refusal } from "./refusals";

export const BASE_PATH = "/api/v1/keys/";

export type Endpoint = "status" | "enc_keys" | "dec_keys";

export interface Route {
  endpoint: Endpoint;
  method: "GET" | "POST";
  /** The decoded SAE ID, or null when its percent-encoding is broken (then no SAE can match it). */
  pathSaeId: string | null;
  /** The raw query string, without the `?`. */
  query: string;
}

const ALLOWED: Readonly<Record<Endpoint, readonly ("GET" | "POST")[]>> = {
  status: ["GET"],
  enc_keys: ["GET", "POST"],
  dec_keys: ["GET", "POST"],
};

const isEndpoint = (s: string): s is Endpoint => Object.hasOwn(ALLOWED, s);

function notFound(): Refusal {
  return { status: 404, reason: "not_found", message: "not found", details: [{ qecnet_reason: "not_found" }] };
}

/** Splits `target` (the HTTP request-target, origin-form) and routes it. */
export function routeRequest(method: string, target: string): { ok: true; route: Route } | { ok: false; refusal: Refusal } {
  const q = target.indexOf("?");
  const path = q === -1 ? target : target.slice(0, q);
  const query = q === -1 ? "" : target.slice(q + 1);
  if (!path.startsWith(BASE_PATH)) return { ok: false, refusal: notFound() };
  const segments = path.slice(BASE_PATH.length).split("/");
  const [encodedSae, name] = segments;
  if (segments.length !== 2 || !encodedSae || name === undefined || !isEndpoint(name)) return { ok: false, refusal: notFound() };
  const allowed = ALLOWED[name];
  // HTTP methods are case-sensitive (RFC 7230 §3.1.1): "get" is not GET.
  const known = allowed.find((m) => m === method);
  if (known === undefined) return { ok: false, refusal: methodNotAllowed(allowed) };
  return { ok: true, route: { endpoint: name, method: known, pathSaeId: decodeOnce(encodedSae), query } };
}

function methodNotAllowed(allow: readonly string[]): Refusal {
  return {
    status: 405,
    reason: "method_not_allowed",
    message: `method not allowed: use ${allow.join(" or ")}`,
    details: [{ qecnet_reason: "method_not_allowed" }],
    allow,
  };
}

function decodeOnce(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}
