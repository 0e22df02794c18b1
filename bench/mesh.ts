/**
 * `npm run bench:mesh [-- --quick] [--seconds N] [--no-browser]`
 *
 * Prints, each figure with a baseline measured in the same run:
 * 1. re-routing after isolating the busiest relay of generated meshes of
 *    100 / 1,000 / 5,000 nodes: planning (sever, choose bypasses, recompute the
 *    hub's routes to every node) in memory, against one reachability pass over
 *    the same mesh; and the whole audited operation through the service on
 *    PostgreSQL, against an audited no-op job;
 * 2. keys distributed per second with receipts (route, pads on every hop,
 *    delivery to in-process agents, every receipt checked, ACTIVE) on the
 *    1,000-node mesh with 16 concurrent clients, against key creation alone;
 * 3. browser render time of the 500-node graph and frame rate while panning
 *    in Chromium, against 50 nodes (bench/mesh-render.ts; needs `npm run build`).
 * Database: DATABASE_URL's server, or an embedded PostgreSQL in a temp folder.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { applyPlan, planIsolation, planRestore } from "../server/mesh/rewiring/rewire";
import { MeshGraph } from "../server/mesh/routing/route-planner";
import { generateMesh, type GeneratedMesh } from "../server/domain/mesh/mesh-generator";
import { otherEnd } from "../server/domain/mesh/mesh-model";
import type { Services } from "../server/runtime/services";
import { testServices, writeMesh } from "../server/testing/fixtures";
import { createTestDatabase } from "../server/testing/test-database";
import { freePort, openTarget, runFor, sleep, runBench } from "./bench-support";

const ACTOR = { actor: "bench" };
const fmt = (n: number, d = 0) => n.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const timeMs = (fn: () => void) => {
  const t = performance.now();
  fn();
  return performance.now() - t;
};
const timeAsync = async (fn: () => Promise<unknown>) => {
  const t = performance.now();
  await fn();
  return performance.now() - t;
};

function busiestRelay(m: GeneratedMesh): string {
  const degree = new Map<string, number>();
  for (const l of m.links.values()) for (const n of [l.aNodeId, l.bNodeId]) degree.set(n, (degree.get(n) ?? 0) + 1);
  return [...m.nodes.values()].filter((n) => n.role === "RELAY").sort((a, b) => (degree.get(b.id) ?? 0) - (degree.get(a.id) ?? 0))[0]!.id;
}

/** Isolation planning plus a fresh route from the hub to every node (what re-routing costs). */
function reroute(m: GeneratedMesh, victim: string): number {
  const plan = planIsolation(m, victim, "ISOLATED", "bench");
  const after = applyPlan(m, plan);
  // Routes as soon as the pools allow (a new bypass starts empty and fills at its key rate).
  const routes = new MeshGraph(after).routesFrom(m.hubId, 256, (id) => after.links.get(id)?.poolCapacityBits ?? 0);
  return routes.size - 1;
}

async function planningFigures(sizes: number[], runs: number) {
  const rows = [];
  for (const n of sizes) {
    const m = generateMesh(n, 2026);
    const victim = busiestRelay(m);
    let routed = 0;
    const plan: number[] = [];
    const base: number[] = [];
    for (let i = 0; i < runs; i++) {
      base.push(timeMs(() => new MeshGraph(m).reachableFrom(m.hubId)));
      plan.push(timeMs(() => (routed = reroute(m, victim))));
    }
    const p = planIsolation(m, victim, "ISOLATED", "bench");
    rows.push({ nodes: n, links: m.links.size, victim, neighbours: [...m.links.values()].filter((l) => l.aNodeId === victim || l.bNodeId === victim).map((l) => otherEnd(l, victim)).length, bypasses: p.newLinks.length, stranded: p.stranded.length, routed, rerouteMs: median(plan), baselineMs: median(base) });
  }
  return rows;
}

async function serviceFigures(adminUrl: string, sizes: number[], runs: number) {
  const rows = [];
  for (const n of sizes) {
    const t = await createTestDatabase(adminUrl, `bench_mesh_${n}`);
    try {
      const m = generateMesh(n, 2026);
      await writeMesh(t.db, m);
      const s = testServices(t.db, t.url);
      const victim = busiestRelay(m);
      const iso: number[] = [];
      const restore: number[] = [];
      const base: number[] = [];
      for (let i = 0; i < runs; i++) {
        base.push(await timeAsync(() => s.keys.runner.submit({ keyIds: [], run: (ws) => ws.audit({ actor: "bench", action: "BENCH_NOOP", subjectType: "bench", subjectId: "x", fromState: null, toState: null, details: {} }) })));
        iso.push(await timeAsync(() => s.mesh.isolateNode(victim, "bench", ACTOR)));
        restore.push(await timeAsync(() => s.mesh.restoreNode(victim, "bench", ACTOR)));
      }
      rows.push({ nodes: n, isolateMs: median(iso), restoreMs: median(restore), baselineMs: median(base) });
      // Invariant while we are here: restoring gave the mesh back.
      const back = applyPlan(applyPlan(m, planIsolation(m, victim, "ISOLATED", "x")), planRestore(applyPlan(m, planIsolation(m, victim, "ISOLATED", "x")), victim));
      if (back.links.size !== m.links.size) throw new Error("restore did not give the mesh back");
    } finally {
      await t.dispose();
    }
  }
  return rows;
}

async function distributionFigures(adminUrl: string, seconds: number, clients: number) {
  const t = await createTestDatabase(adminUrl, "bench_dist");
  try {
    const m = generateMesh(1_000, 2026);
    await writeMesh(t.db, m);
    const s: Services = testServices(t.db, t.url, { receiptTimeoutMs: 5_000 });
    const endpoints = [...m.nodes.values()].filter((n) => n.role === "ENDPOINT").map((n) => n.id);
    let seq = 0;
    const pick = () => [endpoints[(seq * 7919) % endpoints.length]!, endpoints[(seq * 104_729 + 13) % endpoints.length]!].filter((v, i, a) => a.indexOf(v) === i);
    let created = 0;
    const createSecs = await runFor(seconds, clients, async () => {
      seq++;
      await s.keys.create({ label: `c-${seq}`, purpose: "bench", policy: "short-lived", participants: pick() }, ACTOR);
      created++;
    });
    let distributed = 0;
    let failed = 0;
    let hops = 0;
    const distSecs = await runFor(seconds, clients, async () => {
      seq++;
      const k = await s.keys.create({ label: `d-${seq}`, purpose: "bench", policy: "short-lived", participants: pick() }, ACTOR);
      const r = await s.distribution.distribute(k.id, ACTOR);
      if (r.finalKey.state === "ACTIVE") distributed++;
      else failed++;
      hops += r.attempts.at(-1)!.routes.reduce((n, x) => n + x.linkPath.length, 0);
    });
    const active = await t.db.key.count({ where: { state: "ACTIVE" } });
    const unconfirmed = await t.db.keyParticipant.count({ where: { key: { state: "ACTIVE" }, confirmedAt: null } });
    return { createdPerSec: created / createSecs, distributedPerSec: distributed / distSecs, distributed, failed, meanHops: hops / Math.max(1, distributed), active, unconfirmed };
  } finally {
    await t.dispose();
  }
}

async function browserFigures(): Promise<Record<string, unknown> | string> {
  if (!existsSync(path.join(process.cwd(), ".next", "BUILD_ID"))) return "skipped: no production build (run `npm run build` first)";
  const port = await freePort();
  const server = spawn(process.execPath, [path.join("node_modules", "tsx", "dist", "cli.mjs"), "scripts/e2e-server.ts"], {
    env: { ...process.env, E2E_PORT: String(port), QECNET_SIMULATION: "off" },
    stdio: ["ignore", "ignore", "inherit"],
    detached: true,
  });
  try {
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      if (i > 240) throw new Error("the console did not start within 2 minutes");
      if (await fetch(`${url}/api/health`).then((r) => r.ok, () => false)) break;
      await sleep(500);
    }
    const { benchMeshRender } = await import("./mesh-render");
    return { ...(await benchMeshRender(url)) };
  } finally {
    try {
      process.kill(-server.pid!, "SIGTERM");
    } catch {
      /* already gone */
    }
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const quick = argv.includes("--quick");
  const secondsArg = argv.indexOf("--seconds");
  const seconds = secondsArg >= 0 ? Number(argv[secondsArg + 1]) : quick ? 2 : 5;
  const sizes = [100, 1_000, 5_000];
  const target = await openTarget();
  console.log(`bench:mesh on ${target.where}, node ${process.version}, ${seconds} s per rate phase`);
  try {
    const planning = await planningFigures(sizes, quick ? 3 : 7);
    console.log("\n1a. Re-routing after isolating the busiest relay (in memory: sever, bypasses, hub routes to every node)");
    console.log("nodes   links  neighbours  bypasses  stranded  routed   re-route ms  baseline ms (one reachability pass)  ratio");
    for (const r of planning) {
      console.log(`${fmt(r.nodes).padStart(5)}  ${fmt(r.links).padStart(6)}  ${String(r.neighbours).padStart(10)}  ${String(r.bypasses).padStart(8)}  ${String(r.stranded).padStart(8)}  ${fmt(r.routed).padStart(6)}  ${fmt(r.rerouteMs, 2).padStart(11)}  ${fmt(r.baselineMs, 3).padStart(12)}  ${fmt(r.rerouteMs / r.baselineMs, 1).padStart(28)}x`);
    }
    const service = await serviceFigures(target.adminUrl, sizes, quick ? 2 : 3);
    console.log("\n1b. Isolate / restore through the service (one audited transaction on PostgreSQL)");
    console.log("nodes   isolate ms  restore ms  baseline ms (audited no-op job)  ratio");
    for (const r of service) console.log(`${fmt(r.nodes).padStart(5)}  ${fmt(r.isolateMs, 1).padStart(10)}  ${fmt(r.restoreMs, 1).padStart(10)}  ${fmt(r.baselineMs, 1).padStart(11)}  ${fmt(r.isolateMs / r.baselineMs, 1).padStart(22)}x`);
    const dist = await distributionFigures(target.adminUrl, seconds, 16);
    console.log("\n2. Keys distributed with receipts on the 1,000-node mesh, 16 clients");
    console.log(`   key creation alone (baseline): ${fmt(dist.createdPerSec)} keys/s`);
    console.log(`   create + distribute + receipts: ${fmt(dist.distributedPerSec)} keys/s  (${fmt(dist.distributedPerSec / dist.createdPerSec, 2)}x the baseline; ${dist.distributed} ACTIVE, ${dist.failed} failed, mean ${fmt(dist.meanHops, 1)} hops per key)`);
    console.log(`   check: ${dist.unconfirmed} ACTIVE keys with an unconfirmed participant (must be 0)`);
    let browser: Record<string, unknown> | string = "skipped (--no-browser)";
    if (!argv.includes("--no-browser")) browser = await browserFigures().catch((e: unknown) => `failed: ${(e as Error).message}`);
    console.log("\n3. Browser (Chromium):", typeof browser === "string" ? browser : "");
    if (typeof browser !== "string") {
      const b = browser as { baseline: { renderMs: number; panFps: number }; large: { renderMs: number; panFps: number; renderedNodes: number }; wallLarge: { renderMs: number; panFps: number }; renderRatio: number; panFpsRatio: number };
      console.log(`   render: 50 nodes ${fmt(b.baseline.renderMs)} ms, 500 nodes ${fmt(b.large.renderMs)} ms (${fmt(b.renderRatio, 2)}x)`);
      console.log(`   panning: 50 nodes ${fmt(b.baseline.panFps, 1)} fps, 500 nodes ${fmt(b.large.panFps, 1)} fps (${fmt(b.panFpsRatio, 2)}x)`);
      console.log(`   wall mode, 500 nodes: render ${fmt(b.wallLarge.renderMs)} ms, panning ${fmt(b.wallLarge.panFps, 1)} fps`);
    }
    console.log(`\nBENCH_JSON ${JSON.stringify({ planning, service, distribution: dist, browser })}`);
  } finally {
    await target.cleanup();
  }
}

runBench(main);
