/**
 * Accessibility as an outside tester measures it: axe-core (WCAG 2.1 A and AA
 * rules) in Chromium on the console's main pages and panels, against `next
 * start` on the seeded demo. Expected: no serious or critical violation.
 * Each failure lists the rule and the elements, so the fix is findable.
 */
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { signIn } from "./auth";

const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

async function seriousViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).slice(0, 6).join(" | ")}`);
}

const PAGES: Array<{ path: string; ready: string }> = [
  { path: "/mesh", ready: '[data-testid="mesh-graph"][data-rendered="true"]' },
  { path: "/wall", ready: '[data-testid="mesh-graph"][data-rendered="true"]' },
  { path: "/mesh/explore", ready: '[data-testid="mesh-graph"][data-rendered="true"]' },
  { path: "/keys", ready: '[data-testid="key-row"]' },
  { path: "/incidents", ready: "main h1" },
  { path: "/approvals", ready: "main h1" },
  { path: "/audit", ready: '[data-testid="audit-row"]' },
  { path: "/admin", ready: "main h1" },
];

for (const p of PAGES) {
  test(`axe: ${p.path} has no serious or critical violations`, async ({ page }) => {
    await signIn(page, "admin");
    await page.goto(p.path);
    await page.locator(p.ready).first().waitFor();
    expect(await seriousViolations(page)).toEqual([]);
  });
}

test("axe: a key page and the mesh's node panel have no serious or critical violations", async ({ page }) => {
  await signIn(page, "admin");
  await page.goto("/keys");
  await page.getByTestId("key-row").first().locator("a").first().click();
  await expect(page).toHaveURL(/\/keys\/.+/);
  await page.locator("main h1").first().waitFor();
  expect(await seriousViolations(page)).toEqual([]);

  await page.goto("/mesh");
  await page.locator('[data-testid="mesh-graph"][data-rendered="true"]').waitFor();
  await page.getByTestId("mesh-node").first().click();
  await expect(page).toHaveURL(/node=/);
  expect(await seriousViolations(page)).toEqual([]);
});

test("the shortcuts dialog: axe-clean, Esc closes it and focus returns", async ({ page }) => {
  await signIn(page, "viewer");
  await page.goto("/keys");
  await page.locator("main h1").first().waitFor();
  // The heading is server-rendered: the shortcut listener exists only once the page has hydrated, so press until it
  // answers ("?" opens the list, never toggles it, so a second press is harmless). Seen failing in a full run.
  await expect(async () => {
    await page.keyboard.press("?");
    await expect(page.getByTestId("shortcuts-help")).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  expect(await seriousViolations(page)).toEqual([]);
  await page.keyboard.press("Escape");
  await expect(page.getByTestId("shortcuts-help")).toHaveCount(0);
});

test("the revocation request: axe-clean with its preview, the preview graph out of the tab order, Esc closes it and focus returns", async ({ page }) => {
  await signIn(page, "analyst");
  await page.goto("/keys");
  await page.locator('[data-testid="key-row"][data-state="ACTIVE"]').first().getByTestId("key-link").click();
  const opener = page.getByTestId("request-REVOCATION");
  await opener.click();
  await expect(page.getByTestId("impact-graph")).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
  // From the button, a few Tabs reach the justification: the preview graph has no tab stops.
  expect(await page.getByTestId("impact-graph").evaluate((el) => el.querySelectorAll('[tabindex]:not([tabindex="-1"]), a[href], button').length === 0 || el.hasAttribute("inert"))).toBe(true);
  await opener.focus();
  let reached = false;
  for (let i = 0; i < 8 && !reached; i++) {
    await page.keyboard.press("Tab");
    reached = await page.getByTestId("request-justification-input").evaluate((el) => el === document.activeElement);
  }
  expect(reached).toBe(true);
  await page.keyboard.press("Escape");
  await expect(page.getByTestId("request-form")).toHaveCount(0);
  await expect(opener).toBeFocused();
});

test("the mesh side panel gives focus back to the graph that opened it", async ({ page }) => {
  await signIn(page, "viewer");
  await page.goto("/mesh");
  await page.locator('[data-testid="mesh-graph"][data-rendered="true"]').waitFor();
  const graph = page.getByTestId("mesh-graph-canvas");
  await graph.focus();
  await page.keyboard.press("ArrowRight"); // shows the focus ring on a node
  await expect(page.getByTestId("mesh-graph")).toHaveAttribute("data-keyboard-node", /./);
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("mesh-panel")).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(page.getByTestId("mesh-panel")).toHaveCount(0);
  await expect(graph).toBeFocused();
});
