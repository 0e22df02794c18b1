/**
 * Who is signed in, as the API sees it: id, email, name and role, read from
 * the session cookie through better-auth on every request (no cookie cache, so
 * a revoked session or a changed role counts at once). Disabled users have no session.
 */
import { isRole, type Role } from "../access/roles";
import type { Auth } from "./auth";

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  role: Role;
}

export async function sessionUserFrom(auth: Auth, headers: Headers): Promise<SessionUser | null> {
  const s = await auth.api.getSession({ headers, query: { disableCookieCache: true } }).catch(() => null);
  if (!s) return null;
  const u = s.user as typeof s.user & { role?: unknown; disabledAt?: Date | null };
  if (u.disabledAt || !isRole(u.role)) return null;
  return { id: u.id, email: u.email, name: u.name, role: u.role };
}
