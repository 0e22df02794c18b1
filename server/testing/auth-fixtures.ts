/**
 * Signed-in users for tests: one per role (two officers, for the two-person
 * rule), created through the real UserService, and tRPC callers acting as them.
 */
import type { Role } from "../domain/access/roles";
import { createCaller } from "../api/root";
import { createContextInner } from "../api/trpc";
import type { SessionUser } from "../domain/access/session-user";
import type { CsrfVerdict } from "../domain/access/csrf";
import type { Db } from "../db/client";
import type { KeyService } from "../keys/key-service";
import type { HubAgents, Services } from "../runtime/services";
import { servicesOf } from "./fixtures";
import { UserService } from "../users/user-service";

export const TEST_PASSWORD = "correct horse battery staple";

export type TestUserName = "viewer" | "analyst" | "analyst2" | "officer" | "officer2" | "admin";
export const TEST_USER_ROLES: Record<TestUserName, Role> = {
  viewer: "viewer", analyst: "analyst", analyst2: "analyst", officer: "officer", officer2: "officer", admin: "admin",
};

export async function createTestUsers(db: Db, keys: KeyService, prefix = "t"): Promise<Record<TestUserName, SessionUser>> {
  const users = new UserService(db, keys.runner);
  const out = {} as Record<TestUserName, SessionUser>;
  for (const [name, role] of Object.entries(TEST_USER_ROLES) as Array<[TestUserName, Role]>) {
    const u = await users.create({ email: `${prefix}-${name}@qecnet.test`, name: `Test ${name}`, role, password: TEST_PASSWORD }, { actor: "system:test-setup" });
    out[name] = { id: u.id, email: u.email, name: u.name, role: u.role };
  }
  return out;
}

const callerServices = new Set<Services<HubAgents>>();

/** A tRPC caller signed in as `user`, over every service of the database around this key service (nothing started). */
/** A caller as `user`; `demo` says whether the console is a demonstration (default: the environment, false unless set). */
export function callerAs(db: Db, keys: KeyService, user: SessionUser | null, opts: { csrf?: CsrfVerdict; demo?: boolean } = {}) {
  const services = servicesOf(keys);
  callerServices.add(services);
  return createCaller(createContextInner(services, user, opts));
}

/**
 * Waits for the work callers left running after they answered (a reported
 * compromise's recovery goes on in the background), so a test that compares
 * the database before and after a call sees only that call's effects.
 */
export async function settleCallers(): Promise<void> {
  const all = [...callerServices];
  callerServices.clear();
  await Promise.all(all.map((s) => s.recovery.idle()));
}
