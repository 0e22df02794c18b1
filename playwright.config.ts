import { existsSync } from "node:fs";
import { defineConfig, devices } from "@playwright/test";

const port = Number(process.env.E2E_PORT ?? 3107);
/** A second console that is not a demo (second factor required), for e2e/second-factor.spec.ts. */
export const nonDemoPort = Number(process.env.E2E_NON_DEMO_PORT ?? port + 1);
export const nonDemoDbUrlFile = ".reports/e2e-non-demo-db-url";
/** A third console whose node agents are processes (E2E_AGENTS=process), for e2e/agent-kill.spec.ts; its agent port is this + 4000. */
export const agentsPort = Number(process.env.E2E_AGENTS_PORT ?? port + 2);
const executablePath =
  process.env.CHROMIUM_PATH && process.env.CHROMIUM_PATH !== "playwright"
    ? process.env.CHROMIUM_PATH
    : existsSync("/usr/bin/chromium")
      ? "/usr/bin/chromium"
      : undefined; // Playwright's own browser, where it could be installed

export default defineConfig({
  testDir: "e2e",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  // Time-outs bound a hang; they are not speed goals (those are benchmarks, bench/). The machine is two cores shared
  // with PostgreSQL, the console and Chromium, where a two-browser workflow takes ~25 s idle and twice that under load.
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [
    ["list"],
    ["json", { outputFile: ".reports/playwright.json" }],
    ...(process.env.CI ? [] : [["html", { open: "never", outputFolder: ".reports/playwright-html" }] as const]),
  ],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  projects: [
    {
      name: "chromium",
      use: {
        ...devices["Desktop Chrome"],
        viewport: { width: 1600, height: 1000 },
        launchOptions: {
          executablePath,
          args: [
            "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
          ],
        },
      },
    },
  ],
  webServer: [
    {
      command: "npx tsx scripts/e2e-server.ts",
      url: `http://127.0.0.1:${port}/api/health`,
      timeout: 120_000,
      reuseExistingServer: false,
      stdout: "pipe",
      stderr: "pipe",
    },
    {
      command: "npx tsx scripts/e2e-server.ts",
      url: `http://127.0.0.1:${nonDemoPort}/api/health`,
      // No mesh simulation: this console only serves sign-in and role grants, and the machine is shared.
      env: { E2E_PORT: String(nonDemoPort), E2E_NON_DEMO: "1", E2E_DB_URL_FILE: nonDemoDbUrlFile, QECNET_SIMULATION: "off" },
      timeout: 120_000,
      reuseExistingServer: false,
      stdout: "pipe",
      stderr: "pipe",
    },
    {
      command: "npx tsx scripts/e2e-server.ts",
      url: `http://127.0.0.1:${agentsPort}/api/health`,
      // Agent processes, one per node, seeded through them; short heartbeats (scripts/e2e-server.ts).
      env: { E2E_PORT: String(agentsPort), E2E_AGENTS: "process", E2E_AGENT_PORT: String(agentsPort + 4000) },
      timeout: 180_000,
      reuseExistingServer: false,
      stdout: "pipe",
      stderr: "pipe",
    },
  ],
});
