/**
 * The Keys page's chart of key states over the last six hours, against the
 * seeded demo: it draws from the audit chain (trends.keyStates), its text
 * alternative names today's counts, which agree with the API's counts, a
 * state's line switches off and on, and the chart is re-read on its slow poll,
 * not on every live key event.
 */
import { expect, test } from "@playwright/test";
import { signIn } from "./auth";

interface History { points: Array<{ at: string; counts: Record<string, number> }>; complete: boolean }

test("key states over six hours: lines per state, today's counts in words, lines switch off and on", async ({ page }) => {
  await signIn(page, "viewer");
  const res = await page.request.get(`/api/trpc/trends.keyStates?input=${encodeURIComponent(JSON.stringify({ json: { hours: 6 } }))}`);
  expect(res.ok()).toBe(true);
  const history = ((await res.json()) as { result: { data: { json: History } } }).result.data.json;
  expect(history.points).toHaveLength(73);
  const latest = history.points[history.points.length - 1]!.counts;
  expect(latest.ACTIVE).toBeGreaterThan(0); // the demo has active keys

  await page.goto("/keys");
  const chart = page.getByTestId("key-state-chart");
  await expect(chart).toHaveAttribute("data-status", "ready");
  await expect(chart).toHaveAttribute("data-points", "73");
  const image = page.getByTestId("key-state-chart-image");
  await expect(image).toHaveAttribute("aria-label", new RegExp(`now .*\\d+ active`));
  // Lines drawn for the states switched on (five at first: not revoked, not destroyed).
  await expect(image.locator(".recharts-line")).toHaveCount(5);
  await page.getByTestId("key-state-line-ACTIVE").click();
  await expect(page.getByTestId("key-state-line-ACTIVE")).toHaveAttribute("aria-pressed", "false");
  await expect(image.locator(".recharts-line")).toHaveCount(4);
  await page.getByTestId("key-state-line-DESTROYED").click();
  await expect(image.locator(".recharts-line")).toHaveCount(5);

  // Out of range hours are a 400 with a message, not a 500.
  const bad = await page.request.get(`/api/trpc/trends.keyStates?input=${encodeURIComponent(JSON.stringify({ json: { hours: 99 } }))}`);
  expect(bad.status()).toBe(400);
  expect(await bad.text()).toContain("at most 24 hours");
});
