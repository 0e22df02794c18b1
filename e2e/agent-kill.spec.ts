/**
 * Agents are processes (KEY-DELIVERY.md §7, criterion 9), in Chromium against
 * the browser tests' third console (scripts/e2e-server.ts with
 * E2E_AGENTS=process: one agent process per node, the demo's keys delivered to
 * them, heartbeats every second, 5 may be missed: shorter limits flap while the console starts on a busy machine; a kill -9 closes the socket, which is seen at once). A signed-in operator sees a
 * node ONLINE with its agent connected; the test `kill -9`s that agent (its
 * PID from the PID file under the console's data folder), sees the node go
 * OFFLINE, starts the agent again on the same store, and sees the node ONLINE
 * again: the agent's hello inventory is what it held (same count, no lost
 * copy, no fingerprint mismatch), and the node-rejoin rotation trigger fired.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { openSync, readFileSync } from "node:fs";
import path from "node:path";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { agentsPort } from "../playwright.config";
import { agentCommand, demoAgentPaths } from "../server/demo/demo-agents";
import { signIn } from "./auth";
import { e2eStateFile } from "./e2e-state";

test.use({ baseURL: `http://127.0.0.1:${agentsPort}` });

/** ep-hospital holds an ACTIVE key in the demo (hospital-records, with ep-dc2): its rejoin must rotate it. */
const NODE = "ep-hospital";
const HEARTBEAT_MS = 1000;
const MISSED_LIMIT = 5;
const TICK_MS = 1_000;

interface AuditItem { seq: string; action: string; subjectId: string; details: Record<string, unknown> }

async function audit(request: APIRequestContext, input: Record<string, unknown>): Promise<AuditItem[]> {
  const res = await request.get(`/api/trpc/audit.list?input=${encodeURIComponent(JSON.stringify({ json: { limit: 50, ...input } }))}`);
  expect(res.ok(), await res.text()).toBe(true);
  return ((await res.json()) as { result: { data: { json: { items: AuditItem[] } } } }).result.data.json.items;
}

let restarted: ChildProcess | null = null;
test.afterAll(() => {
  restarted?.kill("SIGTERM");
});

test("kill -9 of a node's agent process takes the node OFFLINE; restarted on its store it rejoins with the same keys and the rejoin rotation fires", async ({ page }) => {
  test.setTimeout(150_000);
  const state = JSON.parse(readFileSync(e2eStateFile(agentsPort), "utf8")) as { dataDir: string; agentPort: number; agentProgram: string | null };
  await signIn(page, "analyst");
  await page.goto(`/mesh?node=${NODE}`);
  await expect(page.getByTestId("node-status")).toHaveAttribute("data-status", "ONLINE");
  // The agents dial the console once it listens (after the seed's own listener closed): allow their backoff.
  await expect(page.getByTestId("node-agent-state")).toHaveAttribute("data-state", "connected", { timeout: 30_000 });
  await expect(page.getByTestId("node-agent-version")).toContainText("qecnet-agent/");
  await expect(page.getByTestId("node-agent-heartbeat")).toBeVisible();
  const held = Number(await page.getByTestId("node-agent-held").textContent());
  expect(held).toBeGreaterThan(0); // the seed's keys are in the agent's store
  const connectedBefore = (await audit(page.request, { subjectId: NODE, action: "AGENT_CONNECTED" })).length;

  const pid = Number(readFileSync(demoAgentPaths(state.dataDir, NODE).pid, "utf8").trim());
  expect(pid).toBeGreaterThan(0);
  const killedAt = performance.now();
  process.kill(pid, "SIGKILL");
  const limit = MISSED_LIMIT * HEARTBEAT_MS + 1_000 + TICK_MS;
  await expect(page.getByTestId("node-status")).toHaveAttribute("data-status", "OFFLINE", { timeout: limit + 1_500 });
  const offlineAfterMs = Math.round(performance.now() - killedAt);
  console.log(`node ${NODE} OFFLINE in the browser ${offlineAfterMs} ms after kill -9 (limit missedLimit × heartbeatMs + 1 s + a tick = ${limit} ms)`);
  expect(offlineAfterMs).toBeLessThanOrEqual(limit);
  await expect(page.getByTestId("node-agent-state")).toHaveAttribute("data-state", "disconnected");

  // Started again on the same store, as an operator would (`npm run agent -- --node …`).
  const { command, args } = agentCommand({ root: path.join(import.meta.dirname, ".."), dataDir: state.dataDir, hubPort: state.agentPort, program: state.agentProgram }, NODE);
  const log = openSync(demoAgentPaths(state.dataDir, NODE).log, "a");
  restarted = spawn(command, args, { stdio: ["ignore", log, log], env: { ...process.env, QECNET_AGENT_LOG_LEVEL: "warn" } });
  await expect(page.getByTestId("node-status")).toHaveAttribute("data-status", "ONLINE", { timeout: 30_000 });
  await expect(page.getByTestId("node-agent-state")).toHaveAttribute("data-state", "connected");
  await expect(page.locator('[data-testid="mesh-event"][data-action="NODE_OFFLINE"]').first()).toBeVisible();
  await expect(page.locator('[data-testid="mesh-event"][data-action="NODE_REJOINED"]').first()).toBeVisible();

  // Its hello held what it held before: the same number of keys, none lost, every fingerprint as recorded.
  const connected = await audit(page.request, { subjectId: NODE, action: "AGENT_CONNECTED" });
  expect(connected.length).toBe(connectedBefore + 1);
  expect(connected[0]!.details).toMatchObject({ heldKeys: held, lost: 0, mismatched: 0 });
  expect(await audit(page.request, { subjectId: NODE, action: "AGENT_REJECTED" })).toHaveLength(0);

  // The rejoin rotation trigger: the node's ACTIVE keys start rotating, with the reason naming the rejoin.
  await expect.poll(async () => (await audit(page.request, { action: "KEY_ROTATION_STARTED" })).filter((e) => String(e.details.reason ?? "").includes(`node ${NODE} rejoined after being`)).length, { timeout: 60_000 }).toBeGreaterThan(0);
  await page.reload();
  await expect(page.getByTestId("node-keys-held").getByText("ROTATING").first()).toBeVisible();
});
