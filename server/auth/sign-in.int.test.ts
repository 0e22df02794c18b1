/**
 * Sign-in through better-auth's real handler on our own tables: a good
 * password starts a session (HttpOnly, SameSite=Lax cookie) that the API
 * resolves to the user and role; a wrong one is refused and audited without
 * the password; attempts beyond the limit are throttled (counted in the
 * database); a disabled user cannot sign in; sign-out and sign-out-everywhere
 * end sessions; an expired or forged session is no session.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { poolOf } from "../db/client";
import type { KeyService } from "../keys/key-service";
import { createTestUsers, TEST_PASSWORD, type TestUserName } from "../testing/auth-fixtures";
import { testKeyService } from "../testing/fixtures";
import { createTestDatabase, type TestDatabase } from "../testing/test-database";
import { UserService } from "../users/user-service";
import { createAuth, type Auth } from "./auth";
import { parseAuthEnv } from "./auth-config";
import type { SessionUser } from "./session-user";
import { sessionUserFrom } from "./session-user";

const ORIGIN = "http://127.0.0.1:3999";

describe("sign-in", () => {
  let t: TestDatabase;
  let keys: KeyService;
  let auth: Auth;
  let users: Record<TestUserName, SessionUser>;

  beforeAll(async () => {
    t = await createTestDatabase(inject("adminUrl"), "signin");
    keys = testKeyService(t.db);
    users = await createTestUsers(t.db, keys, "auth");
    auth = createAuth({ pool: poolOf(t.db), runner: keys.runner, config: parseAuthEnv({ QECNET_SIGNIN_RATE_LIMIT: "4/60" }), secret: "x".repeat(64) });
  });
  afterAll(async () => t.dispose());

  function signIn(email: string, password: string, ip = "10.0.0.1") {
    return auth.handler(new Request(`${ORIGIN}/api/auth/sign-in/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: ORIGIN, "x-forwarded-for": ip },
      body: JSON.stringify({ email, password }),
    }));
  }
  const cookieOf = (res: Response) => res.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  const headersWith = (cookie: string) => new Headers({ cookie, origin: ORIGIN });

  it("a good password starts a session the API resolves to the user and role; the cookie is HttpOnly and SameSite=Lax", async () => {
    const res = await signIn(users.officer.email, TEST_PASSWORD, "10.0.0.2");
    expect(res.status).toBe(200);
    const set = res.headers.getSetCookie().find((c) => c.startsWith("qecnet.session_token="))!;
    expect(set).toMatch(/HttpOnly/i);
    expect(set).toMatch(/SameSite=Lax/i);
    expect(set).not.toMatch(/Secure/i); // plain http in tests; QECNET_PUBLIC_URL=https://… makes it Secure
    expect(set).toMatch(/Max-Age=28800/); // QECNET_SESSION_HOURS=8 by default, fixed from sign-in
    const row = await t.db.userSession.findFirstOrThrow({ where: { userId: users.officer.id }, orderBy: { createdAt: "desc" } });
    expect(Math.abs(row.expiresAt.getTime() - row.createdAt.getTime() - 8 * 3600_000)).toBeLessThan(5_000);
    expect(await sessionUserFrom(auth, headersWith(cookieOf(res)))).toEqual(users.officer);
    const entry = await t.db.auditEntry.findFirstOrThrow({ where: { action: "USER_SIGNED_IN" }, orderBy: { seq: "desc" } });
    expect(entry).toMatchObject({ actor: `user:${users.officer.email}`, subjectId: users.officer.id });
  });

  it("a wrong password is refused and audited, without the password", async () => {
    const res = await signIn(users.analyst.email, "wrong password attempt", "10.0.0.3");
    expect(res.status).toBe(401);
    const entry = await t.db.auditEntry.findFirstOrThrow({ where: { action: "USER_SIGN_IN_FAILED" }, orderBy: { seq: "desc" } });
    expect(entry).toMatchObject({ actor: "anonymous", subjectId: users.analyst.email });
    expect(JSON.stringify(entry.details)).not.toMatch(/wrong password attempt/);
  });

  it("throttles attempts from one address beyond the limit, counted in the database", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await signIn(users.viewer.email, `bad password ${i}!`, "10.0.0.9")).status);
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
    // Even the right password is throttled now; another address is not.
    expect((await signIn(users.viewer.email, TEST_PASSWORD, "10.0.0.9")).status).toBe(429);
    expect((await signIn(users.viewer.email, TEST_PASSWORD, "10.0.0.10")).status).toBe(200);
    const { rows } = await poolOf(t.db).query("SELECT key, count FROM auth_rate_limits WHERE key LIKE '10.0.0.9%'");
    expect(rows).toEqual([{ key: "10.0.0.9|/sign-in/email", count: 4 }]);
  });

  it("a disabled user cannot sign in, and loses the sessions they had", async () => {
    const svc = new UserService(t.db, keys.runner);
    const u = await svc.create({ email: "auth-leaver@qecnet.test", name: "Leaver", role: "analyst", password: TEST_PASSWORD }, { actor: "system:test" });
    const cookie = cookieOf(await signIn(u.email, TEST_PASSWORD, "10.0.1.1"));
    expect(await sessionUserFrom(auth, headersWith(cookie))).toMatchObject({ id: u.id });
    await svc.setDisabled(u.id, true, { actor: `user:${users.admin.email}`, userId: users.admin.id });
    expect(await sessionUserFrom(auth, headersWith(cookie))).toBeNull();
    expect((await signIn(u.email, TEST_PASSWORD, "10.0.1.2")).status).toBe(403);
  });

  it("sign-out ends the session; sign-out-everywhere ends all of them; both audited", async () => {
    const a = cookieOf(await signIn(users.analyst2.email, TEST_PASSWORD, "10.0.2.1"));
    const b = cookieOf(await signIn(users.analyst2.email, TEST_PASSWORD, "10.0.2.2"));
    const c = cookieOf(await signIn(users.analyst2.email, TEST_PASSWORD, "10.0.2.3"));
    const out = await auth.handler(new Request(`${ORIGIN}/api/auth/sign-out`, { method: "POST", headers: { cookie: a, origin: ORIGIN, "content-type": "application/json" }, body: "{}" }));
    expect(out.status).toBe(200);
    expect(await sessionUserFrom(auth, headersWith(a))).toBeNull();
    expect(await sessionUserFrom(auth, headersWith(b))).not.toBeNull();
    const r = await new UserService(t.db, keys.runner).signOutEverywhere(users.analyst2);
    expect(r.sessionsEnded).toBe(2);
    expect(await sessionUserFrom(auth, headersWith(b))).toBeNull();
    expect(await sessionUserFrom(auth, headersWith(c))).toBeNull();
    const actions = (await t.db.auditEntry.findMany({ where: { actor: `user:${users.analyst2.email}` }, orderBy: { seq: "asc" } })).map((e) => e.action);
    expect(actions).toEqual(["USER_SIGNED_IN", "USER_SIGNED_IN", "USER_SIGNED_IN", "USER_SIGNED_OUT", "USER_SIGNED_OUT_EVERYWHERE"]);
  });

  it("an expired, forged or tampered session is no session", async () => {
    const cookie = cookieOf(await signIn(users.admin.email, TEST_PASSWORD, "10.0.3.1"));
    expect(await sessionUserFrom(auth, headersWith(cookie))).toMatchObject({ role: "admin" });
    const [name, value] = cookie.split("=") as [string, string];
    const [token, sig] = decodeURIComponent(value).split(".") as [string, string];
    expect(await sessionUserFrom(auth, headersWith(`${name}=${encodeURIComponent(`${token}.${sig.slice(0, -4)}AAAA`)}`))).toBeNull();
    expect(await sessionUserFrom(auth, headersWith(`${name}=forged.session`))).toBeNull();
    expect(await sessionUserFrom(auth, new Headers())).toBeNull();
    await poolOf(t.db).query("UPDATE user_sessions SET expires_at = now() - interval '1 second' WHERE token = $1", [token]);
    expect(await sessionUserFrom(auth, headersWith(cookie))).toBeNull();
  });

  it("a role change counts on the next request, and is audited", async () => {
    const cookie = cookieOf(await signIn(users.viewer.email, TEST_PASSWORD, "10.0.4.1"));
    await new UserService(t.db, keys.runner).setRole(users.viewer.id, "analyst", { actor: `user:${users.admin.email}` });
    expect(await sessionUserFrom(auth, headersWith(cookie))).toMatchObject({ role: "analyst" });
    const e = await t.db.auditEntry.findFirstOrThrow({ where: { action: "USER_ROLE_CHANGED" }, orderBy: { seq: "desc" } });
    expect(e).toMatchObject({ actor: `user:${users.admin.email}`, fromState: "viewer", toState: "analyst", subjectId: users.viewer.id });
  });
});
