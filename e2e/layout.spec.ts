/**
 * Every page of the console at 1280×800, 1920×1080 and 3840×2160 (e2e/page-layout.ts):
 * no horizontal overflow, the sidebar the full height, the heading on screen,
 * a screenshot of each in the report. The approval and incident pages are
 * checked where their workflows create them (workflow-approvals, workflow-recovery).
 */
import { expect, test } from "@playwright/test";
import { signIn } from "./auth";
import { expectLayoutAtEverySize } from "./page-layout";

const GRAPH = '[data-testid="mesh-graph"][data-rendered="true"]';

const PAGES: Array<{ path: string; ready: string; chrome?: boolean }> = [
  { path: "/mesh", ready: GRAPH },
  { path: "/mesh/explore", ready: GRAPH },
  { path: "/wall", ready: GRAPH, chrome: false },
  { path: "/keys", ready: '[data-testid="key-row"]' },
  { path: "/audit", ready: '[data-testid="audit-row"]' },
  { path: "/incidents", ready: "main h1" },
  { path: "/approvals", ready: "main h1" },
  { path: "/admin", ready: "main h1" },
  { path: "/account/security", ready: "main h1" },
  { path: "/forbidden", ready: "main h1" },
];

for (const p of PAGES) {
  test(`layout: ${p.path} at 1280×800, 1920×1080 and 3840×2160`, async ({ page }) => {
    test.setTimeout(90_000);
    await signIn(page, "admin");
    await expectLayoutAtEverySize(page, p.path, p.path, p.ready, { chrome: p.chrome ?? true });
  });
}

test("layout: a key's page at the three sizes", async ({ page }) => {
  test.setTimeout(90_000);
  await signIn(page, "admin");
  await page.goto("/keys");
  const href = await page.getByTestId("key-row").first().getByTestId("key-link").getAttribute("href");
  expect(href).toMatch(/^\/keys\/[0-9a-f-]{36}$/);
  await expectLayoutAtEverySize(page, "/keys/[id]", href!, "main h1");
});

test("layout: the sign-in page at the three sizes (no sidebar before signing in)", async ({ page }) => {
  test.setTimeout(90_000);
  await expectLayoutAtEverySize(page, "/sign-in", "/sign-in", "form", { chrome: false });
});
