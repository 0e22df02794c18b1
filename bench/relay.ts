/**
 * `npm run bench:relay [-- --seconds N]`
 *
 * Keys relayed hop by hop with one-time pads (issue 18), by real agent
 * processes over mTLS, on a line of trusted relays:
 *
 *   hub-sov ── ep-1            (1 hop: direct delivery, the baseline)
 *   hub-sov ── r1 ── r2 ── ep-3         (3 hops)
 *   hub-sov ── r1 ── r2 ── r3 ── r4 ── ep-5   (5 hops)
 *
 * 1. Keys per second with receipts (created, routed, carried hop by hop,
 *    confirmed ACTIVE) at 8 clients for N seconds (default 5) to each
 *    endpoint, one after the other in the same run, and p50/p99 of one key's
 *    whole distribution; each as a ratio to direct delivery.
 * 2. Pad bytes used per key per hop, from the ends' reported levels (both
 *    ends of every hop): a 256-bit key should cost exactly 32 bytes at each.
 * 3. Time to detect a pad desynchronisation: one end of the last hop to ep-5
 *    loses bytes (the agent's padSkip fault); from the start of the next
 *    distribution to the hub marking the link (the key failed, never ACTIVE).
 *
 * Database: DATABASE_URL's server, or an embedded PostgreSQL in a temp
 * folder. Prints the machine's load: the machine may be shared.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { AGENT_PATH, AgentListener, readAgentTls } from "../server/agents/hub/agent-listener";
import { RemoteAgents } from "../server/agents/hub/remote-agents";
import { agentPkiPaths, issueAgentPki } from "../server/agents/pki/agent-pki";
import { buildLink } from "../server/domain/mesh/mesh-builder";
import { buildServices, type Services } from "../server/runtime/services";
import { agentStarter, waitUntil } from "../server/testing/agent-process";
import { testCheckpointService } from "../server/testing/checkpoint-fixtures";
import { testVault } from "../server/testing/fixtures";
import { createTestDatabase } from "../server/testing/test-database";
import { systemClock } from "../server/time/clock";
import { openTarget, runBench, runFor } from "./bench-support";

process.env.QECNET_LOG_LEVEL ??= "error";

const ACTOR = { actor: "bench" };
const CLIENTS = 8;
const LINE = ["hub-sov", "r1", "r2", "r3", "r4", "ep-5"];
const NODES = [
  { id: "hub-sov", role: "HUB" as const },
  ...["r1", "r2", "r3", "r4"].map((id) => ({ id, role: "RELAY" as const })),
  ...["ep-1", "ep-3", "ep-5"].map((id) => ({ id, role: "ENDPOINT" as const })),
];
const LINKS: Array<[string, string]> = [
  ["hub-sov", "ep-1"],
  ...LINE.slice(0, -1).map((a, i) => [a, LINE[i + 1]!] as [string, string]),
  ["r2", "ep-3"],
];
const AGENTS = NODES.filter((n) => n.role !== "HUB").map((n) => n.id);
const ROUTES: Array<{ endpoint: string; hops: number }> = [{ endpoint: "ep-1", hops: 1 }, { endpoint: "ep-3", hops: 3 }, { endpoint: "ep-5", hops: 5 }];

const fmt = (n: number, d = 0) => n.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(" ");
const linkId = (a: string, b: string) => buildLink({ aNodeId: a, bNodeId: b, lengthKm: 10 }).id;

function argSeconds(): number {
  const i = process.argv.indexOf("--seconds");
  const v = i >= 0 ? Number(process.argv[i + 1]) : 5;
  if (!Number.isFinite(v) || v <= 0) throw new Error("--seconds takes a positive number");
  return v;
}

/** Bytes used so far at both ends of every link, per direction, from the reported levels. */
function usedBytes(s: Services<RemoteAgents>): Map<string, number> {
  const out = new Map<string, number>();
  for (const l of s.padLevels.all()) for (const e of l.ends) out.set(`${l.linkId}|${e.end}|${e.direction}`, e.usedBytes);
  return out;
}

async function main(): Promise<void> {
  const seconds = argSeconds();
  const target = await openTarget();
  const dir = mkdtempSync(path.join(os.tmpdir(), "qecnet-bench-relay-"));
  console.log(`bench:relay — ${target.where}; ${CLIENTS} clients, ${seconds} s per route; load before: ${load()}`);
  const t = await createTestDatabase(target.adminUrl, "bench_relay");
  const agents = agentStarter({ port: () => port, dir: () => dir, hubPath: AGENT_PATH, allowFaults: true });
  let listener: AgentListener | null = null;
  let port = 0;
  try {
    await t.db.node.createMany({ data: NODES.map((n, i) => ({ id: n.id, name: n.id.toUpperCase(), role: n.role, site: `Site ${i}`, x: i * 100, y: 0 })) });
    // Links whose devices started an hour ago; pools (the hub's accounting) large enough for the whole run.
    const epoch = new Date(Date.now() - 3_600_000);
    await t.db.link.createMany({
      data: LINKS.map(([a, b]) => {
        const l = buildLink({ aNodeId: a, bNodeId: b, lengthKm: 10 });
        return { ...l, poolBits: 1_000_000_000_000n, poolCapacityBits: 1_000_000_000_000n, bitsConsumed: 0n, createdAt: epoch };
      }),
    });
    await issueAgentPki(path.join(dir, "pki"), AGENTS);
    const remote = new RemoteAgents({ clock: systemClock, receiptTimeoutMs: 5000, heartbeatMs: 500, missedLimit: 20 });
    const s = buildServices(t.db, t.url, testVault(), testCheckpointService(t.db), { agents: remote, receiptTimeoutMs: 5000, backoffMs: () => 0 });
    const p = agentPkiPaths(path.join(dir, "pki"));
    listener = new AgentListener({ db: t.db, runner: s.keys.runner, agents: remote, clock: systemClock, tls: readAgentTls({ ca: p.caCert, cert: p.hubCert, key: p.hubKey }) });
    port = await listener.start(0);
    for (const n of AGENTS) agents.start(n);
    await waitUntil(() => AGENTS.every((n) => !!s.agents.session(n)), 60_000);
    const rateBps = (await t.db.link.findFirstOrThrow({ select: { secretKeyRateBps: true } })).secretKeyRateBps;

    let seq = 0;
    const distribute = async (endpoint: string): Promise<{ ok: boolean; ms: number }> => {
      const started = performance.now();
      const k = await s.keys.create({ label: `relay-${endpoint}-${++seq}`, purpose: "bench:relay", policy: "standard", participants: [endpoint] }, ACTOR);
      const r = await s.distribution.distribute(k.id, ACTOR);
      return { ok: r.finalKey.state === "ACTIVE", ms: performance.now() - started };
    };
    // Warm up every route (connections, prepared statements, the carrier's copy of the mesh).
    for (const r of ROUTES) await distribute(r.endpoint);

    const results: Array<{ hops: number; keysPerSec: number; failed: number; p50: number; p99: number; padPerKeyHop: number }> = [];
    for (const r of ROUTES) {
      const before = usedBytes(s);
      const ms: number[] = [];
      let failed = 0;
      const took = await runFor(seconds, CLIENTS, async () => {
        const x = await distribute(r.endpoint);
        if (x.ok) ms.push(x.ms);
        else failed++;
      });
      // Levels arrive with heartbeats: wait for one more round before reading them.
      await new Promise((res) => setTimeout(res, 1_200));
      const after = usedBytes(s);
      const path_ = r.endpoint === "ep-1" ? ["hub-sov", "ep-1"] : r.endpoint === "ep-3" ? ["hub-sov", "r1", "r2", "ep-3"] : LINE;
      const perEnd: number[] = [];
      for (let i = 0; i + 1 < path_.length; i++) {
        // Every link was built with its A end towards the hub: each hop runs A>B.
        const id = linkId(path_[i]!, path_[i + 1]!);
        const dir_ = "A>B";
        for (const end of ["A", "B"]) perEnd.push(((after.get(`${id}|${end}|${dir_}`) ?? 0) - (before.get(`${id}|${end}|${dir_}`) ?? 0)) / Math.max(1, ms.length + failed));
      }
      results.push({ hops: r.hops, keysPerSec: ms.length / took, failed, p50: pct(ms, 50), p99: pct(ms, 99), padPerKeyHop: perEnd.reduce((a, b) => a + b, 0) / perEnd.length });
    }
    const direct = results[0]!;
    console.log(`\n1. keys relayed with receipts, ${CLIENTS} clients (256-bit keys; link secret key rate ${fmt(rateBps)} bit/s = ${fmt(rateBps / 256)} keys/s per link):`);
    for (const r of results) {
      console.log(`   ${r.hops} hop${r.hops > 1 ? "s" : " "}: ${fmt(r.keysPerSec, 1)} keys/s (ratio to direct ${(r.keysPerSec / direct.keysPerSec).toFixed(2)}), p50 ${fmt(r.p50, 1)} ms, p99 ${fmt(r.p99, 1)} ms${r.failed ? `, ${r.failed} failed` : ""}`);
    }
    console.log(`\n2. pad bytes used per key per hop, mean over both ends of every hop (a 256-bit key is 32 bytes):`);
    for (const r of results) console.log(`   ${r.hops} hop${r.hops > 1 ? "s" : " "}: ${r.padPerKeyHop.toFixed(2)} bytes`);

    // 3. Desynchronisation: ep-5's end of r4--ep-5 loses 5 bytes; the next key to ep-5 must fail and mark that link.
    const last = linkId("r4", "ep-5");
    await s.agents.padSkip("ep-5", last, 5);
    const k = await s.keys.create({ label: "relay-desync", purpose: "bench:relay", policy: "standard", participants: ["ep-5"] }, ACTOR);
    const started = performance.now();
    const routed = s.distribution.distribute(k.id, ACTOR);
    await waitUntil(() => s.padLevels.get(last).desync !== null, 30_000);
    const detectMs = performance.now() - started;
    const d = await routed;
    console.log(`\n3. pad desynchronisation on ${last}: detected ${fmt(detectMs, 1)} ms after the distribution started (against a direct key's p50 of ${fmt(direct.p50, 1)} ms); first attempt ${d.attempts[0]!.outcome}, key never ACTIVE with other bytes: ${d.finalKey.state !== "ACTIVE"}`);
    console.log(`\nload after: ${load()}`);
    console.log(`BENCH_JSON ${JSON.stringify({ results, detectMs, load: os.loadavg() })}`);
  } finally {
    agents.killAll();
    await listener?.stop().catch(() => undefined);
    await t.dispose().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    await target.cleanup();
  }
}

runBench(main);
