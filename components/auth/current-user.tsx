"use client";
/**
 * The signed-in user in the browser (read on the server when the page loaded),
 * and `useMayCall(path)`: whether their role may call a procedure, from the
 * same access table the server enforces, so the console only offers what works.
 */
import { createContext, useContext, type ReactNode } from "react";
import { checkProcedure } from "@/server/access/permissions";
import type { SessionUser } from "@/server/auth/session-user";

const CurrentUserContext = createContext<SessionUser | null>(null);

export function CurrentUserProvider({ user, children }: { user: SessionUser; children: ReactNode }) {
  return <CurrentUserContext.Provider value={user}>{children}</CurrentUserContext.Provider>;
}

export function useCurrentUser(): SessionUser {
  const u = useContext(CurrentUserContext);
  if (!u) throw new Error("useCurrentUser outside a signed-in page");
  return u;
}

export function useMayCall(path: string): boolean {
  const u = useContext(CurrentUserContext);
  return u !== null && checkProcedure(path, u.role).ok;
}
