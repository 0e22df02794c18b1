/**
 * The second factor, driven for real on a console that is not a demo (the
 * second server of playwright.config.ts): an officer is sent to enrol at first
 * sign-in, enrols an authenticator app whose codes this test computes (otpauth),
 * then signs in with password + code, and with a recovery code, and is asked
 * again (step-up) for a vote once the last proof is older than 5 minutes; an admin adds a
 * passkey through Chromium's virtual authenticator (CDP WebAuthn domain), signs
 * in with password + passkey, and is asked again (step-up) for a role grant once
 * the last proof is older than 5 minutes: once answered with the passkey, once
 * with a code, and the grant goes through each time.
 */
import { readFileSync } from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import * as OTPAuth from "otpauth";
import pg from "pg";
import { nonDemoDbUrlFile, nonDemoPort } from "../playwright.config";
import { account } from "./auth";
import { closeExtraContextsAfterEach } from "./extra-contexts";

closeExtraContextsAfterEach();

test.use({ baseURL: `http://localhost:${nonDemoPort}` }); // WebAuthn needs a domain (localhost), not an IP address
// Each test signs in several times with two factors, as a person would: longer than the default 30 s on a shared machine.
test.describe.configure({ timeout: 120_000 });

async function signInWithPassword(page: Page, email: string, password: string, next = "/mesh") {
  await page.goto(`/sign-in?next=${encodeURIComponent(next)}`);
  await page.getByTestId("sign-in-email").fill(email);
  await page.getByTestId("sign-in-password").fill(password);
  await page.getByTestId("sign-in-submit").click();
}

async function enrolTotp(page: Page, password: string): Promise<{ totp: OTPAuth.TOTP; recoveryCodes: string[] }> {
  await expect(page.getByTestId("enrol-required")).toBeVisible();
  await page.getByTestId("enrol-password").fill(password);
  await page.getByTestId("enrol-start").click();
  const secret = (await page.getByTestId("enrol-secret").textContent())!.trim();
  const recoveryCodes = (await page.getByTestId("enrol-recovery-codes").locator("li").allTextContents()).map((c) => c.trim());
  expect(recoveryCodes).toHaveLength(10);
  const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30, algorithm: "SHA1" });
  await page.getByTestId("enrol-code").fill(totp.generate());
  await page.getByTestId("enrol-confirm").click();
  await expect(page.getByTestId("enrolled")).toBeVisible();
  return { totp, recoveryCodes };
}

async function signOut(page: Page) {
  await page.getByTestId("sign-out").click();
  await expect(page).toHaveURL(/\/sign-in$/);
}

/** Moves this user's proofs 6 minutes into the past, as if the officer had stepped away. */
async function ageProofs(email: string) {
  const c = new pg.Client({ connectionString: readFileSync(nonDemoDbUrlFile, "utf8").trim() });
  await c.connect();
  try {
    await c.query("UPDATE user_sessions SET second_factor_at = second_factor_at - interval '6 minutes' WHERE user_id = (SELECT id FROM users WHERE email = $1)", [email]);
  } finally {
    await c.end();
  }
}

test("an officer enrols at first sign-in, signs in with password + code, or + a recovery code, and steps up for a vote", async ({ page, browser }) => {
  const officer = account("officer1");
  await signInWithPassword(page, officer.email, officer.password, "/approvals");
  await expect(page).toHaveURL(/\/account\/security\?next=%2Fapprovals$/);
  // Before enrolling, the API refuses everything but the officer's own account.
  const refused = await page.request.get("/api/trpc/keys.counts?input=%7B%22json%22%3A%7B%7D%7D");
  expect(refused.status()).toBe(403);
  expect(await refused.text()).toContain("SECOND_FACTOR_ENROLMENT_REQUIRED");
  const { totp, recoveryCodes } = await enrolTotp(page, officer.password);
  await page.getByTestId("enrol-continue").click();
  await expect(page).toHaveURL(/\/approvals$/);
  await signOut(page);

  await signInWithPassword(page, officer.email, officer.password, "/keys");
  await expect(page.getByTestId("sign-in-second-factor")).toBeVisible();
  await page.getByTestId("second-factor-code").fill("000000");
  await page.getByTestId("second-factor-submit").click();
  await expect(page.getByTestId("second-factor-error")).toContainText("not right");
  await page.getByTestId("second-factor-code").fill(totp.generate());
  await page.getByTestId("second-factor-submit").click();
  await expect(page).toHaveURL(/\/keys$/);
  await expect(page.getByTestId("user-role")).toHaveText("officer");
  await signOut(page);

  await signInWithPassword(page, officer.email, officer.password, "/keys");
  await page.getByTestId("second-factor-use-recovery").click();
  await page.getByTestId("second-factor-code").fill(recoveryCodes[0]!);
  await page.getByTestId("second-factor-submit").click();
  await expect(page).toHaveURL(/\/keys$/);

  // New recovery codes (password, and a proof younger than 5 minutes, which this sign-in just gave).
  await page.goto("/account/security");
  await page.getByTestId("renew-password").fill(officer.password);
  await page.getByTestId("renew-recovery-codes").click();
  await expect(page.getByTestId("renewed-recovery-codes").locator("li")).toHaveCount(10);
  const renewed = (await page.getByTestId("renewed-recovery-codes").locator("li").allTextContents()).map((c) => c.trim());
  expect(renewed).toHaveLength(10);
  expect(renewed).not.toContain(recoveryCodes[1]);

  // Step-up on a vote: an analyst (no second factor needed) raises a revocation; the officer's proof is 6 minutes old.
  const analystContext = await browser.newContext({ baseURL: `http://localhost:${nonDemoPort}`, viewport: { width: 1600, height: 1000 } });
  const analyst = await analystContext.newPage();
  const a = account("analyst");
  await signInWithPassword(analyst, a.email, a.password, "/keys?state=ACTIVE");
  const keyRow = analyst.locator('[data-testid="key-row"][data-state="ACTIVE"]').first();
  await keyRow.getByTestId("key-link").click();
  await analyst.getByTestId("request-REVOCATION").click();
  await analyst.getByTestId("request-justification-input").fill("Key material seen on an unmanaged host");
  await analyst.getByTestId("request-submit").click();
  await expect(analyst).toHaveURL(/\/approvals\/[0-9a-f-]{36}$/);
  await ageProofs(officer.email);
  await page.goto(analyst.url());
  await page.getByTestId("vote-comment").fill("Agreed after checking the host");
  await page.getByTestId("vote-approve").click();
  await expect(page.getByTestId("step-up-dialog")).toBeVisible();
  await page.getByTestId("second-factor-code").fill(totp.generate());
  await page.getByTestId("second-factor-submit").click();
  await expect(page.getByTestId("step-up-dialog")).toHaveCount(0);
  await expect(page.getByTestId("request-approvals")).toContainText("1 of 2");
  await analystContext.close();
});

test("an admin adds a passkey (virtual authenticator), signs in with it as the second step, and steps up for a role grant", async ({ page }) => {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  const admin = account("admin");
  await signInWithPassword(page, admin.email, admin.password, "/admin");
  await expect(page).toHaveURL(/\/account\/security/);
  const { totp } = await enrolTotp(page, admin.password);
  await page.getByTestId("passkey-name").fill("CI virtual key");
  await page.getByTestId("passkey-add").click();
  await expect(page.getByTestId("passkey-row")).toHaveText(/CI virtual key/);
  await signOut(page);

  // A passkey alone is no sign-in: a valid assertion without the password step's challenge cookie is refused.
  await signInWithPassword(page, admin.email, admin.password, "/admin");
  await expect(page.getByTestId("sign-in-second-factor")).toBeVisible();
  const challenge = (await page.context().cookies()).find((c) => c.name.endsWith("two_factor"));
  expect(challenge).toBeDefined();
  await page.context().clearCookies({ name: challenge!.name });
  await page.getByTestId("second-factor-passkey").click();
  await expect(page.getByTestId("second-factor-error")).toContainText("sign in with your email and password first");
  await expect(page).toHaveURL(/\/sign-in/);
  // With the password step done, the passkey is the second step.
  await signInWithPassword(page, admin.email, admin.password, "/admin");
  await page.getByTestId("second-factor-passkey").click();
  await expect(page).toHaveURL(/\/admin$/);

  // Step-up with the passkey: asking for a role grant is refused for an old proof, the dialog asks, the request is
  // retried and raised (a second administrator decides it: the role itself does not change yet).
  const row = (email: string) => page.locator(`[data-testid="user-row"][data-email="${email}"]`);
  const viewer = account("viewer");
  await ageProofs(admin.email);
  page.once("dialog", (d) => void d.accept("Needs to approve revocations on the night shift."));
  await row(viewer.email).getByTestId("user-role-select").selectOption("officer");
  await expect(page.getByTestId("step-up-dialog")).toBeVisible();
  await page.getByTestId("second-factor-passkey").click();
  await expect(page.getByTestId("step-up-dialog")).toHaveCount(0);
  await expect(page.getByTestId("role-grant-requested")).toBeVisible();
  await expect(row(viewer.email).getByTestId("user-role-select")).toHaveValue("viewer");

  // Step-up with a code, for the next grant.
  const analyst = account("analyst");
  await ageProofs(admin.email);
  page.once("dialog", (d) => void d.accept("Second administrator for the approvals of role grants."));
  await row(analyst.email).getByTestId("user-role-select").selectOption("admin");
  await expect(page.getByTestId("step-up-dialog")).toBeVisible();
  await page.getByTestId("second-factor-code").fill(totp.generate());
  await page.getByTestId("second-factor-submit").click();
  await expect(page.getByTestId("step-up-dialog")).toHaveCount(0);
  await expect(page.getByTestId("role-grant-requested")).toBeVisible();
  await expect(row(analyst.email).getByTestId("user-role-select")).toHaveValue("analyst");
});
