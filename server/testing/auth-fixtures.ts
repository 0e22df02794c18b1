/**
 * Signed-in users for tests: one per role (two officers, for the two-person
 * rule), created through the real UserService, and tRPC callers acting as them.
 */
import type { Role } from "../access/roles";
import { createCaller } from "../api/root";
import { createContextInner } from "../api/trpc";
import { AuditService } from "../audit/audit-service";
import type { SessionUser } from "../auth/session-user";
import type { CsrfVerdict } from "../auth/csrf";
import { poolOf, type Db } from "../db/client";
import { EventBus } from "../events/event-bus";
import type { KeyService } from "../keys/key-service";
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

export function callerAs(db: Db, keys: KeyService, user: SessionUser | null, opts: { csrf?: CsrfVerdict } = {}) {
  // The event bus is not started: only a subscription that streams events starts it.
  const events = new EventBus(poolOf(db).options.connectionString!);
  return createCaller(createContextInner({ db, keys, audit: new AuditService(db, keys.runner), events }, user, opts));
}
