/**
 * Browser render benchmark of the mesh graph, in Debian's Chromium (or
 * CHROMIUM_PATH) through Playwright, against a running console (`next start`):
 * the explore page draws generateMesh(N) client-side, so no database is needed.
 *
 *   npx tsx bench/mesh-render.ts --url http://127.0.0.1:3117
 *
 * For N = 50 (the baseline) and N = 500 it measures, in fresh pages:
 * - render time: from the start of navigation (performance.timeOrigin) until
 *   the graph has reported itself initialised (data-rendered) with cards in the
 *   DOM, plus one painted frame (two requestAnimationFrame callbacks);
 * - frames per second while panning: the mouse is pressed on the pane and
 *   moved in small steps for ~3 s, back and forth; frames are counted with
 *   requestAnimationFrame in the page.
 * Ratios compare 500 with 50 measured in the same run. Pages are signed in
 * as the demo viewer (the console seeded by `npm run demo` or
 * scripts/e2e-server.ts has it), or as QECNET_BENCH_EMAIL / QECNET_BENCH_PASSWORD.
 * Exported for the bench:mesh script; prints a table and a BENCH_JSON line when run alone.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { DEMO_ACCOUNTS } from "../server/demo/demo-users";

/** The same flags as playwright.config.ts. */
const CHROMIUM_ARGS = [
  "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
];
const VIEWPORT = { width: 1600, height: 1000 };
const PAN_MS = 3_000;

export interface MeshRenderRun {
  nodes: number;
  renderMs: number;
  /** Node cards in the DOM after the first render (onlyRenderVisibleElements: the ones in view). */
  renderedNodes: number;
  renderedEdges: number;
  panFps: number;
  panFrames: number;
}

export interface MeshRenderFigures {
  baseline: MeshRenderRun;
  large: MeshRenderRun;
  /** large / baseline render time (1 = as fast as 50 nodes). */
  renderRatio: number;
  /** large / baseline frame rate while panning (1 = as smooth as 50 nodes). */
  panFpsRatio: number;
  /** The same 500 nodes in wall mode (bigger cards and labels, explore page with wall=1). */
  wallLarge: MeshRenderRun;
}

function executablePath(): string | undefined {
  const p = process.env.CHROMIUM_PATH;
  if (p && p !== "playwright") return p;
  return existsSync("/usr/bin/chromium") ? "/usr/bin/chromium" : undefined;
}

async function measureRender(page: Page, url: string): Promise<Pick<MeshRenderRun, "renderMs" | "renderedNodes" | "renderedEdges">> {
  await page.goto(url, { waitUntil: "commit" });
  await page.waitForSelector('[data-testid="mesh-graph"][data-rendered="true"] .react-flow__node', { timeout: 60_000 });
  return page.evaluate(
    () =>
      new Promise<{ renderMs: number; renderedNodes: number; renderedEdges: number }>((resolve) =>
        requestAnimationFrame(() =>
          requestAnimationFrame(() =>
            resolve({
              renderMs: performance.now(),
              renderedNodes: document.querySelectorAll('[data-testid="mesh-node"]').length,
              renderedEdges: document.querySelectorAll('[data-testid="mesh-edge"]').length,
            }),
          ),
        ),
      ),
  );
}

async function measurePan(page: Page): Promise<Pick<MeshRenderRun, "panFps" | "panFrames">> {
  const pane = await page.locator(".react-flow__pane").boundingBox();
  if (!pane) throw new Error("the graph's pane is not on the page");
  // A string, not a function: tsx's name-keeping helper does not exist in the page.
  await page.evaluate(`(() => {
    window.__frames = 0;
    window.__counting = true;
    const tick = () => { if (!window.__counting) return; window.__frames++; requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
  })()`);
  // Start in an empty-ish spot near the left edge, away from the controls and any panel.
  const x0 = pane.x + pane.width * 0.3;
  const y0 = pane.y + pane.height * 0.5;
  await page.mouse.move(x0, y0);
  await page.mouse.down();
  const started = Date.now();
  let step = 0;
  while (Date.now() - started < PAN_MS) {
    const phase = (step++ % 120) / 120; // a slow back-and-forth sweep
    const dx = Math.sin(phase * 2 * Math.PI) * pane.width * 0.25;
    const dy = Math.cos(phase * 2 * Math.PI) * pane.height * 0.15;
    await page.mouse.move(x0 + dx, y0 + dy);
  }
  await page.mouse.up();
  const elapsed = Date.now() - started;
  const frames = await page.evaluate<number>("(() => { window.__counting = false; return window.__frames; })()");
  return { panFps: Math.round((frames / (elapsed / 1000)) * 10) / 10, panFrames: frames };
}

async function signIn(context: BrowserContext, baseUrl: string): Promise<void> {
  const viewer = DEMO_ACCOUNTS.find((a) => a.role === "viewer")!;
  const email = process.env.QECNET_BENCH_EMAIL ?? viewer.email;
  const password = process.env.QECNET_BENCH_PASSWORD ?? viewer.password;
  const res = await context.request.post(`${baseUrl}/api/auth/sign-in/email`, { data: { email, password } });
  if (!res.ok()) throw new Error(`cannot sign in as ${email} (HTTP ${res.status()}): the explore page needs a signed-in viewer`);
}

async function run(browser: Browser, baseUrl: string, nodes: number, wall = false): Promise<MeshRenderRun> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  try {
    await signIn(context, baseUrl);
    const page = await context.newPage();
    const render = await measureRender(page, `${baseUrl}/mesh/explore?nodes=${nodes}&seed=1${wall ? "&wall=1" : ""}`);
    const pan = await measurePan(page);
    return { nodes, renderMs: Math.round(render.renderMs), renderedNodes: render.renderedNodes, renderedEdges: render.renderedEdges, ...pan };
  } finally {
    await context.close();
  }
}

export async function benchMeshRender(baseUrl: string): Promise<MeshRenderFigures> {
  const browser = await chromium.launch({ executablePath: executablePath(), args: CHROMIUM_ARGS });
  try {
    // Warm-up: the first visit compiles nothing on `next start`, but fills the browser's and the server's caches.
    await run(browser, baseUrl, 50);
    const baseline = await run(browser, baseUrl, 50);
    const large = await run(browser, baseUrl, 500);
    const wallLarge = await run(browser, baseUrl, 500, true);
    return {
      wallLarge,
      baseline,
      large,
      renderRatio: Math.round((large.renderMs / baseline.renderMs) * 100) / 100,
      panFpsRatio: Math.round((large.panFps / baseline.panFps) * 100) / 100,
    };
  } finally {
    await browser.close();
  }
}

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const url = (argValue("--url") ?? "http://127.0.0.1:3000").replace(/\/$/, "");
  const figures = await benchMeshRender(url);
  const row = (r: MeshRenderRun) =>
    `${String(r.nodes).padStart(5)} nodes | render ${String(r.renderMs).padStart(6)} ms | ${String(r.renderedNodes).padStart(4)} cards, ${String(r.renderedEdges).padStart(4)} links in view | pan ${String(r.panFps).padStart(5)} fps (${r.panFrames} frames)`;
  console.log("Mesh graph in Chromium (explore page, generated mesh, 1600x1000)");
  console.log(row(figures.baseline));
  console.log(row(figures.large));
  console.log(`${row(figures.wallLarge)} (wall mode)`);
  console.log(`ratio 500/50: render time x${figures.renderRatio}, pan frame rate x${figures.panFpsRatio}`);
  console.log(`BENCH_JSON ${JSON.stringify(figures)}`);
}
