/**
 * The second factor through better-auth's real handler on our own tables, with
 * TOTP codes computed here (otpauth), and the API's gate on top of it:
 * enrolment (password, then a code) stamps the session; a password alone then
 * opens no session until a code or a recovery code (each once) is given;
 * "remember this device" is refused; wrong codes are refused and audited
 * without the code; a signed-in session steps up with a code; a passkey is
 * never a sign-in on its own. The tRPC gate refuses officers without a factor
 * and asks again for votes, role grants and policy changes after 5 minutes.
 */
import { stampClientAddress, withVerifiedClientAddress } from "./client-address";
import { TRPCError } from "@trpc/server";
import * as OTPAuth from "otpauth";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createCaller } from "../api/root";
import { createContextInner } from "../api/trpc";
import { poolOf } from "../db/client";
import type { KeyService } from "../keys/key-service";
import { createTestUsers, TEST_PASSWORD, type TestUserName } from "../testing/auth-fixtures";
import { servicesOf, testKeyService } from "../testing/fixtures";
import { createTestDatabase, type TestDatabase } from "../testing/test-database";
import { UserService } from "../users/user-service";
import { createAuth, type Auth } from "./auth";
import { parseAuthEnv } from "./auth-config";
import { STEP_UP_MAX_AGE_MS, type SecondFactorState } from "./second-factor";
import { sessionFrom } from "./session-user";
import type { SessionUser } from "../domain/access/session-user";

const ORIGIN = "http://127.0.0.1:3998";

describe("second factor", () => {
  let t: TestDatabase;
  let keys: KeyService;
  let auth: Auth;
  let users: Record<TestUserName, SessionUser>;
  let now = new Date("2031-06-01T10:00:00.000Z");

  beforeAll(async () => {
    t = await createTestDatabase(inject("adminUrl"), "secondfactor");
    keys = testKeyService(t.db, { clock: () => now });
    users = await createTestUsers(t.db, keys, "sf");
    auth = createAuth({ pool: poolOf(t.db), runner: keys.runner, config: parseAuthEnv({ QECNET_SIGNIN_RATE_LIMIT: "50/60" }), secret: "y".repeat(64) });
  });
  afterAll(async () => t.dispose());

  let ip = 0;
  /** A call as the console's HTTP server passes it on: stamped with the socket's address (a new one each time, so the throttles stay out of the way). */
  const post = (path: string, body: unknown, cookie = "") => {
    const headers: Record<string, string> = { "content-type": "application/json", origin: ORIGIN, cookie };
    stampClientAddress(headers, `10.9.${Math.floor(++ip / 250) % 250}.${ip % 250}`, []);
    return auth.handler(withVerifiedClientAddress(new Request(`${ORIGIN}/api/auth${path}`, { method: "POST", headers, body: JSON.stringify(body) })));
  };
  /** The cookies a response sets (expired ones dropped), merged over those sent. */
  const cookiesAfter = (sent: string, res: Response) => {
    const jar = new Map(sent.split("; ").filter(Boolean).map((c) => [c.split("=")[0]!, c] as const));
    for (const c of res.headers.getSetCookie()) {
      const pair = c.split(";")[0]!;
      const name = pair.split("=")[0]!;
      if (/Max-Age=0/i.test(c) || pair.endsWith("=")) jar.delete(name);
      else jar.set(name, pair);
    }
    return [...jar.values()].join("; ");
  };
  const newOfficer = async (email: string) =>
    (await new UserService(t.db, keys.runner).create({ email, name: "Officer", role: "officer", password: TEST_PASSWORD }, { actor: "system:test" })).email;
  const totpOf = (uri: string) => OTPAuth.URI.parse(uri) as OTPAuth.TOTP;

  async function signInWithPassword(email: string) {
    const res = await post("/sign-in/email", { email, password: TEST_PASSWORD });
    expect(res.status).toBe(200);
    return { res, cookie: cookiesAfter("", res), body: (await res.json()) as { twoFactorRedirect?: boolean } };
  }

  async function enrol(email: string) {
    const { cookie } = await signInWithPassword(email);
    const en = await post("/two-factor/enable", { password: TEST_PASSWORD }, cookie);
    expect(en.status).toBe(200);
    const { totpURI, backupCodes } = (await en.json()) as { totpURI: string; backupCodes: string[] };
    const totp = totpOf(totpURI);
    const ok = await post("/two-factor/verify-totp", { code: totp.generate() }, cookie);
    expect(ok.status).toBe(200);
    return { totp, backupCodes, cookie: cookiesAfter(cookie, ok) };
  }

  it("enrolment: password, then a code from the app; the new session is proven, the factor is on, all audited without secrets", async () => {
    const before = await sessionFrom(auth, new Headers({ cookie: (await signInWithPassword(users.officer.email)).cookie }));
    expect(before?.secondFactor).toEqual({ enrolled: false, provenAt: null });
    const { cookie, backupCodes } = await enrol(users.officer.email);
    expect(backupCodes).toHaveLength(10);
    const s = await sessionFrom(auth, new Headers({ cookie }));
    expect(s?.secondFactor.enrolled).toBe(true);
    expect(s?.secondFactor.provenAt?.getTime()).toBe(now.getTime()); // the injected clock
    const row = await t.db.userTwoFactor.findUniqueOrThrow({ where: { userId: users.officer.id } });
    expect(row.verified).toBe(true);
    const entries = await t.db.auditEntry.findMany({ where: { subjectId: users.officer.id } });
    expect(entries.map((e) => e.action)).toContain("USER_SECOND_FACTOR_ENROLLED");
    const text = JSON.stringify(entries.map((e) => e.details));
    for (const code of backupCodes) expect(text).not.toContain(code);
  });

  it("a password alone opens no session once enrolled; a code does, stamped and audited as the sign-in", async () => {
    const { totp } = await enrol(users.admin.email);
    const signIns = () => t.db.auditEntry.count({ where: { subjectId: users.admin.id, action: "USER_SIGNED_IN" } });
    const before = await signIns();
    const pw = await signInWithPassword(users.admin.email);
    expect(pw.body.twoFactorRedirect).toBe(true);
    expect(await signIns()).toBe(before); // the password step alone is no sign-in
    expect(await sessionFrom(auth, new Headers({ cookie: pw.cookie }))).toBeNull();
    now = new Date(now.getTime() + 60_000);
    const res = await post("/two-factor/verify-totp", { code: totp.generate() }, pw.cookie);
    expect(res.status).toBe(200);
    const s = await sessionFrom(auth, new Headers({ cookie: cookiesAfter(pw.cookie, res) }));
    expect(s).toMatchObject({ user: { id: users.admin.id }, secondFactor: { enrolled: true, provenAt: now } });
    const last = await t.db.auditEntry.findFirstOrThrow({ where: { subjectId: users.admin.id }, orderBy: { seq: "desc" } });
    expect(last).toMatchObject({ action: "USER_SIGNED_IN", details: expect.objectContaining({ secondFactor: "totp" }) });
  });

  it("a wrong code is refused and audited without the code; 'remember this device' is refused", async () => {
    await enrol(users.officer2.email);
    const pw = await signInWithPassword(users.officer2.email);
    const wrong = await post("/two-factor/verify-totp", { code: "000000" }, pw.cookie);
    expect(wrong.status).toBe(401);
    const e = await t.db.auditEntry.findFirstOrThrow({ where: { action: "USER_SECOND_FACTOR_FAILED" }, orderBy: { seq: "desc" } });
    expect(e).toMatchObject({ actor: `user:${users.officer2.email}`, subjectId: users.officer2.id });
    expect(JSON.stringify(e.details)).not.toContain("000000");
    expect((await post("/two-factor/verify-totp", { code: "123456", trustDevice: true }, pw.cookie)).status).toBe(400);
  });

  it("a recovery code signs in once, and only once", async () => {
    const email = await newOfficer("sf-recover@qecnet.test");
    const { backupCodes } = await enrol(email);
    const code = backupCodes[0]!;
    const first = await signInWithPassword(email);
    const ok = await post("/two-factor/verify-backup-code", { code }, first.cookie);
    expect(ok.status).toBe(200);
    expect((await sessionFrom(auth, new Headers({ cookie: cookiesAfter(first.cookie, ok) })))?.secondFactor.provenAt).toEqual(now);
    const second = await signInWithPassword(email);
    expect((await post("/two-factor/verify-backup-code", { code }, second.cookie)).status).toBe(401);
  });

  it("step-up: a signed-in session proves the factor again and is re-stamped at the clock's time", async () => {
    const { totp, cookie } = await enrol(await newOfficer("sf-stepper@qecnet.test"));
    now = new Date(now.getTime() + STEP_UP_MAX_AGE_MS + 60_000);
    // A code of the next period: the enrolment's own code may not be used twice.
    const later = totp.generate({ timestamp: Date.now() + 30_000 });
    const res = await post("/two-factor/verify-totp", { code: later }, cookie);
    expect(res.status).toBe(200);
    const s = await sessionFrom(auth, new Headers({ cookie: cookiesAfter(cookie, res) }));
    expect(s?.secondFactor.provenAt).toEqual(now);
  });

  it("renewing recovery codes needs a proof younger than 5 minutes; the old codes then stop working", async () => {
    const email = await newOfficer("sf-renew@qecnet.test");
    const { totp, cookie, backupCodes } = await enrol(email);
    now = new Date(now.getTime() + STEP_UP_MAX_AGE_MS + 1);
    expect((await post("/two-factor/generate-backup-codes", { password: TEST_PASSWORD }, cookie)).status).toBe(403);
    const proven = await post("/two-factor/verify-totp", { code: totp.generate({ timestamp: Date.now() + 30_000 }) }, cookie);
    expect(proven.status).toBe(200);
    const renewed = await post("/two-factor/generate-backup-codes", { password: TEST_PASSWORD }, cookiesAfter(cookie, proven));
    expect(renewed.status).toBe(200);
    expect(((await renewed.json()) as { backupCodes: string[] }).backupCodes).toHaveLength(10);
    const pw = await signInWithPassword(email);
    expect((await post("/two-factor/verify-backup-code", { code: backupCodes[0]! }, pw.cookie)).status).toBe(401);
  });

  it("a passkey is never a sign-in on its own, and adding one needs a fresh proof", async () => {
    const failures = () => t.db.auditEntry.count({ where: { action: "USER_SECOND_FACTOR_FAILED" } });
    const before = await failures();
    const res = await post("/passkey/verify-authentication", { response: { id: "nope", rawId: "nope", type: "public-key", response: {} } });
    expect([400, 401]).toContain(res.status);
    expect(await failures()).toBe(before); // anonymous noise is not audited (it could fill the chain)
    const { cookie } = await signInWithPassword(users.analyst.email);
    const opts = await auth.handler(new Request(`${ORIGIN}/api/auth/passkey/generate-register-options`, { headers: { cookie, origin: ORIGIN } }));
    expect(opts.status).toBe(403); // not enrolled in TOTP yet
  });

  describe("the API's gate (tRPC)", () => {
    const callerWith = (user: SessionUser, sf: SecondFactorState) => {
      const s = servicesOf(keys);
      return createCaller(createContextInner(s, user, { secondFactor: sf }));
    };
    const codeOf = async (p: Promise<unknown>) => {
      const err = await p.then(() => null, (e: unknown) => e);
      return err instanceof TRPCError ? { code: err.code, domain: (err.cause as { code?: string } | undefined)?.code } : err;
    };
    const fresh = (): SecondFactorState => ({ required: true, enrolled: true, provenAt: now });
    const stale = (): SecondFactorState => ({ required: true, enrolled: true, provenAt: new Date(now.getTime() - STEP_UP_MAX_AGE_MS - 1) });

    it("an officer or admin without enrolment reaches only their own account", async () => {
      const c = callerWith(users.officer, { required: true, enrolled: false, provenAt: null });
      expect(await codeOf(c.keys.list({}))).toEqual({ code: "FORBIDDEN", domain: "SECOND_FACTOR_ENROLMENT_REQUIRED" });
      expect(await c.account.secondFactor()).toMatchObject({ required: true, enrolled: false });
      expect(await c.account.me()).toMatchObject({ id: users.officer.id });
    });

    it("a viewer or analyst is never asked; a demo console asks nobody", async () => {
      const none: SecondFactorState = { required: true, enrolled: false, provenAt: null };
      await expect(callerWith(users.analyst, none).keys.list({})).resolves.toBeDefined();
      await expect(callerWith(users.officer, { ...none, required: false }).keys.list({})).resolves.toBeDefined();
    });

    it("votes, role grants and policy changes ask again after 5 minutes; reading and demoting do not", async () => {
      const officer = callerWith(users.officer, stale());
      expect(await codeOf(officer.approvals.approve({ id: "00000000-0000-4000-8000-000000000000", comment: "looks right" }))).toEqual({ code: "FORBIDDEN", domain: "SECOND_FACTOR_REQUIRED" });
      expect(await codeOf(officer.approvals.reject({ id: "00000000-0000-4000-8000-000000000000", comment: "looks wrong" }))).toEqual({ code: "FORBIDDEN", domain: "SECOND_FACTOR_REQUIRED" });
      await expect(officer.keys.list({})).resolves.toBeDefined();
      const admin = callerWith(users.admin, stale());
      expect(await codeOf(admin.users.setRole({ userId: users.viewer.id, role: "officer" }))).toEqual({ code: "FORBIDDEN", domain: "SECOND_FACTOR_REQUIRED" });
      expect(await codeOf(admin.users.create({ email: "sf-new@qecnet.test", name: "New Admin", role: "admin", password: TEST_PASSWORD }))).toEqual({ code: "FORBIDDEN", domain: "SECOND_FACTOR_REQUIRED" });
      expect(await codeOf(admin.keys.updatePolicy({ name: "standard", expectedVersion: 1, reason: "tighten", changes: {} } as never))).toEqual({ code: "FORBIDDEN", domain: "SECOND_FACTOR_REQUIRED" });
      expect(await codeOf(admin.approvals.updateRule({ kind: "REVOCATION", minApprovals: 2, ttlMinutes: 60 }))).toEqual({ code: "FORBIDDEN", domain: "SECOND_FACTOR_REQUIRED" });
      expect((await t.db.user.findUniqueOrThrow({ where: { id: users.viewer.id } })).role).toBe("viewer");
      expect(await t.db.user.count({ where: { email: "sf-new@qecnet.test" } })).toBe(0);
      // Demoting, or granting analyst, is no grant of power.
      await expect(admin.users.setRole({ userId: users.analyst2.id, role: "viewer" })).resolves.toBeDefined();
      // With a fresh proof the grant goes through.
      await expect(callerWith(users.admin, fresh()).users.setRole({ userId: users.viewer.id, role: "analyst" })).resolves.toBeDefined();
    });
  });
});
