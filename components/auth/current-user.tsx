"use client";
/**
 * The signed-in user in the browser (read on the server when the page loaded),
 * and `useMayCall(path)`: whether their role may call a procedure, from the
 * same access table the server enforces (demo-only procedures only on a
 * demonstration console), so the console only offers what works.
 */
import { createContext, useContext, type ReactNode } from "react";
import { checkProcedure } from "@/server/domain/access/permissions";
import type { SessionUser } from "@/server/domain/access/session-user";

const CurrentUserContext = createContext<SessionUser | null>(null);
const DemoConsoleContext = createContext(false);

export function CurrentUserProvider({ user, demo, children }: { user: SessionUser; demo: boolean; children: ReactNode }) {
  return (
    <CurrentUserContext.Provider value={user}>
      <DemoConsoleContext.Provider value={demo}>{children}</DemoConsoleContext.Provider>
    </CurrentUserContext.Provider>
  );
}

export function useCurrentUser(): SessionUser {
  const u = useContext(CurrentUserContext);
  if (!u) throw new Error("useCurrentUser outside a signed-in page");
  return u;
}

export function useMayCall(path: string): boolean {
  const u = useContext(CurrentUserContext);
  const demo = useContext(DemoConsoleContext);
  return u !== null && checkProcedure(path, u.role, { demo }).ok;
}
