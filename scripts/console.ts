/**
 * The whole console in one command. Validates the environment, prepares the
 * database (embedded PostgreSQL unless DATABASE_URL is set), migrates, builds
 * the app when the build is missing or stale, then runs it through the console's own HTTP server (scripts/serve.ts; or
 * `next dev` with --dev) until interrupted, and stops the embedded PostgreSQL
 * on the way out.
 *
 * `--demo` (`npm run demo`, `npm run dev`) asks for a demonstration console:
 * QECNET_SEED_DEMO=true, the demo mesh seeded on an empty database, and the
 * demo powers (simulated eavesdropper, scripted scenario) allowed. Its node
 * agents are processes (QECNET_AGENTS defaults to `process` here): the dev
 * Agent PKI is issued, one agent per node starts as a child of this launcher
 * (server/demo/demo-agents.ts), and on an empty database the seed delivers its
 * keys to them through a hub listener of the launcher's own
 * (server/demo/demo-seed-agents.ts) before the console starts.
 * QECNET_AGENTS=in-process keeps the in-process test double.
 * `--production` (`npm start`) is never a demo: it refuses QECNET_SEED_DEMO=true.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { envOrExit } from "./script-env";
import { createPrismaClient } from "../server/db/client";
import { prepareDatabase } from "../server/db/prepare-database";
import { isEmpty, seedDemo } from "../server/demo/demo-seed";
import { issueDemoPki, prepareAgentProgram, startDemoAgents } from "../server/demo/demo-agents";
import { seedDemoThroughAgents } from "../server/demo/demo-seed-agents";
import { DEMO_NODES } from "../server/demo/demo-topology";
import { demoKmePorts } from "../server/demo/demo-saes";
import { startDemoApplications } from "../server/demo/demo-applications";
import { readAgentTls } from "../server/agents/hub/agent-listener";
import { agentTlsPaths } from "../server/runtime/agent-port";
import { vaultFromEnvironment } from "../server/keys/key-vault";

const root = path.resolve(import.meta.dirname, "..");
const dev = process.argv.includes("--dev");
const demo = process.argv.includes("--demo");
const production = process.argv.includes("--production");
const nextBin = path.join(root, "node_modules", ".bin", "next");
const since = (t: number) => `${((performance.now() - t) / 1000).toFixed(1)} s`;
const tsxBin = path.join(root, "node_modules", ".bin", "tsx");

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

function buildIsStale(): boolean {
  const id = path.join(root, ".next", "BUILD_ID");
  if (!existsSync(id)) return true;
  const built = statSync(id).mtimeMs;
  const sources = ["app", "components", "server", "public"].map((d) => path.join(root, d)).filter(existsSync);
  return sources.some((d) => newestMtime(d) > built) || statSync(path.join(root, "package-lock.json")).mtimeMs > built;
}

async function main() {
  if (demo && production) throw new Error("choose --demo or --production, not both");
  if (production && process.env.QECNET_SEED_DEMO === "true") {
    console.error("npm start runs a production console, which is never a demo: unset QECNET_SEED_DEMO, or use `npm run demo`.");
    process.exit(2);
  }
  // Demo mode only where it is asked for; the Next.js server below inherits this environment. A demo's agents are
  // processes unless QECNET_AGENTS says otherwise.
  if (demo) {
    process.env.QECNET_SEED_DEMO = "true";
    if (!process.env.QECNET_AGENTS) process.env.QECNET_AGENTS = "process";
    // A demo's application pool: a hundred keys keep the demo pair busy without burying the seeded keys on the Keys page.
    if (!process.env.QECNET_KME_POOL_TARGET) process.env.QECNET_KME_POOL_TARGET = "100";
  }
  const env = envOrExit();
  console.log(`QECNet console (${env.QECNET_SEED_DEMO ? "demonstration: demo mesh and demo powers on" : "not a demo"}): data folder ${env.dataDir}`);
  // Agents as processes (QECNET_AGENTS=process): one per node of the demo mesh (the hub's own node holds no keys),
  // started first so they boot while the database starts; they dial the agent port and retry until something listens.
  const processAgents = demo && env.QECNET_AGENTS === "process";
  if (processAgents) await issueDemoPki(env.dataDir);
  const program = processAgents ? await prepareAgentProgram(root) : null;
  const agents = processAgents
    ? startDemoAgents({ root, dataDir: env.dataDir, hubPort: env.QECNET_AGENT_PORT, program, kmePorts: demoKmePorts(env.QECNET_KME_DEMO_PORT), nodeIds: DEMO_NODES.filter((n) => n.role !== "HUB").map((n) => n.id) })
    : null;
  if (agents) console.log(`Node agents: ${agents.children.size} processes (logs and PID files in ${path.join(env.dataDir, "agents")})`);
  else if (demo) console.log("Node agents: in the console process (QECNET_AGENTS=in-process, the test double)");
  const stopAgents = async () => {
    await agents?.stop().catch(() => undefined);
  };
  // Until the console runs, an interrupt stops the agents (and the database, once started) and exits.
  let stopDb = async () => undefined as void;
  const early = () => void stopAgents().then(() => stopDb()).then(() => process.exit(130));
  process.on("SIGINT", early);
  process.on("SIGTERM", early);
  let db: Awaited<ReturnType<typeof prepareDatabase>>;
  try {
    db = await prepareDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.dataDir, embeddedPort: env.QECNET_EMBEDDED_PG_PORT });
  } catch (err) {
    await stopAgents();
    throw err;
  }
  console.log(`Database: ${db.embedded ? "embedded PostgreSQL" : "DATABASE_URL"}; migrations applied now: ${db.migrations.applied.length}, before: ${db.migrations.alreadyApplied}`);
  stopDb = async () => {
    await db.stop().catch(() => undefined);
  };
  try {
    const vault = vaultFromEnvironment(env.QECNET_MASTER_KEY, env.dataDir);
    const prisma = createPrismaClient(db.url, 4);
    try {
      if (env.QECNET_SEED_DEMO && (await isEmpty(prisma))) {
        const t = performance.now();
        if (agents) {
          console.log(`Seeding the demo mesh: its keys go to the agent processes (a listener on the agent port ${env.QECNET_AGENT_PORT} until the console starts)…`);
          const r = await seedDemoThroughAgents(prisma, vault, {
            tls: readAgentTls(agentTlsPaths(env)), port: env.QECNET_AGENT_PORT, host: env.QECNET_AGENT_HOST, progress: (line) => console.log(line),
            awaitNodes: [...agents.children.keys()],
          });
          console.log(`Seeded the demo mesh in ${since(t)} (${(r.waitedMs / 1000).toFixed(1)} s waiting for agents): ${r.nodes} nodes, ${r.links} links, ${r.keys} keys with their histories; the agents hold its live keys`);
        } else {
          const r = await seedDemo(prisma, vault);
          console.log(`Seeded the demo mesh in ${since(t)}: ${r.nodes} nodes, ${r.links} links, ${r.keys} keys with their histories`);
        }
      }
    } finally {
      await prisma.$disconnect();
    }
    if (!dev && buildIsStale()) {
      console.log("Building the console (next build)…");
      const b = spawnSync(nextBin, ["build"], { cwd: root, stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
      if (b.status !== 0) throw new Error("next build failed");
    }
  } catch (err) {
    await stopAgents();
    await stopDb();
    throw err;
  }

  // Not through npx: a signal to this process must reach the server. Built: the console's own HTTP server
  // (scripts/serve.ts), which gives sign-in throttling the real client address; dev: next dev.
  const child = spawn(dev ? nextBin : tsxBin, dev ? ["dev", "-p", String(env.PORT)] : [path.join(root, "scripts", "serve.ts"), "-p", String(env.PORT)], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, DATABASE_URL: db.url, NEXT_TELEMETRY_DISABLED: "1" },
  });
  console.log(`Console: http://localhost:${env.PORT}`);
  // The demo's application pair takes keys over ETSI 014 every few seconds (once the pool fills), as an encryptor pair would.
  if (agents) {
    const kmePorts = demoKmePorts(env.QECNET_KME_DEMO_PORT);
    startDemoApplications({ pkiDir: path.join(env.dataDir, "pki"), kmePorts, report: (line) => console.log(line) });
    console.log(`ETSI 014 KMEs: ${[...kmePorts].map(([n, p]) => `${n} https://localhost:${p}`).join(", ")} (try scripts/etsi014-curl-demo.sh ${path.join(env.dataDir, "pki")})`);
  }
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    child.kill(signal);
  };
  process.off("SIGINT", early);
  process.off("SIGTERM", early);
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
  child.on("exit", async (code) => {
    await stopAgents();
    await stopDb();
    process.exit(code ?? 0);
  });
}

main().catch((err: Error) => {
  console.error(`Could not start the console: ${err.message}`);
  process.exit(1);
});
