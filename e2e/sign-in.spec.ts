/**
 * Sign-in and its guards over real HTTP: the form (demo accounts listed in a
 * demo), pages closed to signed-out users and to roles below their rule, the
 * API refusing a missing or forged session and cross-site or header-less
 * mutations, sign-out and sign-out everywhere.
 */
import { expect, test } from "@playwright/test";
import { account, signIn } from "./auth";
import { closeExtraContextsAfterEach } from "./extra-contexts";

closeExtraContextsAfterEach();

test("signed out, every page leads to sign-in; the form signs in and returns to the page asked for", async ({ page }) => {
  await page.goto("/keys?state=ACTIVE");
  await expect(page).toHaveURL(/\/sign-in\?next=%2Fkeys%3Fstate%3DACTIVE$/);
  await expect(page.getByTestId("demo-accounts")).toContainText("analyst@demo.qecnet");
  await page.getByTestId("sign-in-email").fill("analyst@demo.qecnet");
  await page.getByTestId("sign-in-password").fill("not the password");
  await page.getByTestId("sign-in-submit").click();
  await expect(page.getByTestId("sign-in-error")).toHaveText("Wrong email or password.");
  await page.getByTestId("demo-use-analyst-analyst").click();
  await page.getByTestId("sign-in-submit").click();
  await expect(page).toHaveURL(/\/keys\?state=ACTIVE$/);
  await expect(page.getByTestId("user-role")).toHaveText("analyst");
  await expect(page.getByTestId("nav-admin")).toHaveCount(0);

  await page.getByTestId("sign-out").click();
  await expect(page).toHaveURL(/\/sign-in$/);
  await page.goto("/audit");
  await expect(page).toHaveURL(/\/sign-in\?next=%2Faudit$/);
});

test("a hostile next never leaves the site: neither after signing in nor through the Continue link", async ({ page }) => {
  await page.goto("/sign-in?next=/%5Cevil.example/phish");
  await page.getByTestId("demo-use-analyst-analyst").click();
  await page.getByTestId("sign-in-submit").click();
  await expect(page).toHaveURL(/\/mesh$/);
  expect(new URL(page.url()).hostname).not.toBe("evil.example");
  for (const hostile of ["/%5Cevil.example/phish", "//evil.example", "/%2F%2Fevil.example", "https://evil.example", "javascript:alert(1)"]) {
    await page.goto(`/sign-in?next=${hostile}`);
    await expect(page.getByTestId("already-signed-in").getByRole("link", { name: "Continue" }), hostile).toHaveAttribute("href", "/mesh");
  }
});

test("a role below a page's rule gets 'not allowed' (403); the navigation only offers what the role may open", async ({ page }) => {
  await signIn(page, "viewer");
  await page.goto("/keys");
  await expect(page.getByTestId("key-row").first()).toBeVisible();
  await expect(page.getByTestId("nav-approvals")).toHaveCount(0);
  await expect(page.getByTestId("new-key-open")).toHaveCount(0);
  await page.goto("/audit");
  await expect(page.getByTestId("verify-not-allowed")).toBeVisible();
  const res = await page.goto("/admin");
  expect(res?.status()).toBe(403);
  await expect(page.getByTestId("forbidden")).toContainText("/admin");
  expect((await page.goto("/approvals"))?.status()).toBe(403);
});

test("the API refuses a missing or forged session, and mutations without the console's header or from another origin", async ({ playwright, baseURL }) => {
  const anon = await playwright.request.newContext({ baseURL });
  expect((await anon.get("/api/trpc/keys.list?input=%7B%22json%22%3A%7B%22limit%22%3A5%7D%7D")).status()).toBe(401);
  expect((await anon.get("/api/trpc/account.me", { headers: { cookie: "qecnet.session_token=forged.c2lnbmF0dXJl" } })).status()).toBe(401);
  const a = account("analyst");
  const signed = await playwright.request.newContext({ baseURL });
  expect((await signed.post("/api/auth/sign-in/email", { data: { email: a.email, password: a.password } })).status()).toBe(200);
  expect((await signed.get("/api/trpc/account.me")).status()).toBe(200);
  const verify = (headers: Record<string, string>) => signed.post("/api/trpc/audit.verify", { headers: { "content-type": "application/json", ...headers }, data: { json: null } });
  const noHeader = await verify({});
  expect(noHeader.status()).toBe(403);
  expect(await noHeader.text()).toContain("Cross-site request refused");
  expect((await verify({ "x-qecnet-csrf": "1", origin: "https://evil.example" })).status()).toBe(403);
  expect((await verify({ "x-qecnet-csrf": "1", "sec-fetch-site": "cross-site" })).status()).toBe(403);
  expect((await verify({ "x-qecnet-csrf": "1", origin: baseURL! })).status()).toBe(200);
  await anon.dispose();
  await signed.dispose();
});

test("guessing one account from many claimed addresses is throttled per account; a forged client-address stamp changes nothing", async ({ playwright, baseURL }) => {
  const anon = await playwright.request.newContext({ baseURL });
  const statuses: number[] = [];
  for (let i = 0; i < 12; i++) {
    const res = await anon.post("/api/auth/sign-in/email", {
      headers: { "x-forwarded-for": `203.0.113.${i}`, "x-qecnet-client-ip": `198.51.100.${i}`, "x-qecnet-client-ip-proof": "guessed" },
      data: { email: "nobody-e2e@demo.qecnet", password: `guess number ${i}` },
    });
    statuses.push(res.status());
  }
  // QECNET_SIGNIN_ACCOUNT_LIMIT defaults to 10 failures per 15 minutes, from any address.
  expect(statuses).toEqual([...Array(10).fill(401), 429, 429]);
  await anon.dispose();
});

test("sign out everywhere ends the sessions of the other browsers too", async ({ browser }) => {
  const one = await (await browser.newContext()).newPage();
  const two = await (await browser.newContext()).newPage();
  await signIn(one, "admin");
  await signIn(two, "admin");
  await two.goto("/audit");
  await expect(two.getByTestId("user-role")).toHaveText("admin");
  await one.goto("/mesh");
  await one.getByTestId("sign-out-everywhere").click();
  await expect(one).toHaveURL(/\/sign-in$/);
  await two.reload();
  await expect(two).toHaveURL(/\/sign-in\?next=%2Faudit$/);
  expect((await two.request.get("/api/trpc/account.me")).status()).toBe(401);
});
