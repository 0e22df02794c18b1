/**
 * The server for the browser tests: a fresh database (on DATABASE_URL's server,
 * or an embedded PostgreSQL in a temporary folder), migrated and seeded with the
 * demo, and the console's own HTTP server (scripts/serve.ts) on it. Everything is removed when it stops.
 * E2E_NON_DEMO=1 starts it as a console that is not a demo (QECNET_SEED_DEMO=false:
 * officers and admins need a second factor) with the same seeded accounts, and
 * writes its database URL to E2E_DB_URL_FILE so a test can age a session's proof.
 * E2E_AGENTS=process runs the node agents as processes (as `npm run demo`
 * does): one per node, started by this script, seeded through them, on the
 * agent port E2E_AGENT_PORT, with heartbeats of 1 s × 5 (a killed agent
 * closes its socket, so its node still goes OFFLINE within a second or two:
 * e2e/agent-kill.spec.ts). The state file
 * then also names the data folder and the agent port, where a test finds each
 * agent's PID file and the command that restarts it. Other consoles keep the
 * in-process agents (faster to start; the browser tests' time budget is tight).
 */
import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { dropDatabase, withDatabase } from "../server/db/database-admin";
import { createSeededDemoDatabase } from "../server/demo/demo-database";
import { startEmbeddedPostgres } from "../server/db/embedded-postgres";
import { issueDemoPki, prepareAgentProgram, startDemoAgents } from "../server/demo/demo-agents";
import { DEMO_NODES } from "../server/demo/demo-topology";
import { readAgentTls } from "../server/agents/hub/agent-listener";
import { agentPkiPaths } from "../server/agents/pki/agent-pki-paths";
import { E2E_METRICS_TOKEN } from "../e2e/metrics-token";
import { e2eStateFile } from "../e2e/e2e-state";

const port = Number(process.env.E2E_PORT ?? 3107);
const dataDir = await mkdtemp(path.join(tmpdir(), "qecnet-e2e-"));
const embedded = process.env.DATABASE_URL
  ? null
  : await startEmbeddedPostgres({ dataDir: path.join(dataDir, "pg"), port: 30000 + Math.floor(Math.random() * 20000), persistent: false });
const adminUrl = process.env.DATABASE_URL ?? embedded!.adminUrl;
const url = withDatabase(adminUrl, `qecnet_e2e_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`);
const processAgents = process.env.E2E_AGENTS === "process";
const agentPort = Number(process.env.E2E_AGENT_PORT ?? port + 4000);
if (processAgents) await issueDemoPki(dataDir); // before the agents start: they refuse to run without their certificates
const agentProgram = processAgents ? await prepareAgentProgram(path.join(import.meta.dirname, "..")) : null;
const agents = processAgents
  ? startDemoAgents({
      root: path.join(import.meta.dirname, ".."), dataDir, hubPort: agentPort, program: agentProgram,
      nodeIds: DEMO_NODES.filter((n) => n.role !== "HUB").map((n) => n.id), env: { QECNET_AGENT_LOG_LEVEL: "warn" },
    })
  : null;
const pki = agentPkiPaths(path.join(dataDir, "pki"));
const masterKey = await createSeededDemoDatabase(url, processAgents ? { throughAgents: { tls: readAgentTls({ ca: pki.caCert, cert: pki.hubCert, key: pki.hubKey }), port: agentPort, host: "127.0.0.1", awaitNodes: [...agents!.children.keys()] } } : {});
// Where browser tests that must reach the database (e2e/audit-integrity.spec.ts tampers with it as a superuser would) find it.
const stateFile = e2eStateFile(port);
await writeFile(stateFile, JSON.stringify({ databaseUrl: url, ...(processAgents ? { dataDir, agentPort, agentProgram } : {}) }), { mode: 0o600 });
const nonDemo = process.env.E2E_NON_DEMO === "1";
if (nonDemo && process.env.E2E_DB_URL_FILE) {
  await mkdir(path.dirname(process.env.E2E_DB_URL_FILE), { recursive: true });
  await writeFile(process.env.E2E_DB_URL_FILE, url, { mode: 0o600 });
}

// The console's own HTTP server, as npm start runs it: sign-in throttling sees the socket's address.
// Its whole log (info and up) goes to .reports/e2e-server-<port>.log, so a failed browser test can be read against what
// the server did (scripts/test-all.sh prints the tails on failure); errors and non-JSON lines also reach Playwright's output.
await mkdir(".reports", { recursive: true });
const serverLog = createWriteStream(path.join(".reports", `e2e-server-${port}.log`), { flags: "w" });
const child = spawn(path.join(import.meta.dirname, "..", "node_modules", ".bin", "tsx"), [path.join(import.meta.dirname, "serve.ts"), "-p", String(port)], {
  stdio: ["inherit", "pipe", "pipe"],
  env: {
    ...process.env,
    DATABASE_URL: url,
    QECNET_DATA_DIR: dataDir,
    QECNET_MASTER_KEY: masterKey.toString("hex"),
    // Every browser test signs in from 127.0.0.1: the throttle is tested in server/auth/sign-in.int.test.ts.
    QECNET_SIGNIN_RATE_LIMIT: "1000/60",
    NEXT_TELEMETRY_DISABLED: "1",
    // The browser tests drive the demo powers (simulated eavesdropper, scripted scenario): a demonstration console, said
    // so; the second-factor tests run a second server that is not a demo (E2E_NON_DEMO=1).
    QECNET_SEED_DEMO: nonDemo ? "false" : "true",
    // The scrape token the browser tests send to /api/metrics and /api/ready.
    QECNET_METRICS_TOKEN: E2E_METRICS_TOKEN,
    // The demo's ACTIVE keys are older than their cryptoperiods: the sweep would rotate them mid-run under other
    // tests. Scheduled rotation is tested in server/rotation/rotation.int.test.ts; rotation jobs still run here.
    QECNET_ROTATION_SWEEP: process.env.QECNET_ROTATION_SWEEP ?? "off",
    // Likewise the ETSI 014 pool replenisher would add keys under the tests' feet; it is tested against real agent
    // processes in server/kme/etsi014-delivery.int.test.ts.
    QECNET_KME_REFILL: process.env.QECNET_KME_REFILL ?? "off",
    // The browser tests provoke refusals on purpose: info and up go to the log file, only errors to the run's output.
    QECNET_LOG_LEVEL: process.env.QECNET_LOG_LEVEL ?? "info",
    // The integrity monitor's rounds every second, so a browser test sees tampering noticed within its timeout.
    QECNET_AUDIT_VERIFY_INTERVAL_S: "1",
    // Pad levels of two demo links, one desynchronised, for e2e/mesh-pads.spec.ts (server/quantum-channel/pad-level-fixture.ts).
    QECNET_E2E_PAD_FIXTURE: "1",
    // Agent processes: a killed agent closes its socket, so its node goes OFFLINE at the next tick (1 s); heartbeats of 1 s × 5
    // ride out the console's own start on a busy machine (shorter limits made nodes flap OFFLINE and queue rejoin rotations).
    ...(processAgents
      ? { QECNET_AGENTS: "process", QECNET_AGENT_PORT: String(agentPort), QECNET_AGENT_HEARTBEAT_MS: "1000", QECNET_AGENT_MISSED_LIMIT: "5", QECNET_KME_DEMO_PORT: String(port + 5000), QECNET_KME_POOL_TARGET: "40" }
      : { QECNET_AGENTS: "in-process" }),
  },
});

for (const [from, to] of [[child.stdout!, process.stdout], [child.stderr!, process.stderr]] as const) {
  let rest = "";
  from.on("data", (chunk: Buffer) => {
    serverLog.write(chunk);
    const lines = (rest + chunk.toString("utf8")).split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines) if (!/^\{"level":"(trace|debug|info|warn)"/.test(line)) to.write(line + "\n");
  });
}

let cleaning = false;
async function cleanup(code: number) {
  if (cleaning) return;
  cleaning = true;
  child.kill("SIGTERM");
  await agents?.stop();
  await dropDatabase(url).catch(() => undefined);
  if (nonDemo && process.env.E2E_DB_URL_FILE) await rm(process.env.E2E_DB_URL_FILE, { force: true });
  await embedded?.stop().catch(() => undefined);
  await rm(dataDir, { recursive: true, force: true });
  await rm(stateFile, { force: true });
  process.exit(code);
}
process.on("SIGINT", () => void cleanup(0));
process.on("SIGTERM", () => void cleanup(0));
child.on("exit", (code) => void cleanup(code ?? 0));
