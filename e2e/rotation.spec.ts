/**
 * Rotation in the browser: an officer rotates a key on the demo mesh; the
 * replacement is distributed by the durable rotation job, the Rotation panel
 * shows each participant's receipt and the overlap countdown (standard policy;
 * its overlap is read from the API, since an administrator may have edited it,
 * as e2e/policies.spec.ts does), and the Keys page sums it up in the key's row; with the short-lived policy (no overlap) the old key is
 * RETIRED by itself and its page says when it will be destroyed.
 */
import { expect, test, type Page } from "@playwright/test";

async function overlapSecondsOf(page: Page, policy: string): Promise<number> {
  const res = await page.request.get("/api/trpc/keys.policies");
  expect(res.ok()).toBe(true);
  const list = ((await res.json()) as { result: { data: { json: Array<{ name: string; overlapSeconds: number }> } } }).result.data.json;
  const p = list.find((x) => x.name === policy);
  if (!p) throw new Error(`no policy ${policy}`);
  return p.overlapSeconds;
}
import { signIn } from "./auth";

test.beforeEach(async ({ page }) => {
  await signIn(page, "officer1");
});

async function activeKey(page: Page, label: string, policy: string): Promise<void> {
  await page.goto("/keys");
  // The visible one: a hidden copy of the Keys page's content can be in the DOM too (seen in CI: two buttons, one shown).
  await page.getByTestId("new-key-open").filter({ visible: true }).click();
  await page.getByTestId("new-key-label").fill(label);
  await page.getByTestId("new-key-purpose").fill("Rotation browser test");
  await page.getByTestId("new-key-policy").selectOption(policy);
  await page.locator('[data-testid="new-key-participant"][data-node-id="ep-bank"]').check();
  await page.locator('[data-testid="new-key-participant"][data-node-id="ep-grid"]').check();
  await page.getByTestId("new-key-submit").click();
  await expect(page.getByTestId("key-state")).toContainText("GENERATED");
  await page.getByTestId("action-DISTRIBUTE").click();
  await expect(page.getByTestId("key-state")).toContainText("ACTIVE");
}

async function rotate(page: Page, reason: string): Promise<void> {
  await page.getByTestId("action-BEGIN_ROTATION").click();
  await page.getByTestId("reason-input").fill(reason);
  await page.getByTestId("action-confirm").click();
}

test("an ACTIVE key's panel shows the next scheduled rotation and usage; rotating it shows every participant's receipt and the overlap countdown", async ({ page }) => {
  await activeKey(page, "e2e-rotation-standard", "standard");
  const panel = page.getByTestId("rotation-panel");
  await expect(panel.getByTestId("next-rotation")).toContainText(/Next scheduled rotation (in 2[34] hr|tomorrow)/);
  await expect(panel.getByTestId("usage")).toContainText("of 1,000,000");

  await rotate(page, "browser test");
  await expect(page.getByTestId("key-state")).toContainText("ROTATING");
  await expect(panel.getByTestId("rotation-reason")).toHaveText("operator request: browser test");
  // The replacement is distributed by the rotation job; the panel follows live.
  await expect(panel.getByTestId("successor-state")).toHaveText("ACTIVE", { timeout: 20_000 });
  await expect(panel.locator('[data-testid="rotation-receipt"][data-confirmed="true"]')).toHaveCount(2);
  const countdown = panel.getByTestId("overlap-countdown");
  const overlap = await overlapSecondsOf(page, "standard");
  expect(overlap).toBeGreaterThan(60);
  await expect(countdown).toContainText(/^\d+ min \d\d s$/);
  const first = Number(await countdown.getAttribute("data-seconds-left"));
  expect(first).toBeLessThanOrEqual(overlap);
  expect(first).toBeGreaterThan(overlap - 60);
  await expect.poll(async () => Number(await countdown.getAttribute("data-seconds-left"))).toBeLessThan(first);
  await expect(page.getByTestId("key-state")).toContainText("ROTATING"); // usable during the overlap

  // The Keys page shows the same at a glance, under the rotating key's state.
  await page.goto("/keys");
  const row = page.locator('[data-testid="key-row"][data-state="ROTATING"]', { hasText: "e2e-rotation-standard" });
  await expect(row.getByTestId("key-rotation-summary")).toHaveAttribute("data-successor-state", "ACTIVE");
  await expect(row.getByTestId("key-rotation-summary")).toContainText(/replacement ACTIVE · overlap ends in \d+ min/);
});

test("with no overlap (short-lived policy) the old key is RETIRED by itself once the replacement is ACTIVE", async ({ page }) => {
  await activeKey(page, "e2e-rotation-short", "short-lived");
  await rotate(page, "no overlap");
  await expect(page.getByTestId("key-state")).toContainText("RETIRED", { timeout: 20_000 });
  await expect(page.getByTestId("rotation-panel").getByTestId("destroy-at")).toContainText("7 days retention");
  const html = await page.content();
  expect(html).not.toMatch(/materialCiphertext|materialNonce|receiptMac/);
});
