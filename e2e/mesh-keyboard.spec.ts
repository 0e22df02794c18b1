/**
 * The mesh graph by keyboard, in Chromium against `next start` on the seeded
 * demo: the graph is one tab stop (no node or link is a tab stop of its own),
 * arrow keys move a visible focus ring to the nearest node that way (checked
 * against the same geometry, graph-keyboard.ts, on the API's positions), the
 * focused node is announced, Enter opens its panel, Esc closes it and focus
 * returns to the graph, with no serious axe violation while the ring shows.
 * Shift+arrow crosses to a link and arrows walk the links, each announced and
 * opened with Enter like a node.
 */
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { signIn } from "./auth";
import type { MeshStateView } from "../server/domain/mesh/mesh-views";
import { moveFocus, nearestInDirection, type ArrowKey, type GraphFocus } from "../components/graph/graph-keyboard";

async function meshState(page: Page): Promise<MeshStateView> {
  const res = await page.request.get("/api/trpc/mesh.state");
  expect(res.ok()).toBe(true);
  return ((await res.json()) as { result: { data: { json: MeshStateView } } }).result.data.json;
}

async function keyboardNode(page: Page): Promise<string> {
  await expect(page.getByTestId("mesh-graph")).toHaveAttribute("data-keyboard-node", /./);
  return (await page.getByTestId("mesh-graph").getAttribute("data-keyboard-node"))!;
}

test("the graph is one tab stop: arrows move a visible focus between nodes, Enter opens the panel, Esc gives focus back", async ({ page }) => {
  await signIn(page, "viewer");
  const state = await meshState(page);
  const byId = new Map(state.nodes.map((n) => [n.id, n]));
  await page.goto("/mesh");
  const graph = page.getByTestId("mesh-graph");
  await expect(graph).toHaveAttribute("data-rendered", "true");

  // No node, link or link label is a tab stop of its own.
  const stops = await graph.locator(".react-flow__viewport").evaluate((el) => el.querySelectorAll('[tabindex]:not([tabindex="-1"]), a[href], input, select').length);
  expect(stops).toBe(0);

  // One Tab from the toolbar reaches the graph, which shows and announces a focused node.
  await page.getByTestId("mesh-jump").focus();
  await page.keyboard.press("Tab");
  const canvas = page.getByTestId("mesh-graph-canvas");
  await expect(canvas).toBeFocused();
  let at = await keyboardNode(page);
  const ring = page.locator(`[data-testid="mesh-node"][data-node-id="${at}"]`);
  await expect(ring).toHaveAttribute("data-keyboard-focus", "true");
  expect(await ring.evaluate((el) => getComputedStyle(el).outlineStyle)).toBe("dashed");
  await expect(page.getByTestId("mesh-graph-announcer")).toContainText(byId.get(at)!.name);
  await expect(page.locator('[data-testid="mesh-node"][data-keyboard-focus="true"]')).toHaveCount(1);

  // Each arrow moves to the nearest node that way (or stays put when there is none).
  const points = state.nodes.map((n) => ({ id: n.id, x: n.x, y: n.y }));
  const keys: ArrowKey[] = ["ArrowRight", "ArrowDown", "ArrowLeft", "ArrowUp", "ArrowRight", "ArrowRight", "ArrowUp"];
  let moved = 0;
  for (const key of keys) {
    const expected = nearestInDirection(points.find((p) => p.id === at)!, points, key) ?? at;
    await page.keyboard.press(key);
    await expect(graph).toHaveAttribute("data-keyboard-node", expected);
    if (expected !== at) moved++;
    at = expected;
    await expect(page.getByTestId("mesh-graph-announcer")).toContainText(byId.get(at)!.name);
    await expect(page.locator(`[data-testid="mesh-node"][data-node-id="${at}"]`)).toHaveAttribute("data-keyboard-focus", "true");
  }
  expect(moved).toBeGreaterThan(2);
  await expect(canvas).toBeFocused(); // arrows never leave the graph

  const axe = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  expect(axe.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id)).toEqual([]);

  // Enter opens the focused node's panel, as a click does; Esc closes it and focus returns to the graph, on the same node.
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("mesh-panel-title")).toHaveText(byId.get(at)!.name);
  await expect(page).toHaveURL(new RegExp(`[?&]node=${at}`));
  await page.keyboard.press("Escape");
  await expect(page.getByTestId("mesh-panel")).toHaveCount(0);
  await expect(canvas).toBeFocused();
  await expect(graph).toHaveAttribute("data-keyboard-node", at);

  // The next Tab leaves the graph for its zoom controls, not for a node or a link.
  await page.keyboard.press("Tab");
  await expect(canvas).not.toBeFocused();
  expect(await page.evaluate(() => !!document.activeElement?.closest(".react-flow__node, .react-flow__edge, .react-flow__edgelabel-renderer"))).toBe(false);
  await expect(page.locator('[data-testid="mesh-node"][data-keyboard-focus="true"]')).toHaveCount(0); // no ring without focus
});

test("links by keyboard: Shift+arrow crosses from a node to its link, arrows walk the links, Enter opens the link, Shift+arrow returns to a node", async ({ page }) => {
  await signIn(page, "viewer");
  const state = await meshState(page);
  const nodes = state.nodes.map((n) => ({ id: n.id, x: n.x, y: n.y }));
  const links = state.links.map((l) => ({ id: l.id, a: l.aNodeId, b: l.bNodeId }));
  const names = new Map(state.nodes.map((n) => [n.id, n.name]));
  await page.goto("/mesh");
  const graph = page.getByTestId("mesh-graph");
  await expect(graph).toHaveAttribute("data-rendered", "true");
  const canvas = page.getByTestId("mesh-graph-canvas");
  await canvas.focus();
  await page.keyboard.press("ArrowRight"); // the first key shows the ring on a node
  let at: GraphFocus = { kind: "node", id: await keyboardNode(page) };

  // Cross to one of this node's links: try each direction until one has a link (the expected one from the same geometry).
  let crossed = false;
  for (const key of ["ArrowRight", "ArrowDown", "ArrowLeft", "ArrowUp"] as ArrowKey[]) {
    const expected = moveFocus(at, nodes, links, key, true);
    if (!expected) continue;
    await page.keyboard.press(`Shift+${key}`);
    await expect(graph).toHaveAttribute("data-keyboard-link", expected.id);
    await expect(graph).not.toHaveAttribute("data-keyboard-node", /./);
    at = expected;
    crossed = true;
    break;
  }
  expect(crossed, "the focused node has a link in some direction").toBe(true);
  const edge = () => page.locator(`[data-testid="mesh-edge"][data-link-id="${at.id}"]`);
  await expect(edge()).toHaveAttribute("data-keyboard-focus", "true");
  await expect(page.locator('[data-testid="mesh-edge"][data-keyboard-focus="true"]')).toHaveCount(1);
  const link = state.links.find((l) => l.id === at.id)!;
  await expect(page.getByTestId("mesh-graph-announcer")).toContainText(names.get(link.aNodeId)!);
  await expect(page.getByTestId("mesh-graph-announcer")).toContainText(names.get(link.bNodeId)!);

  // Plain arrows walk from link to link, as the geometry says.
  let walked = 0;
  for (const key of ["ArrowRight", "ArrowDown", "ArrowLeft", "ArrowUp"] as ArrowKey[]) {
    const expected = moveFocus(at, nodes, links, key, false) ?? at;
    await page.keyboard.press(key);
    await expect(graph).toHaveAttribute("data-keyboard-link", expected.id);
    if (expected.id !== at.id) walked++;
    at = expected;
  }
  expect(walked).toBeGreaterThan(0);

  // Enter opens the focused link's panel; Esc closes it and the same link keeps the focus.
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(new RegExp(`[?&]link=${at.id}`));
  await expect(page.getByTestId("mesh-panel")).toBeVisible();
  await expect(page.getByTestId("mesh-panel-title")).toBeFocused(); // the panel is ready for keys
  await page.keyboard.press("Escape");
  await expect(page.getByTestId("mesh-panel")).toHaveCount(0);
  await expect(canvas).toBeFocused();
  await expect(graph).toHaveAttribute("data-keyboard-link", at.id);

  // Shift+arrow goes back to the link's end that way.
  const ends = state.links.find((l) => l.id === at.id)!;
  let back = false;
  for (const key of ["ArrowRight", "ArrowDown", "ArrowLeft", "ArrowUp"] as ArrowKey[]) {
    const expected = moveFocus(at, nodes, links, key, true);
    if (!expected) continue;
    expect([ends.aNodeId, ends.bNodeId]).toContain(expected.id);
    await page.keyboard.press(`Shift+${key}`);
    await expect(graph).toHaveAttribute("data-keyboard-node", expected.id);
    back = true;
    break;
  }
  expect(back).toBe(true);
});
