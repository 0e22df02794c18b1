/**
 * `npm run bench:agents [-- --seconds N]`
 *
 * Node agents as processes (KEY-DELIVERY.md §6, issue 14), against the same
 * flow through the in-process agents (the test double), in the same run:
 *
 * 1. Throughput at 16 clients: keys created, routed, delivered to both
 *    endpoints' agents and confirmed (receipts checked, key ACTIVE) per
 *    second, for N seconds each (default 10): agent processes behind the
 *    hub's mTLS agent port versus in-process agents. Ratio (goal ≥ 0.5), and
 *    p50/p99 of one key's whole distribution in each.
 * 2. One delivery round trip (deliver → sealed, fsynced → receipt), one at a
 *    time: p50/p99 to an agent process versus an in-process agent.
 * 3. `kill -9` of an agent process → its node OFFLINE (the simulator ticking
 *    every 250 ms, as the console does with QECNET_AGENTS=process), against
 *    the configured limit missedLimit × heartbeatMs (3 × 1,000 ms), a few times.
 *
 * Database: DATABASE_URL's server, or an embedded PostgreSQL in a temp folder.
 * The agents' data folders go under BENCH_AGENTS_TMP (default the OS temp
 * folder; /dev/shm shows what the fsyncs cost). Prints the machine's load (os.loadavg) before and after: the machine may be shared.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { AGENT_PATH, AgentListener, readAgentTls } from "../server/agents/hub/agent-listener";
import { RemoteAgents } from "../server/agents/hub/remote-agents";
import { InProcessAgents } from "../server/agents/in-process-agents";
import { agentPkiPaths, issueAgentPki } from "../server/agents/pki/agent-pki";
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { poolOf } from "../server/db/client";
import { buildServices, type HubAgents, type Services } from "../server/runtime/services";
import { testCheckpointService } from "../server/testing/checkpoint-fixtures";
import { createNodes, testVault } from "../server/testing/fixtures";
import { createTestDatabase, type TestDatabase } from "../server/testing/test-database";
import { systemClock } from "../server/time/clock";
import { openTarget, runBench, runFor, sleep } from "./bench-support";

process.env.QECNET_LOG_LEVEL ??= "error";

const ACTOR = { actor: "bench" };
const CLIENTS = 16;
const HEARTBEAT_MS = 1_000;
const MISSED_LIMIT = 3;
const TICK_MS = 250;
const NODES = ["hub-1", "node-a", "node-b", "node-c"];
const ENDPOINTS = ["node-a", "node-b"];

const fmt = (n: number, d = 0) => n.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(" ");

interface Flow {
  keysPerSec: number;
  active: number;
  failed: number;
  p50Ms: number;
  p99Ms: number;
}

async function database(adminUrl: string, tag: string): Promise<TestDatabase> {
  const t = await createTestDatabase(adminUrl, tag);
  await createNodes(t.db, NODES);
  // Pads for every key of the run: the figure is agents, not pool refill.
  await poolOf(t.db).query(`UPDATE links SET pool_bits = 1000000000000, pool_capacity_bits = 1000000000000`);
  return t;
}

function services<A extends HubAgents>(t: TestDatabase, agents: A): Services<A> {
  return buildServices<A>(t.db, t.url, testVault(), testCheckpointService(t.db), {
    agents, receiptTimeoutMs: 2_000, backoffMs: () => 0, simulation: { tickMs: TICK_MS, missedHeartbeats: 1 },
  });
}

/** 16 clients creating and distributing keys to both endpoints for `seconds`. */
async function flow(s: Services<HubAgents>, seconds: number): Promise<Flow> {
  const lat: number[] = [];
  let active = 0;
  let failed = 0;
  let n = 0;
  const secs = await runFor(seconds, CLIENTS, async () => {
    const t0 = performance.now();
    const k = await s.keys.create({ label: `bench-${n++}`, purpose: "bench", policy: "standard", participants: ENDPOINTS }, ACTOR);
    const r = await s.distribution.distribute(k.id, ACTOR);
    lat.push(performance.now() - t0);
    if (r.finalKey.state === "ACTIVE") active++;
    else failed++;
  });
  return { keysPerSec: active / secs, active, failed, p50Ms: pct(lat, 50), p99Ms: pct(lat, 99) };
}

/** One carry → receipt at a time to one node's agent (hop by hop with link pads, as a distribution carries it). */
async function roundTrips<A extends HubAgents>(s: Services<A>, nodeId: string, n: number): Promise<number[]> {
  const out: number[] = [];
  const route = await s.db.keyRoute.findFirstOrThrow({ where: { nodeId }, select: { nodePath: true } });
  for (let i = 0; i < n; i++) {
    const material = randomBytes(32);
    const t0 = performance.now();
    const [r] = await s.distribution.carrier.carry(randomUUID(), 256, material, [{ nodeId, nodePath: route.nodePath }]);
    if (!r?.mac) throw new Error(r?.problem ?? "no receipt");
    out.push(performance.now() - t0);
    material.fill(0);
  }
  return out;
}

async function main(): Promise<number> {
  const i = process.argv.indexOf("--seconds");
  const seconds = i > 0 ? Number(process.argv[i + 1]) : 10;
  const target = await openTarget();
  const dir = mkdtempSync(path.join(process.env.BENCH_AGENTS_TMP ?? os.tmpdir(), "qecnet-bench-agents-"));
  const procs: ChildProcess[] = [];
  const dbs: TestDatabase[] = [];
  let listener: AgentListener | null = null;
  try {
    console.log(`bench:agents on ${target.where}; ${os.cpus().length} CPU(s); load average (1/5/15 min) at start: ${load()}`);

    // ---- in-process agents (the baseline of the same run)
    const tIn = await database(target.adminUrl, "bench_agents_inproc");
    dbs.push(tIn);
    const sIn = services(tIn, new InProcessAgents());
    await flow(sIn, Math.min(2, seconds)); // warm-up
    const inFlow = await flow(sIn, seconds);
    const inRt = await roundTrips(sIn, "node-a", 500);

    // ---- agent processes behind the mTLS agent port
    const tPr = await database(target.adminUrl, "bench_agents_proc");
    dbs.push(tPr);
    await issueAgentPki(path.join(dir, "pki"), ENDPOINTS);
    const remote = new RemoteAgents({ clock: systemClock, receiptTimeoutMs: 2_000, heartbeatMs: HEARTBEAT_MS, missedLimit: MISSED_LIMIT });
    const sPr = services(tPr, remote);
    const p = agentPkiPaths(path.join(dir, "pki"));
    listener = new AgentListener({ db: tPr.db, runner: sPr.keys.runner, agents: remote, clock: systemClock, tls: readAgentTls({ ca: p.caCert, cert: p.hubCert, key: p.hubKey }) });
    const port = await listener.start(0);
    // As in production: each agent its own process, logging (pino JSON, info) to its own file, not to this process.
    const start = (node: string) => {
      const logFd = openSync(path.join(dir, `${node}.log`), "a");
      const child = spawn(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "..", "scripts", "agent.ts"),
        "--node", node, "--hub", `wss://127.0.0.1:${port}${AGENT_PATH}`, "--data", path.join(dir, node), "--pki", path.join(dir, "pki")],
      { stdio: ["ignore", logFd, logFd], env: { ...process.env, QECNET_AGENT_LOG_LEVEL: "info" } });
      closeSync(logFd);
      procs.push(child);
      return { child, exited: new Promise<void>((r) => child.once("exit", () => r())) };
    };
    const connected = async (node: string) => {
      for (let w = 0; w < 400 && !remote.session(node); w++) await sleep(50);
      if (!remote.session(node)) throw new Error(`the agent of ${node} did not connect`);
    };
    const agentOf = new Map(ENDPOINTS.map((n) => [n, start(n)]));
    for (const n of ENDPOINTS) await connected(n);
    await flow(sPr, Math.min(2, seconds)); // warm-up
    const prFlow = await flow(sPr, seconds);
    const prRt = await roundTrips(sPr, "node-a", 500);

    // ---- kill -9 → NODE_OFFLINE, the simulator ticking as in the console
    const offline: number[] = [];
    let ticking = true;
    const ticker = (async () => {
      while (ticking) {
        const t0 = performance.now();
        await sPr.simulator.tickOnce().catch(() => undefined);
        await sleep(Math.max(0, TICK_MS - (performance.now() - t0)));
      }
    })();
    const status = async (node: string) => (await tPr.db.node.findUniqueOrThrow({ where: { id: node }, select: { status: true } })).status;
    for (let run = 0; run < 3; run++) {
      const node = ENDPOINTS[run % ENDPOINTS.length]!;
      for (let w = 0; w < 200 && (await status(node)) !== "ONLINE"; w++) await sleep(50);
      await sleep(HEARTBEAT_MS * 1.5); // a heartbeat or two on the fresh session
      const a = agentOf.get(node)!;
      const t0 = performance.now();
      a.child.kill("SIGKILL");
      while ((await status(node)) !== "OFFLINE" && performance.now() - t0 < 30_000) await sleep(20);
      offline.push(performance.now() - t0);
      await a.exited;
      agentOf.set(node, start(node));
      await connected(node);
    }
    ticking = false;
    await ticker;

    const limit = MISSED_LIMIT * HEARTBEAT_MS;
    const ratio = prFlow.keysPerSec / inFlow.keysPerSec;
    console.log(`\nKeys created, routed, delivered to both endpoints and confirmed (ACTIVE), ${CLIENTS} clients, ${seconds} s each`);
    console.log("agents                   keys/s   ACTIVE  failed   p50 ms   p99 ms");
    for (const [name, f] of [["in-process (baseline)", inFlow], ["processes (mTLS ws)", prFlow]] as const) {
      console.log(`${name.padEnd(22)} ${fmt(f.keysPerSec, 1).padStart(8)} ${fmt(f.active).padStart(8)} ${fmt(f.failed).padStart(7)} ${fmt(f.p50Ms, 1).padStart(8)} ${fmt(f.p99Ms, 1).padStart(8)}`);
    }
    console.log(`ratio processes / in-process: ${fmt(ratio, 2)} (goal ≥ 0.5: ${ratio >= 0.5 ? "met" : "NOT met"})`);
    console.log(`\nOne delivery round trip (deliver → sealed + fsynced → receipt), 500 sequential to node-a`);
    console.log(`  agent process: p50 ${fmt(pct(prRt, 50), 2)} ms, p99 ${fmt(pct(prRt, 99), 2)} ms; in-process: p50 ${fmt(pct(inRt, 50), 3)} ms, p99 ${fmt(pct(inRt, 99), 3)} ms`);
    console.log(`\nkill -9 of an agent → node OFFLINE (heartbeat ${HEARTBEAT_MS} ms × missedLimit ${MISSED_LIMIT} = ${fmt(limit)} ms; simulator tick ${TICK_MS} ms)`);
    console.log(`  runs: ${offline.map((x) => fmt(x)).join(", ")} ms; worst ${fmt(Math.max(...offline))} ms = ${fmt(Math.max(...offline) / limit, 2)}× the limit (criterion 9: within limit + 1 s = ${fmt(limit + 1_000)} ms: ${Math.max(...offline) <= limit + 1_000 ? "met" : "NOT met"})`);
    console.log(`\nload average (1/5/15 min) at the end: ${load()}`);
    console.log(`\nBENCH_JSON ${JSON.stringify({ seconds, clients: CLIENTS, inFlow, prFlow, ratio, roundTrip: { process: { p50: pct(prRt, 50), p99: pct(prRt, 99) }, inProcess: { p50: pct(inRt, 50), p99: pct(inRt, 99) } }, offlineMs: offline, limitMs: limit, load: os.loadavg() })}`);
    return 0;
  } finally {
    for (const c of procs) c.kill("SIGKILL");
    await listener?.stop();
    for (const t of dbs) await t.dispose();
    await target.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}

runBench(main);
