/**
 * A link's charts in Chromium against `next start` on the seeded demo: the
 * QBER and key pool charts (recharts) draw a line through the link's samples,
 * name their latest value for screen readers, grow as the live stream appends
 * the simulation's samples (every 5 s), and the panel stays axe-clean.
 */
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { signIn } from "./auth";
import type { MeshStateView } from "../server/domain/mesh/mesh-views";

async function meshState(page: Page): Promise<MeshStateView> {
  const res = await page.request.get("/api/trpc/mesh.state");
  expect(res.ok()).toBe(true);
  return ((await res.json()) as { result: { data: { json: MeshStateView } } }).result.data.json;
}

/** How many points the drawn line goes through (its path's move and line commands). */
async function linePoints(page: Page, testId: string, curve: string): Promise<number> {
  const d = (await page.getByTestId(testId).locator(curve).first().getAttribute("d")) ?? "";
  return (d.match(/[ML]/g) ?? []).length;
}

test("a link's QBER and pool charts draw its samples, say their latest values and grow with the live stream", async ({ page }) => {
  await signIn(page, "viewer");
  const state = await meshState(page);
  const link = state.links.find((l) => l.status !== "DOWN" && l.kind === "FIBRE")!;
  await page.goto(`/mesh?link=${encodeURIComponent(link.id)}`);
  await expect(page.getByTestId("mesh-panel")).toHaveAttribute("data-subject", `link:${link.id}`);

  // The simulation samples every link every 5 s: a fresh demo has a trend within seconds.
  const qber = page.getByTestId("qber-chart");
  await expect(qber).toBeVisible({ timeout: 20_000 });
  const pool = page.getByTestId("pool-chart");
  await expect(pool).toBeVisible();
  const points = Number(await qber.getAttribute("data-points"));
  expect(points).toBeGreaterThanOrEqual(2);
  await expect.poll(() => linePoints(page, "qber-chart", ".recharts-line-curve")).toBeGreaterThanOrEqual(2);
  await expect.poll(() => linePoints(page, "pool-chart", ".recharts-area-curve")).toBeGreaterThanOrEqual(2);

  // Text alternatives: one image each, named with the latest value, nothing focusable inside.
  await expect(qber).toHaveAttribute("role", "img");
  await expect(qber).toHaveAttribute("aria-label", /QBER over the last 30 minutes: now \d+\.\d%/);
  await expect(pool).toHaveAttribute("aria-label", /Key pool level over the last 30 minutes: now \d+%/);
  const now = (await page.getByTestId("qber-now").textContent())!.match(/now (\d+\.\d%)/)![1]!;
  expect(await qber.getAttribute("aria-label")).toContain(`now ${now}`);
  expect(await qber.evaluate((el) => el.querySelectorAll('[tabindex]:not([tabindex="-1"])').length)).toBe(0);

  // The live stream appends the next sample to the cached data: the chart grows without a reload.
  await expect.poll(async () => Number(await qber.getAttribute("data-points")), { timeout: 20_000 }).toBeGreaterThan(points);

  const axe = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  expect(axe.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(" | ")}`)).toEqual([]);
});
