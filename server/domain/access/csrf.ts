/**
 * Cross-site request refusal for state-changing calls. A mutation must carry
 * the console's own request header (a cross-site form cannot set one, and a
 * cross-site fetch with one needs a CORS preflight this server never grants),
 * and when the browser says where it comes from (Origin, Sec-Fetch-Site) that
 * must be this console. SameSite=Lax cookies are the first line; this is the second.
 */
export const CSRF_HEADER = "x-qecnet-csrf";
export const CSRF_HEADER_VALUE = "1";

export type CsrfVerdict = { ok: true } | { ok: false; reason: string };

/** `expectedOrigin`: QECNET_PUBLIC_URL's origin, or else the origin the request was addressed to. */
export function checkRequestOrigin(headers: Headers, expectedOrigin: string): CsrfVerdict {
  if (headers.get(CSRF_HEADER) !== CSRF_HEADER_VALUE) {
    return { ok: false, reason: `the request lacks the console's ${CSRF_HEADER} header (only the console itself may change things)` };
  }
  const site = headers.get("sec-fetch-site");
  if (site !== null && site !== "same-origin") return { ok: false, reason: `the browser marked it as ${site}, not same-origin` };
  const origin = headers.get("origin");
  if (origin !== null && origin !== expectedOrigin) return { ok: false, reason: `it comes from ${origin.slice(0, 100)}, not ${expectedOrigin}` };
  return { ok: true };
}

/**
 * The origin a request was addressed to, from its Host header (what the browser
 * connected to), not from the server's own idea of its URL (Next.js reports
 * localhost). Used when QECNET_PUBLIC_URL is not set.
 */
export function addressedOrigin(req: Request): string {
  const url = new URL(req.url);
  const host = req.headers.get("host") ?? url.host;
  const proto = req.headers.get("x-forwarded-proto")?.split(",")[0]?.trim() || url.protocol.replace(/:$/, "");
  return `${proto}://${host}`;
}
