/**
 * Incident focus on the wall screen during the scripted demo scenario, in
 * Chromium against `next start` on the seeded demo: when the incident opens
 * the wall frames the affected link's ends, rings the link and shows the
 * incident's timeline as it grows; when it resolves it says how long
 * integrity took, then returns to the whole mesh. Named to run after the
 * other specs: the scenario revokes and replaces keys.
 */
import { expect, test, type Page } from "@playwright/test";
import { signIn } from "./auth";
/** As long as the wall stays on a resolved incident (components/wall/incident-focus.tsx: RESOLVED_NOTICE_MS). */
const RESOLVED_NOTICE_MS = 20_000;

async function mutate(page: Page, path: string): Promise<void> {
  const res = await page.request.post(`/api/trpc/${path}`, { data: { json: null }, headers: { "x-qecnet-csrf": "1" } });
  expect(res.ok(), `${path}: ${await res.text()}`).toBe(true);
}

/** The graph's viewport once it has stopped moving (pans animate for 800 ms). */
async function settledViewport(page: Page): Promise<string | null> {
  const style = () => page.locator(".react-flow__viewport").getAttribute("style");
  let last = await style();
  for (let i = 0; i < 20; i++) {
    await page.waitForTimeout(500);
    const now = await style();
    if (now === last) return now;
    last = now;
  }
  return last;
}

test("the wall follows the demo incident: focus, ring, timeline, time to integrity, back to the whole mesh", async ({ page }) => {
  test.setTimeout(180_000);
  await page.setViewportSize({ width: 1920, height: 1080 });
  await signIn(page, "viewer");
  await page.goto("/wall");
  const graph = page.getByTestId("mesh-graph");
  await expect(graph).toHaveAttribute("data-rendered", "true");
  // A demo incident an earlier spec resolved moments ago is still shown for RESOLVED_NOTICE_MS (20 s): wait it out,
  // and for the pan back to the whole mesh to end.
  await expect(graph).not.toHaveAttribute("data-focus", /./, { timeout: 45_000 });
  const wholeMesh = await settledViewport(page);

  await mutate(page, "incidents.startDemo");
  const card = page.getByTestId("wall-incident");
  await expect(card).toBeVisible({ timeout: 60_000 });
  const ringed = page.locator('[data-testid="mesh-edge"][data-incident="true"]');
  await expect(ringed.first()).toBeAttached();
  const linkId = (await ringed.first().getAttribute("data-link-id"))!;
  await expect(graph).toHaveAttribute("data-focus", /./);
  // The view moved in on the incident (another transform than the whole mesh's).
  await expect.poll(() => page.locator(".react-flow__viewport").getAttribute("style")).not.toBe(wholeMesh);
  await expect(page.getByTestId("wall-incident-timeline").locator('[data-step="DETECTED"]')).toBeVisible();
  await expect(page.locator('[data-testid="wall-feed-item"][data-severity="critical"]').first()).toBeVisible();

  await expect(card).toHaveAttribute("data-status", "RESOLVED", { timeout: 90_000 });
  await expect(page.getByTestId("wall-incident-integrity")).toContainText("Integrity restored in");
  await expect(page.getByTestId("wall-incident-timeline").locator('[data-step="VERIFIED"]')).toBeVisible();
  expect(linkId).toBeTruthy();

  // Then back to the whole mesh.
  await expect(card).toHaveCount(0, { timeout: RESOLVED_NOTICE_MS + 10_000 });
  await expect(graph).not.toHaveAttribute("data-focus", /./);
  await expect.poll(() => page.locator(".react-flow__viewport").getAttribute("style"), { timeout: 5_000 }).toBe(wholeMesh);

  await mutate(page, "incidents.endDemo");
});
