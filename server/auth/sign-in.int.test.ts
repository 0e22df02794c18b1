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
import type { SessionUser } from "../domain/access/session-user";
import { sessionUserFrom } from "./session-user";
import { QecnetMetrics } from "../ops/metrics";
import { stampClientAddress, withVerifiedClientAddress } from "./client-address";

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

  /**
   * A sign-in as it arrives: from socket address `peer`, with whatever headers the client wrote, stamped by the
   * console's HTTP server (as server/runtime/http-server.ts does) and checked by the auth route.
   */
  function signIn(email: string, password: string, peer = "10.0.0.1", opts: { headers?: Record<string, string>; trusted?: string[]; via?: Auth } = {}) {
    const headers: Record<string, string> = { "content-type": "application/json", origin: ORIGIN, ...opts.headers };
    stampClientAddress(headers, peer, opts.trusted ?? []);
    const req = new Request(`${ORIGIN}/api/auth/sign-in/email`, { method: "POST", headers, body: JSON.stringify({ email, password }) });
    return (opts.via ?? auth).handler(withVerifiedClientAddress(req));
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

  it("X-Forwarded-For from a client changes nothing: 20 wrong passwords with 20 different values are throttled from the socket address, and so is the right one", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await signIn(users.analyst2.email, `bad password ${i}!`, "10.0.5.1", { headers: { "x-forwarded-for": `203.0.113.${i}` } })).status);
    expect(statuses.slice(0, 4)).toEqual([401, 401, 401, 401]);
    expect(statuses.slice(4).every((s) => s === 429)).toBe(true);
    expect((await signIn(users.analyst2.email, TEST_PASSWORD, "10.0.5.1", { headers: { "x-forwarded-for": "198.51.100.77" } })).status).toBe(429);
    const { rows } = await poolOf(t.db).query("SELECT key FROM auth_rate_limits WHERE key LIKE '%|/sign-in/email' AND (key LIKE '203.%' OR key LIKE '198.%')");
    expect(rows).toEqual([]);
  });

  it("a forged x-qecnet-client-ip is removed; only the HTTP server's stamp counts", async () => {
    const req = new Request(`${ORIGIN}/api/auth/sign-in/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: ORIGIN, "x-qecnet-client-ip": "192.0.2.200", "x-qecnet-client-ip-proof": "guessed" },
      body: JSON.stringify({ email: "nobody@qecnet.test", password: "a wrong password" }),
    });
    const checked = withVerifiedClientAddress(req);
    expect(checked.headers.get("x-qecnet-client-ip")).toBeNull();
    expect(checked.headers.get("x-qecnet-client-ip-proof")).toBeNull();
    expect((await auth.handler(checked)).status).toBe(401);
    const { rows } = await poolOf(t.db).query("SELECT key FROM auth_rate_limits WHERE key LIKE '192.0.2.200%'");
    expect(rows, "the forged address got no bucket of its own").toEqual([]);
    // Unstamped (a server started as plain `next start`): better-auth no longer reads X-Forwarded-For, so varying it
    // buys nothing; every such request shares one bucket (fail closed).
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await auth.handler(withVerifiedClientAddress(new Request(`${ORIGIN}/api/auth/sign-in/email`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: ORIGIN, "x-forwarded-for": `198.51.100.${i}` },
        body: JSON.stringify({ email: "nobody@qecnet.test", password: "a wrong password" }),
      })))).status);
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
  });

  it("behind a trusted proxy, its X-Forwarded-For names the client; an untrusted peer's does not", async () => {
    await signIn("nobody@qecnet.test", "a wrong password", "10.0.6.1", { headers: { "x-forwarded-for": "192.0.2.10, 10.0.6.2" }, trusted: ["10.0.6.1", "10.0.6.2"] });
    await signIn("nobody@qecnet.test", "a wrong password", "10.0.6.3", { headers: { "x-forwarded-for": "192.0.2.11" }, trusted: ["10.0.6.1"] });
    const { rows } = await poolOf(t.db).query("SELECT key FROM auth_rate_limits WHERE key LIKE '192.0.2.1_|%' OR key LIKE '10.0.6.%' ORDER BY key");
    expect(rows.map((r: { key: string }) => r.key)).toEqual(["10.0.6.3|/sign-in/email", "192.0.2.10|/sign-in/email"]);
  });

  it("throttles per account from any address: beyond the limit the account is refused, even with the right password; others are not", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await signIn(users.officer2.email, `bad password ${i}!`, `10.0.7.${i + 1}`)).status);
    expect(statuses).toEqual([...Array(10).fill(401), 429, 429]);
    const right = await signIn(users.officer2.email, TEST_PASSWORD, "10.0.7.200");
    expect(right.status).toBe(429);
    expect(((await right.json()) as { message: string }).message).toMatch(/Too many failed sign-ins for this account: try again in \d+ s/);
    expect((await signIn(users.analyst.email, TEST_PASSWORD, "10.0.7.201")).status).toBe(200);
  });

  it("a flood of failures is counted in metrics one by one and summarised in the audit chain, not one entry each", async () => {
    let now = new Date("2031-03-01T10:00:00Z");
    const m = new QecnetMetrics();
    const flood = createAuth({
      pool: poolOf(t.db), runner: keys.runner, secret: "x".repeat(64), clock: () => now, metrics: m,
      config: parseAuthEnv({ QECNET_SIGNIN_RATE_LIMIT: "1000/60", QECNET_SIGNIN_ACCOUNT_LIMIT: "5/600" }),
    });
    const email = "flood-target@qecnet.test";
    const entries = () => t.db.auditEntry.findMany({ where: { subjectId: email }, orderBy: { seq: "asc" }, select: { action: true, actor: true, details: true } });
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await signIn(email, `guess number ${i}`, `10.0.8.${i + 1}`, { via: flood })).status);
    expect(statuses).toEqual([...Array(5).fill(401), ...Array(35).fill(429)]);
    expect((await m.registry.getSingleMetricAsString("qecnet_signin_failures_total"))).toMatch(/^qecnet_signin_failures_total 5$/m);
    expect((await m.registry.getSingleMetricAsString("qecnet_signin_throttled_total"))).toMatch(/^qecnet_signin_throttled_total\{scope="account"\} 35$/m);
    expect((await entries()).map((e) => e.action)).toEqual(["USER_SIGN_IN_FAILED", "USER_SIGN_IN_THROTTLED"]);
    // The window ends; the next failure starts a new one, and the last one is summarised in one entry.
    now = new Date(now.getTime() + 601_000);
    expect((await signIn(email, "one more guess", "10.0.9.1", { via: flood })).status).toBe(401);
    const after = await entries();
    expect(after.map((e) => e.action)).toEqual(["USER_SIGN_IN_FAILED", "USER_SIGN_IN_THROTTLED", "USER_SIGN_IN_FAILURES_SUMMARISED", "USER_SIGN_IN_FAILED"]);
    expect(after[2]).toMatchObject({ actor: "anonymous", details: { email, failures: 40, windowSeconds: 600 } });
    expect(JSON.stringify(after)).not.toMatch(/guess number/);
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
