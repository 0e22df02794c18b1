/**
 * Who is signed in, as the API sees it: id, email, name and role, read from
 * the session cookie through better-auth on every request (no cookie cache, so
 * a revoked session or a changed role counts at once). Disabled users have no
 * session. `sessionFrom` adds the second-factor facts of the session (enrolled,
 * last proven) that server/auth/second-factor.ts decides on.
 */
import { isRole } from "../domain/access/roles";
import type { SessionUser } from "../domain/access/session-user";
import type { Auth } from "./auth";
import type { SecondFactorState } from "./second-factor";

export interface SignedInSession {
  user: SessionUser;
  secondFactor: Omit<SecondFactorState, "required">;
}

export async function sessionFrom(auth: Auth, headers: Headers): Promise<SignedInSession | null> {
  const s = await auth.api.getSession({ headers, query: { disableCookieCache: true } }).catch(() => null);
  if (!s) return null;
  const u = s.user as typeof s.user & { role?: unknown; disabledAt?: Date | null; twoFactorEnabled?: boolean | null };
  if (u.disabledAt || !isRole(u.role)) return null;
  const provenAt = (s.session as typeof s.session & { secondFactorAt?: Date | string | null }).secondFactorAt;
  return {
    user: { id: u.id, email: u.email, name: u.name, role: u.role },
    secondFactor: { enrolled: u.twoFactorEnabled === true, provenAt: provenAt ? new Date(provenAt) : null },
  };
}

export async function sessionUserFrom(auth: Auth, headers: Headers): Promise<SessionUser | null> {
  return (await sessionFrom(auth, headers))?.user ?? null;
}
