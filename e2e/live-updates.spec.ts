/**
 * Live updates in two browser contexts against `next start`: the simulation's
 * ticks reach both Mesh pages as deltas over the live stream (the tick, the
 * edge labels and an open link panel's chart move), and neither page asks for
 * the whole mesh again after its first load: `mesh.state` requests are
 * counted on the wire, and the incident queries do not poll while the stream
 * is live. A change that is not a figure (a link added in one context) makes
 * the other refetch the state.
 */
import { expect, test, type Browser, type Page } from "@playwright/test";
import { signIn, type DemoUser } from "./auth";
import { closeExtraContextsAfterEach } from "./extra-contexts";

closeExtraContextsAfterEach();

interface Viewer {
  page: Page;
  /** mesh.state requests this page sent (tRPC batches name every procedure in the path). */
  stateRequests: () => number;
  /** incidents.* requests (the banner and the badge poll every 5 s only while the stream is down). */
  incidentRequests: () => number;
}

async function openMesh(browser: Browser, who: DemoUser): Promise<Viewer> {
  const page = await (await browser.newContext()).newPage();
  let n = 0;
  let incidents = 0;
  page.on("request", (r) => {
    if (!new URL(r.url()).pathname.startsWith("/api/trpc/")) return;
    if (r.url().includes("mesh.state")) n++;
    if (r.url().includes("incidents.")) incidents++;
  });
  await signIn(page, who);
  await page.goto("/mesh");
  await expect(page.getByTestId("mesh-graph")).toHaveAttribute("data-rendered", "true");
  await expect(page.getByTestId("live-indicator")).toHaveAttribute("data-status", "live");
  return { page, stateRequests: () => n, incidentRequests: () => incidents };
}

const tickOf = async (page: Page) => Number(await page.getByTestId("summary-tick").getAttribute("data-tick"));
const labels = (page: Page) => page.getByTestId("mesh-edge-label").allTextContents();

test("simulation ticks reach a second browser as deltas, without refetching the mesh", async ({ browser }) => {
  // Two pages, two loads and at least one chart sample (every 5 s) on a shared 2-core machine.
  test.setTimeout(90_000);
  const a = await openMesh(browser, "viewer");
  const b = await openMesh(browser, "analyst");
  // Let the first load settle, then count from here.
  await a.page.waitForTimeout(500);
  const [baseA, baseB] = [a.stateRequests(), b.stateRequests()];
  const incidentsA = a.incidentRequests();
  const [tickA, tickB] = [await tickOf(a.page), await tickOf(b.page)];
  const labelsB = await labels(b.page);

  // Three ticks later (one a second), in both contexts.
  await expect.poll(() => tickOf(a.page), { timeout: 15_000 }).toBeGreaterThanOrEqual(tickA + 3);
  await expect.poll(() => tickOf(b.page), { timeout: 15_000 }).toBeGreaterThanOrEqual(tickB + 3);
  expect(await labels(b.page)).not.toEqual(labelsB);
  expect(a.stateRequests()).toBe(baseA);
  expect(b.stateRequests()).toBe(baseB);

  // An open link panel's chart grows from the live samples (one every 5 s), still without refetching.
  const linkId = (await b.page.getByTestId("mesh-edge").first().getAttribute("data-link-id"))!;
  const linkReads: string[] = [];
  b.page.on("request", (r) => {
    if (r.url().includes("mesh.link")) linkReads.push(r.url());
  });
  await b.page.goto(`/mesh?link=${encodeURIComponent(linkId)}`);
  await expect(b.page.getByTestId("mesh-graph")).toHaveAttribute("data-rendered", "true");
  const afterReload = b.stateRequests();
  await expect.poll(() => linkReads.length).toBe(1);
  const tickAtOpen = await tickOf(b.page);
  await expect.poll(() => tickOf(b.page), { timeout: 20_000 }).toBeGreaterThanOrEqual(tickAtOpen + 6);
  expect(linkReads).toHaveLength(1);
  expect(b.stateRequests()).toBe(afterReload);
  // Page A stayed on the mesh all along (well over the 5-s polling interval): no incident polling while live.
  expect(a.incidentRequests()).toBe(incidentsA);
  expect(a.stateRequests()).toBe(baseA);
});

test("a topology change made in one browser reaches the other, which refetches the mesh", async ({ browser }) => {
  test.setTimeout(60_000);
  const viewer = await openMesh(browser, "viewer");
  const admin = await openMesh(browser, "admin");
  await viewer.page.waitForTimeout(500);
  const before = viewer.stateRequests();
  // Two endpoints with no link between them yet.
  const edges = await viewer.page.getByTestId("mesh-edge").evaluateAll((els) => els.map((e) => e.getAttribute("data-link-id")!));
  const nodes = await viewer.page.getByTestId("mesh-node").evaluateAll((els) => els.map((e) => e.getAttribute("data-node-id")!));
  const linked = (x: string, y: string) => edges.some((id) => id === `${x}--${y}` || id === `${y}--${x}`);
  const pair = nodes.flatMap((x) => nodes.map((y) => [x, y] as const)).find(([x, y]) => x < y && x.startsWith("ep-") && y.startsWith("ep-") && !linked(x, y))!;
  const call = async <T,>(path: string, input: unknown): Promise<T> => {
    const res = await admin.page.request.post(`/api/trpc/${path}`, { data: { json: input }, headers: { "x-qecnet-csrf": "1" } });
    expect(res.ok(), await res.text()).toBe(true);
    return ((await res.json()) as { result: { data: { json: T } } }).result.data.json;
  };
  const added = await call<{ id: string }>("mesh.addLink", { aNodeId: pair[0], bNodeId: pair[1], lengthKm: 12, reason: "e2e: live update" });
  await expect(viewer.page.locator(`[data-testid="mesh-edge"][data-link-id="${added.id}"]`)).toHaveCount(1);
  expect(viewer.stateRequests()).toBeGreaterThan(before);
  await call("mesh.removeLink", { id: added.id, reason: "e2e: cleaned up" });
  await expect(viewer.page.locator(`[data-testid="mesh-edge"][data-link-id="${added.id}"]`)).toHaveCount(0);
});
