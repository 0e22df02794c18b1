/**
 * The gate of every HTTP route under app/api. Each route file exports its
 * handlers as `guarded("<its folder pattern>", handler)`, and the guard
 * enforces that pattern's row of ROUTE_ACCESS (server/domain/access/permissions.ts)
 * before the handler runs: no session → 401, role too low → 403, a route for
 * the scrape token → 401 unless `Authorization: Bearer $QECNET_METRICS_TOKEN`.
 * server/api/unauthenticated.int.test.ts checks that every route file is
 * wrapped with its own pattern and answers 401 without a session.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { admits, ROUTE_ACCESS, type RouteAccess, type RoutePath } from "../domain/access/permissions";
import { auth } from "../runtime/auth-instance";
import { sessionUserFrom } from "../auth/session-user";
import type { SessionUser } from "../domain/access/session-user";
import { env } from "../config/env";

export type RouteHandler = (req: Request) => Response | Promise<Response>;

/** Who passed the gate: a signed-in user, the scraper holding the metrics token, or nobody (public routes). */
export type RouteCaller = { kind: "user"; user: SessionUser } | { kind: "metrics-token" } | { kind: "anonymous" };

function refuse(status: 401 | 403, message: string, bearer = false): Response {
  const headers: Record<string, string> = { "cache-control": "no-store" };
  if (bearer) headers["www-authenticate"] = 'Bearer realm="qecnet-metrics"';
  return Response.json({ message, code: status === 401 ? "UNAUTHORIZED" : "FORBIDDEN" }, { status, headers });
}

function digest(v: string): Buffer {
  return createHash("sha256").update(v, "utf8").digest();
}

/** Whether the request carries the configured metrics token; always false when none is configured. */
export function hasMetricsToken(req: Request, token: string | undefined = env().QECNET_METRICS_TOKEN): boolean {
  if (!token) return false;
  const m = /^Bearer[ ]+(\S+)\s*$/i.exec(req.headers.get("authorization") ?? "");
  // Compared as fixed-length digests: no early exit that would time how much of the token matched.
  return m !== null && timingSafeEqual(digest(m[1]!), digest(token));
}

async function sessionOf(req: Request): Promise<SessionUser | null> {
  // No cookie, no session: answer without building the services (and without a database round trip).
  if (!req.headers.get("cookie")) return null;
  return sessionUserFrom(auth(), req.headers);
}

/** Decides whether a request may reach `route`'s handler; a Response is the refusal. */
export async function admitRoute(route: RoutePath, req: Request): Promise<RouteCaller | Response> {
  const access: RouteAccess = ROUTE_ACCESS[route];
  if ("public" in access || "procedures" in access) return { kind: "anonymous" };
  if ("metricsToken" in access) {
    if (hasMetricsToken(req)) return { kind: "metrics-token" };
    return refuse(
      401,
      env().QECNET_METRICS_TOKEN
        ? "Send the metrics token: Authorization: Bearer <QECNET_METRICS_TOKEN>."
        : "Metrics are off: this console has no QECNET_METRICS_TOKEN, so every scrape is refused.",
      true,
    );
  }
  if (access.orMetricsToken && hasMetricsToken(req)) return { kind: "metrics-token" };
  const user = await sessionOf(req);
  const orToken = access.orMetricsToken === true;
  if (!user) return refuse(401, `Sign in first (no valid session)${orToken ? ", or send the metrics token as a bearer token" : ""}.`, orToken);
  if (!admits(access.session, user.role)) return refuse(403, `Your role (${user.role}) may not do this: ${route} needs ${"min" in access.session ? `the ${access.session.min} role or higher` : "another role"}.`);
  return { kind: "user", user };
}

/** Wraps a route handler in its row of the access table. */
export function guarded(route: RoutePath, handler: (req: Request, caller: RouteCaller) => Response | Promise<Response>): RouteHandler {
  return async (req) => {
    const admitted = await admitRoute(route, req);
    return admitted instanceof Response ? admitted : handler(req, admitted);
  };
}
