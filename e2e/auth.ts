/**
 * Signing in for browser tests, as the demo accounts the e2e database is seeded
 * with (server/demo/demo-users.ts). `signIn` goes through better-auth's endpoint
 * with the page's own cookie jar (fast); the sign-in form itself is tested in
 * e2e/auth.spec.ts.
 */
import { expect, type Page } from "@playwright/test";
import { DEMO_ACCOUNTS } from "../server/demo/demo-users";

export type DemoUser = "viewer" | "analyst" | "officer1" | "officer2" | "admin";

export function account(who: DemoUser) {
  const a = DEMO_ACCOUNTS.find((x) => x.email.startsWith(`${who}@`));
  if (!a) throw new Error(`no demo account ${who}`);
  return a;
}

export async function signIn(page: Page, who: DemoUser): Promise<void> {
  const a = account(who);
  const res = await page.request.post("/api/auth/sign-in/email", { data: { email: a.email, password: a.password } });
  expect(res.status(), `sign-in as ${who}`).toBe(200);
}
