/**
 * The live mesh in Chromium against `next start` on a freshly seeded demo
 * (scripts/e2e-server.ts): the graph draws what the API says, an isolation in
 * one browser reaches another by live push (its polling is paused), a node's
 * panel opens, survives a reload and closes with Esc, a link's panel shows its
 * figures, the add-link form checks its input, and a generated 500-node mesh
 * renders on the explore page. Counts come from the API, never hard-coded.
 * Each test signs in as the role its actions need (server/domain/access/permissions.ts).
 */
import { expect, test, type APIRequestContext, type Browser, type Page } from "@playwright/test";
import { signIn, type DemoUser } from "./auth";
import type { MeshStateView } from "../server/domain/mesh/mesh-views";
import { planIsolation } from "../server/mesh/rewiring/rewire";
import type { Mesh } from "../server/domain/mesh/mesh-model";
import { closeExtraContextsAfterEach } from "./extra-contexts";

closeExtraContextsAfterEach();

async function meshState(request: APIRequestContext): Promise<MeshStateView> {
  const res = await request.get("/api/trpc/mesh.state");
  expect(res.ok()).toBe(true);
  // superjson envelope; the fields read here are plain JSON.
  return ((await res.json()) as { result: { data: { json: MeshStateView } } }).result.data.json;
}

async function mutate<T>(request: APIRequestContext, path: string, input: unknown): Promise<T> {
  // The console's own requests carry the CSRF header (server/domain/access/csrf.ts); so does this one.
  const res = await request.post(`/api/trpc/${path}`, { data: { json: input }, headers: { "x-qecnet-csrf": "1" } });
  expect(res.ok(), `${path}: ${await res.text()}`).toBe(true);
  return ((await res.json()) as { result: { data: { json: T } } }).result.data.json;
}

function asMesh(state: MeshStateView): Mesh {
  return { nodes: new Map(state.nodes.map((n) => [n.id, n])), links: new Map(state.links.map((l) => [l.id, l])) };
}

/** An online relay whose isolation needs at least one bypass and strands nobody, by the server's own (pure) planner. */
function relayThatRewires(state: MeshStateView, exclude: string[] = []) {
  const mesh = asMesh(state);
  for (const n of state.nodes) {
    if (n.role !== "RELAY" || n.status !== "ONLINE" || exclude.includes(n.id)) continue;
    const plan = planIsolation(mesh, n.id, "ISOLATED", "e2e");
    if (plan.newLinks.length > 0 && plan.stranded.length === 0) return n;
  }
  throw new Error("the demo mesh has no relay whose isolation needs a bypass");
}

async function pageAs(browser: Browser, who: DemoUser): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await signIn(page, who);
  return page;
}

const nodeOnGraph = (page: Page, id: string) => page.locator(`[data-testid="mesh-node"][data-node-id="${id}"]`);

/** Polling only runs while the tab is visible: hide it, and only the live push can update the view. */
async function pausePolling(page: Page) {
  await page.evaluate(() => {
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "hidden" });
    document.dispatchEvent(new Event("visibilitychange"));
  });
}

test("the graph draws every node and link of the mesh with the API's status and health", async ({ page }) => {
  await signIn(page, "viewer");
  const request = page.request;
  const state = await meshState(request);
  expect(state.nodes.length).toBeGreaterThan(0);
  await page.goto("/mesh");
  await expect(page.getByTestId("mesh-graph")).toHaveAttribute("data-rendered", "true");
  await expect(page.getByTestId("mesh-node")).toHaveCount(state.nodes.length);
  await expect(page.getByTestId("mesh-edge")).toHaveCount(state.links.length);
  await expect(page.getByTestId("summary-nodes-total")).toHaveText(String(state.nodes.length));
  await expect(page.getByTestId("summary-links-total")).toHaveText(String(state.links.length));
  const hub = state.nodes.find((n) => n.role === "HUB")!;
  await expect(page.locator(`.react-flow__node[data-id="${hub.id}"]`)).toContainText(hub.name);

  const ids = (els: Element[], attr: string) => els.map((e) => e.getAttribute(attr)).sort();
  expect(await page.getByTestId("mesh-node").evaluateAll(ids, "data-node-id")).toEqual(state.nodes.map((n) => n.id).sort());
  expect(await page.getByTestId("mesh-edge").evaluateAll(ids, "data-link-id")).toEqual(state.links.map((l) => l.id).sort());
  // The simulation may change a status at any moment: the graph converges on what the API says.
  const drawnStatus = () => page.getByTestId("mesh-node").evaluateAll((els) => els.map((e) => `${e.getAttribute("data-node-id")}=${e.getAttribute("data-status")}`).sort());
  await expect
    .poll(async () => {
      const fresh = (await meshState(request)).nodes.map((n) => `${n.id}=${n.status}`).sort();
      return JSON.stringify(await drawnStatus()) === JSON.stringify(fresh);
    })
    .toBe(true);
});

test("isolating a relay in one browser shows in another within 2 s by live push, then it is restored", async ({ browser }) => {
  const operator = await pageAs(browser, "officer1");
  const watcher = await pageAs(browser, "viewer");
  const relay = relayThatRewires(await meshState(operator.request));
  await watcher.goto("/mesh");
  await expect(nodeOnGraph(watcher, relay.id)).toHaveAttribute("data-status", "ONLINE");
  await expect(watcher.getByTestId("live-indicator")).toHaveAttribute("data-status", "live");
  await pausePolling(watcher);

  await operator.goto(`/mesh?node=${relay.id}`);
  await expect(operator.getByTestId("mesh-panel-title")).toHaveText(relay.name);
  await operator.getByTestId("action-isolate").click();
  await expect(operator.getByTestId("isolate-impact")).toContainText("Severs");
  await operator.getByTestId("action-confirm").click(); // no reason: refused in the form, nothing sent
  await expect(operator.getByTestId("reason-error")).toBeVisible();
  await operator.getByTestId("reason-input").fill("e2e: suspected tamper at the exchange");
  const answered = operator.waitForResponse((r) => r.url().includes("mesh.isolateNode"));
  await operator.getByTestId("action-confirm").click();
  expect((await answered).ok()).toBe(true);
  await expect(nodeOnGraph(watcher, relay.id)).toHaveAttribute("data-status", "ISOLATED", { timeout: 2_000 });

  const outcome = operator.getByTestId("rewire-outcome");
  await expect(outcome).toBeVisible();
  expect(Number(await outcome.getAttribute("data-bypasses"))).toBeGreaterThan(0);
  await expect(operator.getByTestId("node-status")).toHaveAttribute("data-status", "ISOLATED");
  await expect(watcher.locator('[data-testid="mesh-edge"][data-kind="BYPASS"]').first()).toBeAttached();

  await operator.getByTestId("action-restore").click();
  await operator.getByTestId("reason-input").fill("e2e: exchange inspected, all clear");
  await operator.getByTestId("action-confirm").click();
  await expect(operator.getByTestId("node-status")).toHaveAttribute("data-status", "ONLINE");
  await expect(nodeOnGraph(watcher, relay.id)).toHaveAttribute("data-status", "ONLINE");
  await expect(watcher.locator('[data-testid="mesh-edge"][data-kind="BYPASS"]')).toHaveCount(0);
});

test("clicking a node opens its panel, which survives a reload and closes with Esc; a viewer gets no actions", async ({ page }) => {
  await signIn(page, "viewer");
  const state = await meshState(page.request);
  const node = state.nodes.find((n) => n.role === "ENDPOINT") ?? state.nodes[0]!;
  await page.goto("/mesh");
  await nodeOnGraph(page, node.id).click();
  await expect(page.getByTestId("mesh-panel")).toBeVisible();
  await expect(page.getByTestId("mesh-panel-title")).toHaveText(node.name);
  await expect(page).toHaveURL(new RegExp(`[?&]node=${node.id}`));
  const links = state.links.filter((l) => l.aNodeId === node.id || l.bNodeId === node.id);
  await expect(page.getByTestId("node-link")).toHaveCount(links.length);
  await expect(page.getByTestId("node-actions-none")).toBeVisible();
  await expect(page.getByTestId("action-isolate")).toHaveCount(0);
  await expect(page.getByTestId("add-link-open-toolbar")).toHaveCount(0);

  await page.reload();
  await expect(page.getByTestId("mesh-panel-title")).toHaveText(node.name);
  await expect(page.getByTestId("mesh-events")).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(page.getByTestId("mesh-panel")).toHaveCount(0);
  await expect(page).not.toHaveURL(/node=/);

  // Keyboard: the graph is one tab stop after the toolbar; Enter opens the node that has its focus ring.
  await page.getByTestId("mesh-jump").focus();
  await page.keyboard.press("Tab");
  const canvas = page.getByTestId("mesh-graph-canvas");
  await expect(canvas).toBeFocused();
  await expect(page.getByTestId("mesh-graph")).toHaveAttribute("data-keyboard-node", /./);
  const focusedId = (await page.getByTestId("mesh-graph").getAttribute("data-keyboard-node"))!;
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("mesh-panel-title")).toHaveText(state.nodes.find((n) => n.id === focusedId)!.name);
});

test("a link's panel shows its QBER, pool and history; an analyst puts a simulated eavesdropper on it and clears it", async ({ page }) => {
  await signIn(page, "analyst");
  const state = await meshState(page.request);
  const link = state.links.find((l) => l.status !== "DOWN" && l.kind === "FIBRE" && !l.eavesdropper)!;
  await page.goto(`/mesh?link=${encodeURIComponent(link.id)}`);
  await expect(page.getByTestId("mesh-panel")).toHaveAttribute("data-subject", `link:${link.id}`);
  await expect(page.getByTestId("link-qber")).toContainText("%");
  await expect(page.getByTestId("link-pool")).toContainText("%");
  await expect(page.getByTestId("qber-chart").or(page.getByTestId("charts-empty"))).toBeVisible();

  await expect(page.getByTestId("action-remove-link")).toHaveCount(0); // topology changes are for administrators
  const toggle = page.getByTestId("action-eavesdropper");
  await expect(toggle).toHaveAttribute("data-active", "false");
  await toggle.click();
  await expect(toggle).toHaveAttribute("data-active", "true");
  await expect(page.getByTestId("link-eavesdropper")).toContainText("simulated eavesdropper");
  await toggle.click();
  await expect(toggle).toHaveAttribute("data-active", "false");
  await expect(page.getByTestId("link-eavesdropper")).toHaveText("none");
});

test("the add-link form refuses bad input with the server's messages and sends nothing", async ({ page }) => {
  await signIn(page, "admin");
  const state = await meshState(page.request);
  const [a] = state.nodes;
  await page.goto(`/mesh?add=link&from=${a!.id}`);
  await expect(page.getByTestId("add-link-a")).toHaveValue(a!.id);
  await page.getByTestId("add-link-b").selectOption(a!.id);
  await page.getByTestId("add-link-length").fill("500");
  await page.getByTestId("add-link-qber").fill("12");
  let sent = false;
  page.on("request", (r) => (sent ||= r.url().includes("mesh.addLink")));
  await page.getByTestId("add-link-submit").click();
  await expect(page.getByTestId("add-link-b-error")).toHaveText("a link joins two different nodes");
  await expect(page.getByTestId("add-link-length-error")).toContainText("at most 400 km");
  await expect(page.getByTestId("add-link-qber-error")).toContainText("BB84 abort threshold");
  expect(sent).toBe(false);
  await expect(page.getByTestId("add-link-length")).toHaveValue("500");
});

test("a key distributed over the mesh lights up the links it travels over, for a few seconds", async ({ page }) => {
  await signIn(page, "officer1");
  const request = page.request;
  const state = await meshState(request);
  const endpoints = state.nodes.filter((n) => n.role === "ENDPOINT" && n.status === "ONLINE").slice(0, 2);
  expect(endpoints).toHaveLength(2);
  await page.goto("/mesh");
  await expect(page.getByTestId("live-indicator")).toHaveAttribute("data-status", "live");
  await expect(page.getByTestId("mesh-graph")).toHaveAttribute("data-rendered", "true");

  const key = await mutate<{ id: string }>(request, "keys.create", { label: "e2e-routed-key", purpose: "route animation check", participants: endpoints.map((n) => n.id) });
  const distributed = mutate(request, "keys.distribute", { id: key.id }); // the route is announced when its hop-by-hop transfer commits
  const routing = page.locator('[data-testid="mesh-edge"][data-routing="true"]');
  for (const n of endpoints) await expect(routing.and(page.locator(`[data-link-id*="${n.id}"]`)).first()).toBeAttached();
  await distributed;
  await expect(routing).toHaveCount(0); // the animation stops on its own after a few seconds
});

test("the explore page draws a generated mesh of 500 nodes", async ({ page }) => {
  await signIn(page, "viewer");
  await page.goto("/mesh/explore?nodes=500&seed=7");
  const graph = page.locator('#main [data-testid="mesh-graph"]');
  // Generating and drawing 500 nodes on a loaded 2-core CI machine can take a while.
  await expect(graph).toHaveAttribute("data-rendered", "true", { timeout: 20_000 });
  await expect(graph).toHaveAttribute("data-node-count", "500");
  await expect(page.getByTestId("summary-nodes-total")).toHaveText("500");
  await expect(page.getByTestId("mesh-node").first()).toBeVisible();
  const drawn = await page.getByTestId("mesh-node").count();
  expect(drawn).toBeGreaterThan(0);
  expect(drawn).toBeLessThanOrEqual(500);
  // Sample traffic for demo audiences lights up routes, as key-routed events do on the live mesh.
  await page.getByTestId("explore-traffic").check();
  await expect(page.locator('[data-testid="mesh-edge"][data-routing="true"]').first()).toBeAttached();
  await page.getByTestId("explore-traffic").uncheck();
  // Read-only: the panel of a generated node has no actions.
  await page.getByTestId("mesh-node").first().click();
  await expect(page.getByTestId("mesh-panel")).toBeVisible();
  await expect(page.getByTestId("action-isolate")).toHaveCount(0);
});

test("an analyst cannot isolate a node but requests its isolation from the panel; the request shows its impact", async ({ page }) => {
  await signIn(page, "analyst");
  await page.goto("/mesh?node=relay-west");
  await expect(page.getByTestId("mesh-panel-title")).toHaveText("Relay West");
  await expect(page.getByTestId("action-isolate")).toHaveCount(0);
  await page.getByTestId("request-NODE_ISOLATION").click();
  await expect(page.getByTestId("request-form")).toContainText(/channel\(s\) severed/);
  await page.getByTestId("request-justification-input").fill("the relay's agent reports a firmware hash mismatch");
  await page.getByTestId("request-submit").click();
  await expect(page).toHaveURL(/\/approvals\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId("request-summary")).toContainText("Node isolation of Relay West");
  await expect(page.getByTestId("impact-graph")).toHaveAttribute("data-affected-nodes", /relay-west/);
  // Leave no pending request behind for the other tests.
  await page.getByTestId("withdraw").click();
  await expect(page.getByTestId("request-summary")).toContainText(/withdrawn/i);
});
