/**
 * Who is knocking: the client address that sign-in throttling counts by.
 *
 * X-Forwarded-For is written by whoever sends the request, so it is believed
 * only when the request came from a configured trusted proxy
 * (QECNET_TRUSTED_PROXIES); otherwise the client is the socket's peer.
 *
 * Next.js does not hand the socket to route handlers (and `next start` keeps a
 * client's own X-Forwarded-For), so the console's HTTP server
 * (server/runtime/http-server.ts, used by `npm start` and `npm run demo`)
 * resolves the address from the socket and stamps it on the request as
 * `x-qecnet-client-ip`, together with a proof: a random value held by this
 * process only. The sign-in route believes the stamp only with that proof and
 * removes it otherwise, so a client cannot forge it, and a server started some
 * other way (plain `next start`) fails closed: every sign-in shares one
 * throttling bucket, and a warning says why.
 */
import { randomBytes } from "node:crypto";
import { isIP } from "node:net";

export const CLIENT_IP_HEADER = "x-qecnet-client-ip";
export const CLIENT_IP_PROOF_HEADER = "x-qecnet-client-ip-proof";

const g = globalThis as unknown as { [k: symbol]: string | undefined };
const PROOF = Symbol.for("qecnet.clientAddressProof");

/** This process's proof, made by the HTTP server when it starts (never sent to a client). */
export function clientAddressProof(): string {
  g[PROOF] ??= randomBytes(32).toString("hex");
  return g[PROOF];
}

/** "::ffff:10.0.0.1" → "10.0.0.1"; anything that is not an IP address → null. */
export function normaliseAddress(v: string | undefined | null): string | null {
  if (!v) return null;
  const a = v.trim().toLowerCase().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, "");
  return isIP(a) ? a : null;
}

/**
 * The client address for a request that reached us from `peer`: the peer
 * itself, unless the peer is a trusted proxy; then X-Forwarded-For is read from
 * the right (the hop our proxy added), skipping further trusted proxies, and the
 * first address that is not one of them is the client.
 */
export function resolveClientAddress(peer: string | undefined, forwardedFor: string | string[] | undefined | null, trustedProxies: readonly string[]): string | null {
  const from = normaliseAddress(peer);
  if (!from) return null;
  const trusted = new Set(trustedProxies.map((p) => normaliseAddress(p)).filter((p): p is string => p !== null));
  if (!trusted.has(from)) return from;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(",") : (forwardedFor ?? "")).split(",").map((h) => h.trim()).filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = normaliseAddress(hops[i]);
    if (!hop) return from; // garbage in the chain: count the proxy itself rather than believe it
    if (!trusted.has(hop)) return hop;
  }
  return from;
}

/**
 * For the HTTP server: overwrites whatever a client sent with the resolved address and this process's proof.
 * The other X-Forwarded-* headers (the origin the CSRF check expects) are likewise kept only from a trusted proxy.
 */
export function stampClientAddress(headers: Record<string, string | string[] | undefined>, peer: string | undefined, trustedProxies: readonly string[]): void {
  delete headers[CLIENT_IP_HEADER];
  delete headers[CLIENT_IP_PROOF_HEADER];
  const viaTrustedProxy = trustedProxies.some((p) => normaliseAddress(p) === normaliseAddress(peer));
  if (!viaTrustedProxy) for (const h of ["x-forwarded-proto", "x-forwarded-host", "x-forwarded-port"]) delete headers[h];
  const client = resolveClientAddress(peer, headers["x-forwarded-for"], trustedProxies);
  if (!client) return;
  headers[CLIENT_IP_HEADER] = client;
  headers[CLIENT_IP_PROOF_HEADER] = clientAddressProof();
  // Next.js fills X-Forwarded-For only when absent: keep what it passes on to be the resolved address too.
  headers["x-forwarded-for"] = client;
}

let warned = false;

/**
 * For the sign-in route: the request with `x-qecnet-client-ip` kept only when
 * the HTTP server stamped it (its proof matches), and the proof removed either way.
 */
export function withVerifiedClientAddress(req: Request, warn: (msg: string) => void = () => undefined): Request {
  const headers = new Headers(req.headers);
  const stamped = headers.get(CLIENT_IP_PROOF_HEADER) === g[PROOF] && g[PROOF] !== undefined;
  headers.delete(CLIENT_IP_PROOF_HEADER);
  if (!stamped) {
    headers.delete(CLIENT_IP_HEADER);
    if (!warned) {
      warned = true;
      warn("sign-in throttling cannot see client addresses (the console was not started by its own HTTP server: use npm start); all sign-ins share one bucket");
    }
  }
  const init: RequestInit & { duplex?: "half" } = { method: req.method, headers, body: req.body, signal: req.signal, duplex: "half" };
  return new Request(req.url, init);
}
