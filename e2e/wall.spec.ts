/**
 * The wall screen in Chromium against `next start` on a freshly seeded demo
 * (scripts/e2e-server.ts): the mesh over the whole viewport with no console
 * chrome, readable names at whole-mesh zoom, no link label under any card (a
 * geometric check on the rendered boxes), the live event feed showing a
 * committed change within 2 s, the keyboard shortcuts, and the sidebar
 * running the full height of long pages. Incident focus during the demo
 * scenario is in workflow-wall-focus.spec.ts (it changes keys, so it runs last).
 */
import { expect, test, type Page } from "@playwright/test";
import { signIn } from "./auth";

async function mutate<T>(page: Page, path: string, input: unknown): Promise<T> {
  const res = await page.request.post(`/api/trpc/${path}`, { data: { json: input }, headers: { "x-qecnet-csrf": "1" } });
  expect(res.ok(), `${path}: ${await res.text()}`).toBe(true);
  return ((await res.json()) as { result: { data: { json: T } } }).result.data.json;
}

async function openWall(page: Page) {
  await page.goto("/wall");
  await expect(page.getByTestId("mesh-graph")).toHaveAttribute("data-rendered", "true");
  await expect(page.getByTestId("mesh-graph")).toHaveAttribute("data-wall", "true");
}

/** Rendered boxes of every card and every link label, and the pairs that overlap. */
async function labelsUnderCards(page: Page) {
  return page.evaluate(() => {
    const rect = (el: Element) => el.getBoundingClientRect();
    const cards = [...document.querySelectorAll('[data-testid="mesh-node"]')].map((el) => ({ id: el.getAttribute("data-node-id"), r: rect(el) }));
    const labels = [...document.querySelectorAll('[data-testid="mesh-edge-label"]')].map((el) => ({ id: el.getAttribute("data-link-id"), r: rect(el) }));
    const hits: string[] = [];
    for (const l of labels) {
      for (const c of cards) {
        const overlap = l.r.left < c.r.right && c.r.left < l.r.right && l.r.top < c.r.bottom && c.r.top < l.r.bottom;
        if (overlap) hits.push(`${l.id} under ${c.id}`);
      }
    }
    return { cards: cards.length, labels: labels.length, hits };
  });
}

for (const size of [{ width: 3840, height: 2160 }, { width: 1920, height: 1080 }, { width: 1280, height: 800 }]) {
  test(`a viewer's wall at ${size.width}×${size.height}: the whole mesh, names readable, no label under a card, no chrome`, async ({ page }) => {
    await page.setViewportSize(size);
    await signIn(page, "viewer");
    await openWall(page);
    await expect(page.getByTestId("sidebar")).toHaveCount(0);
    await expect(page.getByTestId("brand")).toHaveCount(0);
    const graph = (await page.getByTestId("mesh-graph").boundingBox())!;
    expect(graph.width).toBeGreaterThanOrEqual(size.width - 1);
    expect(graph.height).toBeGreaterThanOrEqual(size.height - 1);
    await expect(page.getByTestId("wall-figures")).toBeVisible();
    await expect(page.getByTestId("wall-figure-nodes")).toContainText("/24");

    // Whole-mesh zoom: every node of the demo on screen, its name in type at least 16 px high.
    const nodes = page.getByTestId("mesh-node");
    await expect(nodes).toHaveCount(24);
    const nameHeights = await nodes.evaluateAll((els) =>
      els.map((el) => {
        const name = [...el.querySelectorAll("span")].find((s) => s.textContent && s.className.includes("font-bold"));
        return name ? name.getBoundingClientRect().height : 0;
      }),
    );
    for (const h of nameHeights) expect(h).toBeGreaterThanOrEqual(16);
    for (const box of await nodes.evaluateAll((els) => els.map((e) => e.getBoundingClientRect().toJSON() as DOMRect))) {
      expect(box.left).toBeGreaterThanOrEqual(0);
      expect(box.right).toBeLessThanOrEqual(size.width);
    }

    const { labels, hits } = await labelsUnderCards(page);
    expect(hits).toEqual([]);
    // Link health is on screen in words and figures, not only as line colours.
    if (size.width >= 1920) expect(labels).toBeGreaterThan(0);
  });
}

test("the feed shows a committed change within 2 s, in SOC words with its severity written out", async ({ page }) => {
  await signIn(page, "officer1");
  await openWall(page);
  await expect(page.getByTestId("wall-view")).toHaveAttribute("data-live", "live");
  await expect(page.getByTestId("wall-feed-item").first()).toBeVisible();
  const endpoints = await page.request.get("/api/trpc/mesh.state").then(async (r) => {
    const state = ((await r.json()) as { result: { data: { json: { nodes: Array<{ id: string; role: string; status: string }> } } } }).result.data.json;
    return state.nodes.filter((n) => n.role === "ENDPOINT" && n.status === "ONLINE").slice(0, 2).map((n) => n.id);
  });
  const key = await mutate<{ id: string }>(page, "keys.create", { label: "e2e-wall-feed", purpose: "wall feed check", participants: endpoints });
  const committed = Date.now();
  const item = page.locator(`[data-testid="wall-feed-item"][data-action="KEY_GENERATED"]`).filter({ hasText: key.id });
  await expect(item).toBeVisible({ timeout: 2_000 });
  expect(Date.now() - committed).toBeLessThan(2_000);
  await expect(item).toContainText("Key generated");
  await expect(item).toHaveAttribute("data-severity", "info");
  await expect(item).toContainText("Info");
});

test("keyboard: ? lists the shortcuts, Esc closes and gives focus back, / finds a node, w toggles the wall, f goes full screen", async ({ page }) => {
  await signIn(page, "viewer");
  await page.goto("/mesh");
  await expect(page.getByTestId("mesh-graph")).toHaveAttribute("data-rendered", "true");

  const opener = page.getByTestId("explore-link");
  await opener.focus();
  await page.keyboard.press("?");
  const help = page.getByTestId("shortcuts-help");
  await expect(help).toBeVisible();
  for (const k of ["f", "w", "/", "?", "Esc"]) await expect(help.locator("kbd", { hasText: new RegExp(`^${k.replace(/[?/]/g, "\\$&")}$`) })).toHaveCount(1);
  await page.keyboard.press("Escape");
  await expect(help).toHaveCount(0);
  await expect(opener).toBeFocused();

  await page.keyboard.press("/");
  const search = page.getByTestId("shortcut-search");
  await expect(search).toBeVisible();
  await expect(page.getByTestId("shortcut-search-input")).toBeFocused();
  await page.keyboard.type("w"); // typing in the field is not a shortcut
  await expect(page).toHaveURL(/\/mesh$/);
  await page.getByTestId("shortcut-search-input").fill("Hub");
  await expect(page.getByTestId("search-result-node").first()).toBeVisible();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/mesh\?node=/);
  await expect(search).toHaveCount(0);

  await page.locator("body").click({ position: { x: 5, y: 5 } });
  await page.keyboard.press("w");
  await expect(page).toHaveURL(/\/wall$/);
  await expect(page.getByTestId("wall-view")).toBeVisible();
  await page.keyboard.press("f");
  await expect.poll(() => page.evaluate(() => document.fullscreenElement !== null)).toBe(true);
  await page.keyboard.press("f");
  await expect.poll(() => page.evaluate(() => document.fullscreenElement !== null)).toBe(false);
  await page.keyboard.press("w");
  await expect(page).toHaveURL(/\/mesh$/);
});

test("the sidebar runs the whole height of a long page", async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await signIn(page, "viewer");
  await page.goto("/audit");
  await expect(page.getByTestId("audit-row").first()).toBeVisible();
  const { sidebar, page: pageHeight } = await page.evaluate(() => ({
    sidebar: document.querySelector('[data-testid="sidebar"]')!.getBoundingClientRect().height,
    page: document.documentElement.scrollHeight,
  }));
  expect(pageHeight).toBeGreaterThan(800); // a long page indeed
  expect(sidebar).toBeGreaterThanOrEqual(pageHeight - 1);
});
