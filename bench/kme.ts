/**
 * `npm run bench:kme [-- --quick] [-- --campaign N]`
 *
 * ETSI 014 key delivery end to end (KEY-DELIVERY.md §7, criterion 12), on the
 * shared rig of the tests (server/testing/kme-harness.ts): this process is the
 * hub (KmeHub behind the agent port, services on a fresh database), ep-bank
 * and ep-stock each run a real agent process hosting its KME, and 16
 * application pairs sae-bank-i → sae-stock-i call them over mutual TLS, each
 * with its own SAE-CA certificate and keep-alive connections.
 *
 * 1. Latency at 16 concurrent pairs, p50 and p99, of `status`, `enc_keys` (one
 *    key) and `dec_keys` (one key: the keys the enc_keys phase issued), the
 *    applications in their own process as real ones are (bench/kme-clients.ts;
 *    until 2026-12-06 they ran in this process, the hub's, and their TLS work
 *    shared its event loop), each
 *    beside two baselines of the same run: an mTLS round trip to a static
 *    handler answering {} with the KME's TLS setup, in its own process
 *    (bench/static-mtls-server.ts), and an audited no-op job of the hub's
 *    transition runner.
 * 2. Bulk delivery: 4 pairs at once, each enc_keys number=128 then dec_keys
 *    of those 128, in keys delivered to both applications per second, against
 *    the key rate of the demo mesh's fastest link (secret_key_rate_bps / 256).
 * 3. The campaign: 10,000 issue/fetch pairs at 16 pairs, then the checks: no
 *    key_ID served twice, no byte mismatch, usage counters = deliveries, the
 *    audit chain verifying.
 *
 * Pools: target 1,000 keys (the policy's default), refilled by the replenisher
 * between phases and campaign chunks (timed apart, counted in no phase): the
 * pool count behind status and enc_keys grows with the pool (see
 * docs/benchmarks.md), so the pool size is part of every figure. The links' pads are made
 * large (10^12 bits) so that pads never run out: the figures are delivery, not
 * link physics; the demo mesh's real rates are only the yardstick of (2).
 * A full run took ~14 min on the shared 2-core machine (the 10,000-pair
 * campaign ~11 of them); `--quick` (1,000 pairs, fewer calls) ~4 min, and
 * `--campaign N` sets the campaign alone.
 * Database: DATABASE_URL's server, or an embedded PostgreSQL in a temp folder.
 * Prints the load average before and after: the machine may be shared.
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import os from "node:os";
import path from "node:path";
import type { Agent } from "node:https";
import { poolOf } from "../server/db/client";
import { etsi014Agent, etsi014Request } from "../server/testing/etsi014-client";
import { auditDeliveries, runCampaign, type CampaignPair, type CampaignResult } from "../server/testing/kme-campaign";
import { KmeHarness } from "../server/testing/kme-harness";
import { kmePkiPaths } from "../server/kme/pki/kme-pki-paths";
import { openTarget, runBench, sleep } from "./bench-support";
import { addPhaseCpu, CpuMeter, type PhaseCpu } from "./cpu-meter";

process.env.QECNET_LOG_LEVEL ??= "error";

const QUICK = process.argv.includes("--quick");
const argN = (flag: string, d: number) => {
  const i = process.argv.indexOf(flag);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const APPS = 16;
/** The etsi014 policy's poolTarget (KEY-DELIVERY.md §5.1): the pool size the latencies are measured at. */
const POOL = 1_000;
const BULK = 128;
/** Pairs asking for 128 keys at once in the bulk phase (4 × 128 of a 1,000-key pool). */
const BULK_PAIRS = 4;
const CALLS_PER_APP = QUICK ? 30 : 100;
const KEYS_PER_APP = QUICK ? 20 : 50;
/** Keys per pair the warm-up takes and fetches back, untimed. */
const WARM_KEYS = 5;
const BULK_WAVES = QUICK ? 1 : 4;
const CAMPAIGN = argN("--campaign", QUICK ? 1_000 : 10_000);
const KEY_BITS = 256;

const bank = (i: number) => `sae-bank-${i + 1}`;
const stock = (i: number) => `sae-stock-${i + 1}`;
const apps = Array.from({ length: APPS }, (_, i) => i);

const fmt = (n: number, d = 0) => n.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
const pct = (xs: readonly number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(" ");

interface Lat {
  name: string;
  ms: number[];
  failed: number;
  samples: string[];
}

/** A call's outcome: true, or what went wrong (kept as a sample). */
type Outcome = true | string;
const why = (r: { status: number; json: unknown }) => `${r.status} ${JSON.stringify(r.json).slice(0, 160)}`;

/** Each app runs `n` calls back to back, all apps at once; each call answers whether it succeeded. */
async function latencies(name: string, n: number, call: (app: number, k: number) => Promise<Outcome>): Promise<Lat> {
  const out: Lat = { name, ms: [], failed: 0, samples: [] };
  await Promise.all(apps.map(async (a) => {
    for (let k = 0; k < n; k++) {
      const t0 = performance.now();
      const ok = await call(a, k).catch((e: unknown) => String(e));
      out.ms.push(performance.now() - t0);
      if (ok !== true) {
        out.failed++;
        if (out.samples.length < 3) out.samples.push(ok);
      }
    }
  }));
  return out;
}

async function startStaticServer(pki: string): Promise<{ port: number; stop(): void }> {
  const p = kmePkiPaths(pki);
  const child = spawn(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "static-mtls-server.ts"), p.kmeCert("ep-bank"), p.kmeKey("ep-bank"), p.saeCaCert], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /"port":(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once("exit", (code) => reject(new Error(`the static server exited (${code})`)));
  });
  return { port, stop: () => child.kill("SIGTERM") };
}

/** The applications' process (bench/kme-clients.ts): one phase at a time, answered with every call's latency. */
async function startClients(pkiDir: string, bankPort: number, stockPort: number, staticPort: number) {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "kme-clients.ts"), pkiDir, String(bankPort), String(stockPort), String(staticPort), String(APPS)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const exited = new Promise<never>((_, reject) => child.once("exit", (code) => reject(new Error(`the clients' process exited (${code})`))));
  exited.catch(() => undefined);
  const nextLine = async () => {
    const r = await Promise.race([lines.next(), exited]);
    if (r.done) throw new Error("the clients' process closed its output");
    return r.value;
  };
  if ((await nextLine()) !== "READY") throw new Error("the clients' process did not start");
  return {
    phase: async (name: string, phase: "static" | "status" | "enc_keys" | "dec_keys", calls: number): Promise<Lat & { mismatches: number }> => {
      child.stdin!.write(`${JSON.stringify({ phase, calls })}\n`);
      const r = JSON.parse(await nextLine()) as { ms: number[]; failed: number; samples: string[]; mismatches: number };
      return { name, ...r };
    },
    stop: () => void child.kill("SIGTERM"),
    pid: child.pid!,
  };
}

async function main(): Promise<number> {
  const target = await openTarget();
  let h: KmeHarness | null = null;
  let stopStatic = () => undefined as void;
  let stopClients = () => undefined as void;
  let meterClose = async () => undefined as void;
  const agents: Agent[] = [];
  try {
    console.log(`bench:kme on ${target.where}; ${os.cpus().length} CPU(s); load average (1/5/15 min) at start: ${load()}${QUICK ? " (--quick)" : ""}`);
    let fastestLinkBps = 0;
    const t0 = performance.now();
    h = await KmeHarness.start({
      adminUrl: target.adminUrl, tag: "bench_kme", poolTarget: POOL, perRound: POOL, purgeOnCommit: true,
      saes: apps.flatMap((i) => [{ saeId: bank(i), nodeId: "ep-bank" }, { saeId: stock(i), nodeId: "ep-stock" }]),
      pairs: apps.map((i) => [bank(i), stock(i)] as const),
      onDatabase: async (db) => {
        const pool = poolOf(db);
        fastestLinkBps = Number((await pool.query<{ r: number }>("SELECT max(secret_key_rate_bps) AS r FROM links")).rows[0]!.r);
        await pool.query("UPDATE links SET pool_bits = 1000000000000, pool_capacity_bits = 1000000000000");
      },
    });
    const rig = h;
    console.log(`rig up (database, PKI, hub, 2 agent processes with KMEs, ${APPS * 2} SAEs, first pool of ${fmt(POOL)} keys) in ${fmt((performance.now() - t0) / 1000, 1)} s`);
    const fills: Array<{ keys: number; ms: number }> = [];
    const refill = async () => {
      const before = await rig.servable();
      const f0 = performance.now();
      await rig.fill();
      fills.push({ keys: (await rig.servable()) - before, ms: performance.now() - f0 });
    };

    const st = await startStaticServer(rig.pkiDir);
    stopStatic = st.stop;
    // Keep-alive connections, one per application and server. Each phase opens its own (and warms them with one call
    // it does not time): a connection left idle across a phase would meet the servers' 5 s keep-alive timeout, and a
    // request written as the server closes it fails with ECONNRESET.
    let master: Agent[] = [];
    let slave: Agent[] = [];
    let staticAgent: Agent[] = [];
    const renew = async () => {
      for (const a of agents.splice(0)) a.destroy();
      const make = (a: Agent) => (agents.push(a), a);
      master = apps.map((i) => make(rig.clientAgent(bank(i), 1)));
      slave = apps.map((i) => make(rig.clientAgent(stock(i), 1)));
      staticAgent = apps.map((i) => make(etsi014Agent(rig.tlsOf(bank(i)), 1)));
      await Promise.all(apps.map(async (i) => {
        await rig.call("ep-bank", bank(i), "GET", `${stock(i)}/status`, undefined, master[i]);
        await rig.call("ep-stock", stock(i), "GET", `${bank(i)}/status`, undefined, slave[i]);
        await etsi014Request({ url: `https://127.0.0.1:${st.port}/`, method: "GET", tls: rig.tlsOf(bank(i)), agent: staticAgent[i] });
      }));
    };
    await renew();

    const noop = async (): Promise<Outcome> => {
      await rig.s.keys.runner.submit({ keyIds: [], run: (ws) => ws.audit({ actor: "bench", action: "BENCH_NOOP", subjectType: "bench", subjectId: "kme", fromState: null, toState: null, details: {} }) });
      return true;
    };
    // The applications of the latency phases run in their own process (bench/kme-clients.ts), as real ones do: their
    // TLS and HTTP work does not share this process (the hub) and its event loop.
    const clients = await startClients(rig.pkiDir, rig.kmePort.get("ep-bank")!, rig.kmePort.get("ep-stock")!, st.port);
    stopClients = clients.stop;

    // ---- warm-up (connections, prepared statements, JIT of every process)
    await clients.phase("warm-up", "static", 10);
    await latencies("warm-up", 10, noop);
    await clients.phase("warm-up", "status", 10);
    // enc_keys and dec_keys too (5 keys per pair, fetched back): their paths at the agents are not status's.
    await clients.phase("warm-up", "enc_keys", WARM_KEYS);
    await clients.phase("warm-up", "dec_keys", WARM_KEYS);
    await refill();

    // ---- 1. latency at 16 pairs, with the two baselines measured just before
    const lStatic = await clients.phase("mTLS round trip, static {} (baseline)", "static", CALLS_PER_APP);
    const lNoop = await latencies("audited no-op job (baseline)", CALLS_PER_APP, noop);
    // CPU per call in every process of the rig, per method: where the latency goes on two shared cores.
    const meter = await CpuMeter.open(rig.url);
    meterClose = () => meter.close();
    const processes = new Map<string, number>([...rig.agents].map(([nodeId, p]) => [`agent ${nodeId}`, p.child.pid!]));
    processes.set("clients", clients.pid);
    const cpuOf = new Map<string, { calls: number; cpu: PhaseCpu }>();
    const metered = async <T extends { ms: number[] }>(name: string, run: () => Promise<T>): Promise<T> => {
      const end = await meter.begin(processes);
      const r = await run();
      cpuOf.set(name, { calls: r.ms.length, cpu: await end() });
      return r;
    };
    const lStatus = await metered("status", () => clients.phase("status", "status", CALLS_PER_APP));
    const lEnc = await metered("enc_keys (1 key)", () => clients.phase("enc_keys (1 key)", "enc_keys", KEYS_PER_APP));
    const lDec = await metered("dec_keys (1 key)", () => clients.phase("dec_keys (1 key)", "dec_keys", KEYS_PER_APP));
    const decMismatch = lDec.mismatches;
    // The baselines once more after the methods, to see the drift over the phases.
    const lStatic2 = await clients.phase("mTLS round trip, static {} (again)", "static", CALLS_PER_APP);
    const lNoop2 = await latencies("audited no-op job (again)", CALLS_PER_APP, noop);
    await renew();

    // ---- 2. bulk: enc_keys number=128 then dec_keys of the same 128, every pair at once
    let bulkKeys = 0;
    let bulkMs = 0;
    let bulkShort = 0;
    let bulkFailed = 0;
    const bulkSamples: string[] = [];
    let bulkCpu: PhaseCpu | null = null;
    for (let w = 0; w < BULK_WAVES; w++) {
      await refill();
      await renew();
      const b0 = performance.now();
      const endCpu = await meter.begin(processes);
      await Promise.all(apps.slice(0, BULK_PAIRS).map(async (a) => {
        let keys: Array<{ key_ID: string; key: string }> | null = null;
        for (let attempt = 0; attempt < 20 && !keys; attempt++) {
          const e = await rig.call("ep-bank", bank(a), "POST", `${stock(a)}/enc_keys`, { number: BULK }, master[a]).catch((err: unknown) => ({ status: 0, json: String(err) }));
          if (e.status === 200) keys = (e.json as { keys: Array<{ key_ID: string; key: string }> }).keys;
          else {
            if (bulkSamples.length < 3) bulkSamples.push(`enc_keys ${why(e)}`);
            if (e.status !== 503) break;
            bulkShort++; // the claim lost its candidates to the other pairs' claims: retry as a client would
            await sleep(5);
          }
        }
        if (!keys) return void bulkFailed++;
        const d = await rig.call("ep-stock", stock(a), "POST", `${bank(a)}/dec_keys`, { key_IDs: keys.map((k) => ({ key_ID: k.key_ID })) }, slave[a])
          .catch((err: unknown) => ({ status: 0, json: String(err) }));
        const got = d.status === 200 ? (d.json as { keys: Array<{ key_ID: string; key: string }> }).keys : [];
        if (d.status !== 200 || got.some((k, i) => k.key !== keys[i]!.key)) {
          if (bulkSamples.length < 3) bulkSamples.push(`dec_keys ${why(d)}`);
          return void bulkFailed++;
        }
        bulkKeys += got.length;
      }));
      bulkMs += performance.now() - b0;
      const c = await endCpu();
      bulkCpu = bulkCpu ? addPhaseCpu(bulkCpu, c) : c;
    }
    if (bulkCpu) cpuOf.set("bulk (per key)", { calls: bulkKeys, cpu: bulkCpu });
    const bulkRate = bulkKeys / (bulkMs / 1000);
    const linkKeyRate = fastestLinkBps / KEY_BITS;

    // ---- 3. the campaign, in chunks the pool can hold, refilled between chunks
    const pairs: CampaignPair[] = apps.map((i) => ({ master: { saeId: bank(i), site: "ep-bank" }, slave: { saeId: stock(i), site: "ep-stock" } }));
    const camp: CampaignResult = { pairs: 0, seconds: 0, failures: 0, encPoolExhausted: 0, failureSamples: [], servedTwice: 0, mismatches: 0, encMs: [], decMs: [], issuedKeyIds: [] };
    const seenAcrossChunks = new Set<string>();
    const chunkEncP50: number[] = [];
    while (camp.pairs + camp.failures < CAMPAIGN) {
      await refill();
      const chunk = Math.min(CAMPAIGN - camp.pairs - camp.failures, POOL - 2 * APPS);
      const r = await runCampaign(rig, pairs, chunk);
      for (const k of r.issuedKeyIds) {
        if (seenAcrossChunks.has(k)) camp.servedTwice++;
        seenAcrossChunks.add(k);
      }
      camp.pairs += r.pairs;
      camp.seconds += r.seconds;
      camp.failures += r.failures;
      camp.encPoolExhausted += r.encPoolExhausted;
      camp.failureSamples.push(...r.failureSamples.slice(0, 5 - camp.failureSamples.length));
      camp.servedTwice += r.servedTwice;
      camp.mismatches += r.mismatches;
      camp.encMs.push(...r.encMs);
      chunkEncP50.push(pct(r.encMs, 50));
      camp.decMs.push(...r.decMs);
      if (r.pairs === 0) break;
    }
    const v0 = performance.now();
    const checks = await auditDeliveries(rig);
    const verifyMs = performance.now() - v0;

    // ---- report
    const rows = [lStatic, lNoop, lStatus, lEnc, lDec];
    const [sP50, sP99, nP50, nP99] = [pct(lStatic.ms, 50), pct(lStatic.ms, 99), pct(lNoop.ms, 50), pct(lNoop.ms, 99)];
    console.log(`\nLatency at ${APPS} concurrent application pairs (ms); ratios to the same run's baselines`);
    console.log(`${"what".padEnd(40)} ${"calls".padStart(6)} ${"failed".padStart(6)} ${"p50".padStart(7)} ${"p99".padStart(7)}   p50÷mTLS  p99÷mTLS  p50÷no-op  p99÷no-op`);
    for (const l of rows) {
      const p50 = pct(l.ms, 50);
      const p99 = pct(l.ms, 99);
      console.log(`${l.name.padEnd(40)} ${fmt(l.ms.length).padStart(6)} ${fmt(l.failed).padStart(6)} ${fmt(p50, 2).padStart(7)} ${fmt(p99, 2).padStart(7)}   ${fmt(p50 / sP50, 1).padStart(8)}  ${fmt(p99 / sP99, 1).padStart(8)}  ${fmt(p50 / nP50, 1).padStart(9)}  ${fmt(p99 / nP99, 1).padStart(9)}`);
    }
    for (const l of rows) if (l.samples.length) console.log(`  ${l.name} failures, e.g.: ${l.samples.join(" | ")}`);
    for (const l of [lStatic2, lNoop2]) console.log(`${l.name.padEnd(40)} ${fmt(l.ms.length).padStart(6)} ${fmt(l.failed).padStart(6)} ${fmt(pct(l.ms, 50), 2).padStart(7)} ${fmt(pct(l.ms, 99), 2).padStart(7)}`);
    console.log(`dec_keys bytes different from enc_keys's: ${decMismatch}`);

    // Per call (per key in bulk): what each process of the rig spent. Two cores give 2,000,000 µs each second, so
    // 16 pairs × (1 call ÷ p50) calls per second can cost at most 2,000,000 ÷ that many µs each.
    const names = [...processes.keys()].filter((n) => [...cpuOf.values()].some((c) => (c.cpu.others[n] ?? 0) > 0));
    console.log(`\nCPU per call (µs; bulk: per key delivered to both applications), every process of the rig`);
    console.log(`${"what".padEnd(22)} ${"hub".padStart(7)} ${"PG".padStart(7)} ${names.map((n) => n.replace("agent ", "").padStart(11)).join(" ")} ${"total".padStart(8)}`);
    const perCall = (c: { calls: number; cpu: PhaseCpu }, x: number | null | undefined) => (x == null || c.calls === 0 ? NaN : x / c.calls);
    for (const [name, c] of cpuOf) {
      const parts = [perCall(c, c.cpu.nodeMicros), perCall(c, c.cpu.pgMicros), ...names.map((n) => perCall(c, c.cpu.others[n]))];
      const total = parts.reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
      console.log(`${name.padEnd(22)} ${fmt(parts[0]!).padStart(7)} ${fmt(parts[1]!).padStart(7)} ${parts.slice(2).map((x) => fmt(x).padStart(11)).join(" ")} ${fmt(total).padStart(8)}`);
    }
    console.log(`  (hub: this process, which also makes the bulk phase's calls; PG: the bench database's backends; clients: the latency phases' applications)`);

    console.log(`\nBulk delivery, ${BULK_PAIRS} pairs at once, enc_keys number=${BULK} then dec_keys of those ${BULK}, ${BULK_WAVES} wave(s)`);
    console.log(`  ${fmt(bulkKeys)} keys to both applications in ${fmt(bulkMs / 1000, 2)} s = ${fmt(bulkRate)} keys/s; enc_keys 503 retried ${bulkShort}×; pairs failed ${bulkFailed}${bulkSamples.length ? ` (e.g. ${bulkSamples.join(" | ")})` : ""}`);
    console.log(`  fastest link of the demo mesh: ${fmt(fastestLinkBps)} bit/s = ${fmt(linkKeyRate, 1)} keys of ${KEY_BITS} bits/s → delivery ÷ link key rate = ${(bulkRate / linkKeyRate).toPrecision(2)}×`);

    const encP = [pct(camp.encMs, 50), pct(camp.encMs, 99)];
    const decP = [pct(camp.decMs, 50), pct(camp.decMs, 99)];
    const ok = camp.pairs === CAMPAIGN && camp.failures === 0 && camp.servedTwice === 0 && camp.mismatches === 0 && checks.servedTwice === 0 && checks.usageMismatches === 0 && checks.chainOk;
    console.log(`\nCampaign: ${fmt(CAMPAIGN)} issue/fetch pairs at ${APPS} pairs (pool refilled between chunks of ≤ ${fmt(POOL - 2 * APPS)}, refill not timed)`);
    console.log(`  ${fmt(camp.pairs)} pairs in ${fmt(camp.seconds, 1)} s = ${fmt(camp.pairs / camp.seconds, 1)} pairs/s; enc_keys p50 ${fmt(encP[0]!, 2)} / p99 ${fmt(encP[1]!, 2)} ms; dec_keys p50 ${fmt(decP[0]!, 2)} / p99 ${fmt(decP[1]!, 2)} ms`);
    console.log(`  enc_keys p50 per chunk (the pool's history grows): ${chunkEncP50.map((x) => fmt(x, 1)).join(", ")} ms`);
    console.log(`  failed requests ${camp.failures} (of which enc_keys 503 pool_exhausted with keys in the pool: ${camp.encPoolExhausted})${camp.failureSamples.length ? ` (${camp.failureSamples.join("; ")})` : ""}`);
    console.log(`  key_IDs served twice: ${camp.servedTwice} (clients), ${checks.servedTwice} (database); byte mismatches: ${camp.mismatches}`);
    console.log(`  usage counters ≠ deliveries: ${checks.usageMismatches} keys (${fmt(checks.deliveredRows)} delivered rows); audit chain ${checks.chainOk ? "verifies" : "DOES NOT verify"} (${fmt(checks.chainEntries)} entries, ${fmt(verifyMs / 1000, 1)} s)`);
    console.log(`  → ${ok ? "all checks hold" : "CHECKS FAILED"}`);
    const filled = fills.reduce((a, f) => a + f.keys, 0);
    const fillMs = fills.reduce((a, f) => a + f.ms, 0);
    console.log(`\nPool refills (replenisher, keys created + distributed to both agent processes + confirmed): ${fmt(filled)} keys in ${fmt(fillMs / 1000, 1)} s = ${fmt(filled / (fillMs / 1000))} keys/s`);
    console.log(`load average (1/5/15 min) at the end: ${load()}`);
    const lat = (l: Lat) => ({ calls: l.ms.length, failed: l.failed, p50: pct(l.ms, 50), p99: pct(l.ms, 99) });
    console.log(`\nBENCH_JSON ${JSON.stringify({
      apps: APPS, quick: QUICK, latency: Object.fromEntries(rows.map((l) => [l.name, lat(l)])), baselinesAgain: { static: lat(lStatic2), noop: lat(lNoop2) },
      bulk: { pairs: BULK_PAIRS, keys: bulkKeys, seconds: bulkMs / 1000, keysPerSecond: bulkRate, short503: bulkShort, failed: bulkFailed, fastestLinkBps, linkKeysPerSecond: linkKeyRate },
      campaign: { pairs: camp.pairs, seconds: camp.seconds, failures: camp.failures, servedTwice: camp.servedTwice, mismatches: camp.mismatches, enc: { p50: encP[0], p99: encP[1] }, dec: { p50: decP[0], p99: decP[1] }, encP50PerChunk: chunkEncP50, checks },
      refill: { keys: filled, seconds: fillMs / 1000 }, load: os.loadavg(),
      cpuMicrosPerCall: Object.fromEntries([...cpuOf].map(([name, c]) => [name, {
        hub: perCall(c, c.cpu.nodeMicros), postgres: perCall(c, c.cpu.pgMicros), ...Object.fromEntries(names.map((n) => [n, perCall(c, c.cpu.others[n])])),
      }])),
    })}`);
    return ok && decMismatch === 0 ? 0 : 1;
  } finally {
    for (const a of agents) a.destroy();
    stopClients();
    stopStatic();
    await meterClose();
    await h?.dispose();
    await target.cleanup();
  }
}

runBench(main);
