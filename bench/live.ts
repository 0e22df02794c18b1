/**
 * `npm run bench:live [-- --seconds S]` (env BENCH_LIVE_N="10,100" to choose the viewer counts)
 *
 * Simulated Mesh-page viewers against the console's own server (scripts/serve.ts,
 * as `npm start` and `npm run demo` run it) on a freshly seeded demo (needs `npm run build`), for N = 10, 100, 300, 500. Each viewer does what the
 * browser does on that page: the first load's batched queries (mesh.state,
 * incidents.highlight, the two incident lists of the banner and the badge), the
 * two live subscriptions (events.stream, approvals.onPendingCount) over
 * server-sent events, and on each event what components/live/live-events.tsx
 * does: a tick with a delta is applied in memory, anything else refetches the
 * queries its topics touch (coalesced over 100 ms into one batch). No polling
 * while the stream is live, as in the browser.
 * Per N it reports: tick events per viewer per second (exactly 1 per tick),
 * event-to-applied latency (from the tick's time, taken before its commit, to
 * the viewer holding the new state) p50/p95/p99, server CPU and RSS (the
 * server process tree), PostgreSQL connections of the console's
 * database, errors, and as the baseline `/api/health` latency at the same N
 * (each of N clients asking once a second, like the ticks), measured in the
 * same run just before. Database: DATABASE_URL's server, or an embedded
 * PostgreSQL in a temp folder. Goal: 500 viewers with p95 < 250 ms, no errors,
 * PostgreSQL connections constant in N.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { dropDatabase, withDatabase } from "../server/db/database-admin";
import { createSeededDemoDatabase } from "../server/demo/demo-database";
import { DEMO_ACCOUNTS } from "../server/demo/demo-users";
import { decodeEvent, type ConsoleEvent } from "../server/domain/events/console-events";
import { freePort, openTarget, runBench, sleep } from "./bench-support";

// Node's fetch (undici) opens as many connections per origin as asked and waits 300 s on a quiet body: the
// streams' 10-s pings keep them open.
const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const SECONDS = Number(arg("--seconds") ?? process.env.BENCH_LIVE_SECONDS ?? 20);
const COUNTS = (process.env.BENCH_LIVE_N ?? "10,100,300,500").split(",").map((x) => Number(x.trim())).filter((x) => x > 0);
const SESSIONS = 10;
const GOAL_P95_MS = 250;

const fmt = (n: number, d = 0) => n.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
function pct(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

// ---------------------------------------------------------------- the server under test

interface Server {
  base: string;
  child: ChildProcess;
  dbName: string;
  stop(): Promise<void>;
}

async function startServer(adminUrl: string): Promise<Server> {
  if (!existsSync(path.join(import.meta.dirname, "..", ".next", "BUILD_ID"))) throw new Error("no production build: run `npm run build` first");
  const dbName = `qecnet_bench_live_${randomBytes(4).toString("hex")}`;
  const url = withDatabase(adminUrl, dbName);
  const masterKey = await createSeededDemoDatabase(url);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "qecnet-bench-live-"));
  const port = await freePort();
  // BENCH_LIVE_SERVER_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", shows where the server spends its time.
  const nodeArgs = (process.env.BENCH_LIVE_SERVER_NODE_ARGS ?? "").split(" ").filter(Boolean);
  // The console's real server (what `npm start` and `npm run demo` run: Next.js behind server/runtime/http-server.ts),
  // in one node process (tsx as a loader, not a wrapper process), so the CPU profile and /proc figures are the server's.
  const serve = path.join(import.meta.dirname, "..", "scripts", "serve.ts");
  const child = spawn(process.execPath, [...nodeArgs, "--import", "tsx", serve, "-p", String(port)], {
    cwd: path.join(import.meta.dirname, ".."),
    stdio: ["ignore", "ignore", "inherit"],
    env: {
      ...process.env, DATABASE_URL: url, QECNET_DATA_DIR: dataDir, QECNET_MASTER_KEY: masterKey.toString("hex"),
      QECNET_SIGNIN_RATE_LIMIT: "1000/60", QECNET_ROTATION_SWEEP: "off", QECNET_LOG_LEVEL: "error", NEXT_TELEMETRY_DISABLED: "1",
      // The demo's viewers, on a demonstration console as `npm run demo` runs it (officers need no second factor there).
      QECNET_SEED_DEMO: "true",
    },
  });
  const base = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill("SIGTERM");
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once("exit", r)));
    }
    await dropDatabase(url).catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; ; i++) {
      if (child.exitCode !== null) throw new Error(`the console server exited with ${child.exitCode}`);
      const ok = await fetch(`${base}/api/health`).then((r) => r.ok, () => false);
      if (ok) break;
      if (i > 300) throw new Error("the console server did not answer within 30 s");
      await sleep(100);
    }
  } catch (err) {
    await stop(); // leaves no database behind
    throw err;
  }
  return { base, child, dbName, stop };
}

/** CPU seconds and RSS of a process and its descendants, from /proc. */
function processTree(root: number): { cpuSeconds: number; rssBytes: number } {
  const parent = new Map<number, number>();
  const stats = new Map<number, string[]>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const text = readFileSync(`/proc/${d}/stat`, "utf8");
      const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
      parent.set(Number(d), Number(fields[1]));
      stats.set(Number(d), fields);
    } catch {
      // gone meanwhile
    }
  }
  const inTree = (pid: number): boolean => {
    for (let p = pid, hops = 0; p > 1 && hops < 50; p = parent.get(p) ?? 0, hops++) if (p === root) return true;
    return false;
  };
  let ticks = 0;
  let pages = 0;
  for (const [pid, f] of stats) {
    if (!inTree(pid)) continue;
    ticks += Number(f[11]) + Number(f[12]); // utime, stime
    pages += Number(f[21]); // rss
  }
  return { cpuSeconds: ticks / 100, rssBytes: pages * 4096 };
}

// ---------------------------------------------------------------- a simulated viewer

interface Stats {
  latencies: number[];
  /** Per tick, the smallest latency of any viewer: the tick's commit and NOTIFY, before the fan-out. */
  firstByTick: Map<number, number>;
  ticks: number;
  duplicates: number;
  deltas: number;
  refetches: number;
  errors: string[];
}

async function signInSessions(base: string): Promise<string[]> {
  const cookies: string[] = [];
  for (let i = 0; i < SESSIONS; i++) {
    // Roles that see the approvals badge (its subscription is refused to viewers, whose page does not open it).
    const badgeRoles = DEMO_ACCOUNTS.filter((x) => !x.email.startsWith("viewer@"));
    const a = badgeRoles[i % badgeRoles.length]!;
    const res = await fetch(`${base}/api/auth/sign-in/email`, { method: "POST", headers: { "content-type": "application/json", origin: base }, body: JSON.stringify({ email: a.email, password: a.password }) });
    if (!res.ok) throw new Error(`sign-in as ${a.email}: ${res.status} ${await res.text()}`);
    cookies.push(res.headers.getSetCookie().map((c) => c.split(";")[0]).join("; "));
  }
  return cookies;
}

/** The page's queries as httpBatchLink sends them (one GET, superjson inputs by index). */
const QUERIES: Record<string, { path: string; input?: unknown }> = {
  state: { path: "mesh.state" },
  highlight: { path: "incidents.highlight" },
  badge: { path: "incidents.list", input: { status: ["DETECTED", "AWAITING_APPROVAL", "RECOVERING"], limit: 200 } },
  banner: { path: "incidents.list", input: { limit: 10 } },
};
/** What live-events.tsx invalidates per topic, restricted to the queries this page has. */
const TOPIC_QUERIES: Record<string, string[]> = { keys: ["state"], mesh: ["state"], incidents: ["highlight", "badge", "banner"] };

class Viewer {
  private readonly ac = new AbortController();
  private pending = new Set<string>();
  /** Queries being fetched: invalidating one of them does not start another fetch (cancelRefetch: false, as in the browser). */
  private inFlight = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private stateTick = -1;
  private lastTickSeen = -1;
  /** The last ticks whose deltas were heard, oldest first: a state that lands late is caught up from them (as live-events.tsx does). */
  private recentDeltas: number[] = [];
  /** Tick events whose state arrives with the next mesh.state answer: their time, for the latency. */
  private waiting: Array<{ tick: number; at: number }> = [];
  measuring = false;

  constructor(private readonly base: string, private readonly cookie: string, private readonly stats: Stats) {}

  async start(): Promise<void> {
    await this.fetchQueries(Object.keys(QUERIES));
    void this.stream("events.stream", (text) => {
      const e = decodeEvent(text as string);
      if (e) this.onEvent(e);
    });
    void this.stream("approvals.onPendingCount", () => undefined);
  }

  stop(): void {
    this.ac.abort();
    if (this.timer) clearTimeout(this.timer);
  }

  private error(what: string): void {
    if (this.measuring && !this.ac.signal.aborted) this.stats.errors.push(what);
  }

  private async fetchQueries(names: string[]): Promise<void> {
    for (const n of names) this.inFlight.add(n);
    try {
      await this.fetchBatch(names);
    } finally {
      for (const n of names) this.inFlight.delete(n);
    }
  }

  private async fetchBatch(names: string[]): Promise<void> {
    const input: Record<string, unknown> = {};
    names.forEach((n, i) => {
      const q = QUERIES[n]!;
      if (q.input !== undefined) input[i] = { json: q.input };
    });
    const url = `${this.base}/api/trpc/${names.map((n) => QUERIES[n]!.path).join(",")}?batch=1&input=${encodeURIComponent(JSON.stringify(input))}`;
    try {
      const res = await fetch(url, { headers: { cookie: this.cookie }, signal: this.ac.signal });
      const body = await res.text();
      if (!res.ok) return this.error(`${res.status} on ${names.join(",")}`);
      const i = names.indexOf("state");
      if (i >= 0) {
        const results = JSON.parse(body) as Array<{ result?: { data?: { json?: { simulation?: { tick?: number } } } } }>;
        this.stateTick = results[i]?.result?.data?.json?.simulation?.tick ?? this.stateTick;
        this.catchUp(this.recentDeltas.length);
        // Only the ticks this answer includes, caught up (one fetched before a tick does not bring it).
        this.settleWaiting(Date.now());
        if (this.waiting.length > 0) {
          this.pending.add("state");
          this.timer ??= setTimeout(() => this.flush(), 100);
        }
      }
    } catch (err) {
      this.error(`${(err as Error).name} on ${names.join(",")}`);
    }
  }

  private onEvent(e: ConsoleEvent): void {
    // Wall clock, as the server stamps the tick (performance.timeOrigin drifts from it over a run).
    const now = Date.now();
    const tick = e.events?.find((x) => x.topic === "mesh" && x.type === "tick");
    const meshEvents = e.events?.filter((x) => x.topic === "mesh") ?? [];
    const delta = !e.truncated && meshEvents.length === 1 ? tick?.delta : undefined;
    if (tick && this.measuring) {
      const n = Number(tick.data?.tick);
      if (n <= this.lastTickSeen) this.stats.duplicates++;
      else this.stats.ticks++;
    }
    if (tick) this.lastTickSeen = Math.max(this.lastTickSeen, Number(tick.data?.tick));
    for (const t of e.topics) for (const q of TOPIC_QUERIES[t] ?? []) if (!(t === "mesh" && delta)) this.pending.add(q);
    if (delta) this.recentDeltas = [...this.recentDeltas.filter((t) => t < delta.tick).slice(-29), delta.tick];
    if (delta && this.stateTick >= 0) {
      // Deltas heard while the state was on its way join it first.
      this.catchUp(this.recentDeltas.length - 1);
      this.settleWaiting(now);
    }
    if (delta) {
      if (delta.tick === this.stateTick + 1) {
        this.stateTick = delta.tick; // applied: the browser's setQueryData
        if (this.measuring) {
          this.stats.deltas++;
          const ms = now - Date.parse(delta.lastTickAt);
          this.stats.latencies.push(ms);
          this.stats.firstByTick.set(delta.tick, Math.min(ms, this.stats.firstByTick.get(delta.tick) ?? Infinity));
        }
      } else if (delta.tick > this.stateTick) {
        // A gap: refetch; the tick is applied when that answer lands (counted then, as an undelivered delta would be).
        this.pending.add("state");
        this.waiting.push({ tick: delta.tick, at: Date.parse(delta.lastTickAt) });
      }
    } else if (tick && typeof tick.data?.at === "string") this.waiting.push({ tick: Number(tick.data.tick), at: Date.parse(tick.data.at) });
    if (this.pending.size > 0) this.timer ??= setTimeout(() => this.flush(), 100);
  }

  /** Applies the first `n` heard deltas that join the held state (catchUpState in the browser). */
  private catchUp(n: number): void {
    for (const t of this.recentDeltas.slice(0, n)) if (t === this.stateTick + 1) this.stateTick = t;
  }

  /** The waiting ticks the held state now includes are applied at `at`. */
  private settleWaiting(at: number): void {
    for (const w of this.waiting) if (this.measuring && w.tick <= this.stateTick) this.stats.latencies.push(at - w.at);
    this.waiting = this.waiting.filter((w) => w.tick > this.stateTick);
  }

  private flush(): void {
    this.timer = null;
    const names = [...this.pending].filter((n) => !this.inFlight.has(n));
    this.pending.clear();
    if (names.length === 0) return;
    if (this.measuring) this.stats.refetches++;
    void this.fetchQueries(names);
  }

  /** One tRPC subscription over server-sent events; reconnects after a pause if it drops. */
  private async stream(pathName: string, onData: (v: unknown) => void): Promise<void> {
    while (!this.ac.signal.aborted) {
      try {
        const res = await fetch(`${this.base}/api/trpc/${pathName}`, { headers: { cookie: this.cookie, accept: "text/event-stream" }, signal: this.ac.signal });
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        const decoder = new TextDecoder();
        let buf = "";
        const reader = res.body.getReader();
        for (let r = await reader.read(); !r.done; r = await reader.read()) {
          buf += decoder.decode(r.value, { stream: true });
          for (let end = buf.indexOf("\n\n"); end >= 0; end = buf.indexOf("\n\n")) {
            const message = buf.slice(0, end);
            buf = buf.slice(end + 2);
            let event = "message";
            let data = "";
            for (const line of message.split("\n")) {
              if (line.startsWith("event:")) event = line.slice(6).trim();
              else if (line.startsWith("data:")) data += line.slice(5).trim();
            }
            if (event === "message" && data) onData((JSON.parse(data) as { json: unknown }).json);
            else if (event === "serialized-error") this.error(`${pathName}: ${data.slice(0, 120)}`);
          }
        }
        this.error(`${pathName}: stream ended`);
      } catch (err) {
        if (this.ac.signal.aborted) return;
        this.error(`${pathName}: ${(err as Error).message}`);
      }
      await sleep(1_000);
    }
  }
}

// ---------------------------------------------------------------- phases

async function pgConnections(admin: pg.Client, dbName: string): Promise<{ total: number; listening: number }> {
  const { rows } = await admin.query<{ total: number; listening: number }>(
    `SELECT count(*)::int AS total, count(*) FILTER (WHERE query ILIKE 'LISTEN%')::int AS listening FROM pg_stat_activity WHERE datname = $1`,
    [dbName],
  );
  return rows[0]!;
}

/** N clients asking /api/health once a second each, spread over the second. */
async function healthBaseline(base: string, n: number, seconds: number): Promise<{ p50: number; p95: number; p99: number; errors: number }> {
  const lat: number[] = [];
  let errors = 0;
  const deadline = performance.now() + seconds * 1000;
  await Promise.all(Array.from({ length: n }, async (_, i) => {
    await sleep((i / n) * 1000);
    while (performance.now() < deadline) {
      const t = performance.now();
      const ok = await fetch(`${base}/api/health`).then(async (r) => (await r.text(), r.ok), () => false);
      if (ok) lat.push(performance.now() - t);
      else errors++;
      await sleep(Math.max(0, 1000 - (performance.now() - t)));
    }
  }));
  return { p50: pct(lat, 50), p95: pct(lat, 95), p99: pct(lat, 99), errors };
}

interface Row {
  n: number;
  eventsPerViewerPerS: number;
  deltaShare: number;
  refetchesPerViewerPerS: number;
  p50: number;
  p95: number;
  p99: number;
  /** Median over ticks of the first viewer's latency (commit + NOTIFY + one SSE write). */
  firstP50: number;
  cpuPercent: number;
  rssMb: number;
  pgConnections: number;
  pgListening: number;
  errors: number;
  duplicates: number;
  errorSamples: string[];
  health: { p50: number; p95: number; p99: number; errors: number };
  /** CPU of this bench process (the simulated viewers share the machine with the server). */
  benchCpuPercent: number;
  /** The machine's 1-minute load average at the end of the phase (other work on a shared machine shows here). */
  loadAverage: number;
}

async function measure(server: Server, admin: pg.Client, cookies: string[], n: number): Promise<Row> {
  const health = await healthBaseline(server.base, n, Math.min(SECONDS, 10));
  const stats: Stats = { latencies: [], firstByTick: new Map(), ticks: 0, duplicates: 0, deltas: 0, refetches: 0, errors: [] };
  const viewers = Array.from({ length: n }, (_, i) => new Viewer(server.base, cookies[i % cookies.length]!, stats));
  // Open the pages over a few seconds, as a shift change would, then let the first loads settle.
  await Promise.all(viewers.map(async (v, i) => {
    await sleep((i / n) * Math.min(5_000, n * 20));
    await v.start();
  }));
  await sleep(3_000);
  for (const v of viewers) v.measuring = true;
  const cpu0 = processTree(server.child.pid!);
  const own0 = process.cpuUsage();
  const t0 = performance.now();
  let maxRss = 0;
  let conns = { total: 0, listening: 0 };
  while (performance.now() - t0 < SECONDS * 1000) {
    await sleep(1_000);
    maxRss = Math.max(maxRss, processTree(server.child.pid!).rssBytes);
    const c = await pgConnections(admin, server.dbName);
    if (c.total > conns.total) conns = c;
  }
  const elapsed = (performance.now() - t0) / 1000;
  const cpu1 = processTree(server.child.pid!);
  const own = process.cpuUsage(own0);
  for (const v of viewers) v.measuring = false;
  for (const v of viewers) v.stop();
  await sleep(500);
  return {
    n,
    eventsPerViewerPerS: stats.ticks / n / elapsed,
    deltaShare: stats.ticks > 0 ? stats.deltas / stats.ticks : 0,
    refetchesPerViewerPerS: stats.refetches / n / elapsed,
    p50: pct(stats.latencies, 50), p95: pct(stats.latencies, 95), p99: pct(stats.latencies, 99), firstP50: pct([...stats.firstByTick.values()], 50),
    cpuPercent: ((cpu1.cpuSeconds - cpu0.cpuSeconds) / elapsed) * 100,
    rssMb: maxRss / 1024 / 1024,
    pgConnections: conns.total, pgListening: conns.listening,
    errors: stats.errors.length, duplicates: stats.duplicates, errorSamples: [...new Set(stats.errors)].slice(0, 5),
    health,
    benchCpuPercent: ((own.user + own.system) / 1e6 / elapsed) * 100,
    loadAverage: os.loadavg()[0]!,
  };
}

async function main(): Promise<number> {
  const target = await openTarget();
  let server: Server | null = null;
  const admin = new pg.Client({ connectionString: target.adminUrl });
  try {
    console.log(`bench:live on ${target.where}; N = ${COUNTS.join(", ")}; ${SECONDS} s per N; ${os.cpus().length} cores`);
    server = await startServer(target.adminUrl);
    await admin.connect();
    const cookies = await signInSessions(server.base);
    const rows: Row[] = [];
    for (const n of COUNTS) {
      const r = await measure(server, admin, cookies, n);
      rows.push(r);
      console.log(
        `N=${fmt(n).padStart(3)}  events/viewer/s ${fmt(r.eventsPerViewerPerS, 2)} (deltas ${fmt(r.deltaShare * 100)}%, refetches/viewer/s ${fmt(r.refetchesPerViewerPerS, 2)})  ` +
        `event→applied p50/p95/p99 ${fmt(r.p50)}/${fmt(r.p95)}/${fmt(r.p99)} ms (first viewer p50 ${fmt(r.firstP50)} ms)  | /api/health p50/p95/p99 ${fmt(r.health.p50, 1)}/${fmt(r.health.p95, 1)}/${fmt(r.health.p99, 1)} ms ` +
        `(p95 ratio ${fmt(r.p95 / r.health.p95, 1)}×)  | server CPU ${fmt(r.cpuPercent)}% (viewers' ${fmt(r.benchCpuPercent)}%)  RSS ${fmt(r.rssMb)} MB  PG connections ${r.pgConnections} (LISTEN ${r.pgListening})  errors ${r.errors + r.health.errors}  duplicate events ${r.duplicates}  load avg ${fmt(r.loadAverage, 1)}` +
        (r.errorSamples.length ? `  e.g. ${r.errorSamples.join(" | ")}` : ""),
      );
    }
    const last = rows.find((r) => r.n === 500);
    const conns = new Set(rows.map((r) => r.pgConnections));
    console.log(`PG connections constant in N: ${conns.size === 1 ? "yes" : `no (${[...conns].join(", ")})`}`);
    if (last) console.log(`goal (500 viewers, p95 < ${GOAL_P95_MS} ms, no errors): ${last.p95 < GOAL_P95_MS && last.errors + last.health.errors === 0 ? "met" : "NOT met"}`);
    else console.log("goal: not measured (N = 500 was not in BENCH_LIVE_N)");
    console.log(`\nBENCH_JSON ${JSON.stringify({ bench: "live", seconds: SECONDS, rows: rows.map(({ errorSamples: _e, ...r }) => r) })}`);
    return 0;
  } finally {
    await admin.end().catch(() => undefined);
    await server?.stop();
    await target.cleanup();
  }
}

runBench(main);
