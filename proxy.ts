/**
 * Page gate (Next 16 "proxy", formerly middleware): every page needs a signed-in
 * user with the role server/domain/access/permissions.ts declares for its route.
 * Signed out: to /sign-in, returning here afterwards. Role too low: the
 * "not allowed" page with status 403. The session is checked by better-auth's
 * own endpoint (no cookie cache), so a revoked session or changed role counts
 * at once. The API enforces the same table on every call regardless.
 * On a console that is not a demo, an officer or administrator without a
 * second factor is sent to enrol it (/account/security) before anything else.
 */
import { NextResponse, type NextRequest } from "next/server";
import { mayOpenPage, pageAccess } from "./server/domain/access/permissions";
import { isRole, type Role } from "./server/domain/access/roles";
import { needsSecondFactor } from "./server/auth/second-factor";
import { env } from "./server/config/env";

const ENROLMENT_PAGE = "/account/security";

const SESSION_COOKIE = "qecnet.session_token";

interface SignedIn { role: Role; mustEnrol: boolean }

async function signedIn(req: NextRequest): Promise<SignedIn | null> {
  const cookie = req.headers.get("cookie") ?? "";
  if (!cookie.includes(SESSION_COOKIE)) return null;
  // Asks this server itself; behind a TLS-terminating reverse proxy whose public origin the server
  // cannot reach, QECNET_INTERNAL_URL (e.g. http://127.0.0.1:3000) says where it listens.
  const base = process.env.QECNET_INTERNAL_URL || req.nextUrl.origin;
  const res = await fetch(new URL("/api/auth/get-session", base), { headers: { cookie }, cache: "no-store" }).catch(() => null);
  if (!res?.ok) return null;
  const body = (await res.json().catch(() => null)) as { user?: { role?: unknown; disabledAt?: unknown; twoFactorEnabled?: unknown } } | null;
  const role = body?.user?.role;
  if (!body?.user || body.user.disabledAt || !isRole(role)) return null;
  // Only enrolment is decided here; proofs and step-up are the API's (server/auth/second-factor.ts).
  const enrolled = body.user.twoFactorEnabled === true;
  return { role, mustEnrol: !enrolled && needsSecondFactor(role, { required: !env().QECNET_SEED_DEMO, enrolled, provenAt: null }) };
}

export async function proxy(req: NextRequest) {
  const { pathname, search } = req.nextUrl;
  const rule = pageAccess(pathname);
  if (rule?.access === "public") return NextResponse.next();
  const who = await signedIn(req);
  if (!who) {
    const to = new URL("/sign-in", req.nextUrl.origin);
    if (pathname !== "/") to.searchParams.set("next", `${pathname}${search}`);
    return NextResponse.redirect(to);
  }
  if (who.mustEnrol && pathname !== ENROLMENT_PAGE) {
    const to = new URL(ENROLMENT_PAGE, req.nextUrl.origin);
    to.searchParams.set("next", `${pathname}${search}`);
    return NextResponse.redirect(to);
  }
  if (!mayOpenPage(rule?.access ?? null, who.role)) {
    const to = new URL("/forbidden", req.nextUrl.origin);
    to.searchParams.set("page", pathname);
    return NextResponse.rewrite(to, { status: 403 });
  }
  return NextResponse.next();
}

export const config = {
  // Pages only: the API, Next's assets and icons are not gated here (the API checks every call itself).
  matcher: ["/((?!api/|_next/|icon.svg|favicon.ico).*)"],
};
