/**
 * Demo accounts, created by the demo seed only (npm run demo on an empty
 * database with QECNET_SEED_DEMO=true, which `npm run demo` sets). Their passwords are
 * published here, in the README and on the sign-in page of a demo, so they
 * must never exist anywhere else: a real deployment creates its first
 * administrator with `npm run user:create` and runs `npm start` (never a demo).
 * Two officers, so the two-person rule can be shown.
 */
import type { Role } from "../domain/access/roles";
import type { Db } from "../db/client";
import type { TransitionRunner } from "../commit/transition-runner";
import { UserService } from "../users/user-service";

export interface DemoAccount {
  email: string;
  name: string;
  role: Role;
  password: string;
  what: string;
}

export const DEMO_ACCOUNTS: readonly DemoAccount[] = [
  { email: "viewer@demo.qecnet", name: "Vera Viewer", role: "viewer", password: "demo-viewer-2026", what: "demo audience: reads everything" },
  { email: "analyst@demo.qecnet", name: "Ana Analyst", role: "analyst", password: "demo-analyst-2026", what: "SOC: requests revocations and emergency rotations" },
  { email: "officer1@demo.qecnet", name: "Oscar Officer", role: "officer", password: "demo-officer1-2026", what: "approves or rejects" },
  { email: "officer2@demo.qecnet", name: "Olivia Officer", role: "officer", password: "demo-officer2-2026", what: "the second officer of a two-person rule" },
  { email: "admin@demo.qecnet", name: "Adam Admin", role: "admin", password: "demo-admin-2026", what: "users, roles and approval rules" },
];

export async function seedDemoUsers(db: Db, runner: TransitionRunner): Promise<number> {
  const users = new UserService(db, runner);
  for (const a of DEMO_ACCOUNTS) await users.create(a, { actor: "system:demo-seed" });
  return DEMO_ACCOUNTS.length;
}

/** The demo accounts that exist in this database (none outside a demo). */
export async function existingDemoAccounts(db: Db): Promise<DemoAccount[]> {
  const found = await db.user.findMany({ where: { email: { in: DEMO_ACCOUNTS.map((a) => a.email) }, disabledAt: null }, select: { email: true } });
  const emails = new Set(found.map((f) => f.email));
  return DEMO_ACCOUNTS.filter((a) => emails.has(a.email));
}
