/**
 * bench:transitions — audited key lifecycle transitions per second through the
 * KeyService (whatever the transition runner does), against a baseline measured
 * in the same run on the same database: raw single-row INSERT commits with the
 * pg driver. Also the audit chain verification rate.
 *
 *   npm run bench:transitions                 # ~5 s per phase, 100,000 verify entries
 *   npm run bench:transitions -- --quick      # ~20 s smoke run (CI)
 *   npm run bench:transitions -- --seconds 10 --verify-entries 200000
 *
 * Database: DATABASE_URL (a server admin URL) gets a fresh `qecnet_bench_*`
 * database that is dropped at the end; without it an embedded PostgreSQL is
 * started in a temp dir on a free port and stopped at the end.
 *
 * What is counted as "audited transitions": audit entries written during the
 * phase (audit head seq after minus before). Each client walks fresh keys
 * through create -> DISTRIBUTE -> collectReceipts (2 participants) ->
 * RECORD_USAGE -> REVOKE, which is 5 service calls and 8 audit entries
 * (KEY_GENERATED; KEY_DISTRIBUTED; 2x KEY_RECEIPT_CONFIRMED + KEY_ACTIVATED;
 * KEY_USAGE_RECORDED; KEY_REVOKED + KEY_GENERATED of the emergency successor
 * that revoking an ACTIVE key requires). Service calls/s are reported too.
 *
 * Phases (after an untimed warm-up): raw INSERT @1, service @1, raw INSERT @N,
 * service @N (N = 16), each for --seconds; every ratio compares two adjacent
 * phases so they see the same load on a shared machine. Then the chain is topped
 * up to --verify-entries with synthetic chained entries (1,000 per transaction,
 * head locked FOR UPDATE) and verifyStoredChain is timed.
 *
 * Every phase also reports its CPU per transition (per commit for the raw
 * baseline): this Node process's and the bench database's PostgreSQL backends'
 * (bench/cpu-meter.ts), so the distance to what two cores can give is visible.
 *
 * Exit code: 0 for a finished report (also when below the goal); 1 if the chain
 * does not verify, a service call fails, or the audit entry count disagrees with
 * the calls made (those would be bugs).
 */
import os from "node:os";
import pg from "pg";
import { openTarget, runFor, sleep, runBench } from "./bench-support";
import { readHead, verifyStoredChain, type StoredChainVerification } from "../server/audit/audit-log";
import { warmRangeThread } from "../server/audit/verify-threads/range-thread";
import { poolOf } from "../server/db/client";
import { parallelHashGain, rawChainedHashRate } from "./chain-hash-rate";
import { CpuMeter, type PhaseCpu } from "./cpu-meter";
import { growChainTo } from "../server/testing/synthetic-chain";
import type { KeyService } from "../server/keys/key-service";
import { createNodes, testKeyService } from "../server/testing/fixtures";
import { createTestDatabase, type TestDatabase } from "../server/testing/test-database";

// ---------------------------------------------------------------- options

interface Options {
  seconds: number;
  verifyEntries: number;
  quick: boolean;
  clients: number;
}

function parseArgs(argv: readonly string[]): Options {
  const quick = argv.includes("--quick");
  const opts: Options = { seconds: quick ? 2 : 5, verifyEntries: quick ? 10_000 : 100_000, quick, clients: 16 };
  const num = (flag: string, i: number): number => {
    const v = Number(argv[i + 1]);
    if (!Number.isFinite(v) || v <= 0) throw new Error(`${flag} needs a positive number`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--seconds") opts.seconds = num(a, i++);
    else if (a === "--verify-entries") opts.verifyEntries = Math.floor(num(a, i++));
    else if (a === "--clients") opts.clients = Math.floor(num(a, i++));
    else if (a === "--quick") continue;
    else if (a === "--help" || a === "-h") {
      console.log("usage: tsx bench/transitions.ts [--quick] [--seconds N] [--verify-entries N] [--clients N]");
      process.exit(0);
    } else throw new Error(`unknown argument ${a} (try --help)`);
  }
  return opts;
}

// --- baseline: raw single-row INSERT commits with pg

const RAW_TABLE = "bench_raw_insert";

async function prepareRawTable(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    // Shaped like audit_entries: bigint key, timestamptz, text columns, jsonb.
    await c.query(`DROP TABLE IF EXISTS ${RAW_TABLE}`);
    await c.query(`CREATE TABLE ${RAW_TABLE} (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      at timestamptz(3) NOT NULL,
      actor text NOT NULL,
      action text NOT NULL,
      subject_id text NOT NULL,
      details jsonb NOT NULL,
      entry_hash text NOT NULL)`);
  } finally {
    await c.end();
  }
}

const RAW_INSERT = {
  name: "bench_raw_insert",
  text: `INSERT INTO ${RAW_TABLE} (at, actor, action, subject_id, details, entry_hash) VALUES ($1, $2, $3, $4, $5, $6)`,
};
const HASH = "ab".repeat(32);

async function rawInserts(url: string, clients: number, seconds: number, meter?: CpuMeter): Promise<{ commits: number; seconds: number; cpu?: PhaseCpu }> {
  const conns = await Promise.all(
    Array.from({ length: clients }, async () => {
      const c = new pg.Client({ connectionString: url });
      // A connection killed under us (the database dropped on Ctrl-C) must not crash
      // the cleanup; the pending query rejects anyway.
      c.on("error", () => undefined);
      await c.connect();
      return c;
    }),
  );
  try {
    let commits = 0;
    const insert = async (c: pg.Client, i: number) => {
      await c.query({
        ...RAW_INSERT,
        values: [new Date(), "bench", "KEY_USAGE_RECORDED", `raw-${i}`, JSON.stringify({ count: 1, version: i, fingerprint: "SHA256:00" }), HASH],
      });
    };
    // Prepare the statement on each connection outside the timed window.
    await Promise.all(conns.map((c, i) => insert(c, i)));
    const end = await meter?.begin();
    const elapsed = await runFor(seconds, clients, async (i) => {
      await insert(conns[i]!, commits);
      commits++;
    });
    return { commits, seconds: elapsed, cpu: await end?.() };
  } finally {
    await Promise.all(conns.map((c) => c.end().catch(() => undefined)));
  }
}

// --- service: audited lifecycle transitions

const ACTOR = { actor: "bench" };
const PARTICIPANTS = ["node-a", "node-b"];
/** Audit entries each call of the cycle writes (see the header comment). */
const CYCLE: ReadonlyArray<{ call: string; entries: number }> = [
  { call: "create", entries: 1 },
  { call: "DISTRIBUTE", entries: 1 },
  { call: "collectReceipts", entries: 3 },
  { call: "RECORD_USAGE", entries: 1 },
  { call: "REVOKE", entries: 2 },
];

interface ServiceResult {
  clients: number;
  seconds: number;
  entries: number;
  calls: number;
  expectedEntries: number;
  /** Transactions that wrote the phase's audit entries (distinct xmin): how well group commit batches. */
  commits: number;
  errors: number;
  firstError: string | null;
  cpu?: PhaseCpu;
}

async function serviceTransitions(t: TestDatabase, svc: KeyService, clients: number, seconds: number, tag: string, meter?: CpuMeter): Promise<ServiceResult> {
  // Each client walks one key at a time through the cycle; `step` is one call.
  const state = Array.from({ length: clients }, () => ({ step: 0, keyId: "", n: 0 }));
  let calls = 0;
  let expectedEntries = 0;
  let errors = 0;
  let firstError: string | null = null;
  const before = (await readHead(t.db)).seq;
  const end = await meter?.begin();
  const elapsed = await runFor(seconds, clients, async (c) => {
    const s = state[c]!;
    const i = s.step;
    try {
      switch (i) {
        case 0: {
          const k = await svc.create({ label: `bench-${tag}-${c}-${s.n++}`, purpose: "bench", policy: "standard", participants: PARTICIPANTS }, ACTOR);
          s.keyId = k.id;
          break;
        }
        case 1:
          await svc.apply(s.keyId, { type: "DISTRIBUTE" }, ACTOR);
          break;
        case 2: {
          const v = await svc.collectReceipts(s.keyId, ACTOR);
          if (v.state !== "ACTIVE") throw new Error(`collectReceipts left the key ${v.state}, not ACTIVE`);
          break;
        }
        case 3:
          await svc.apply(s.keyId, { type: "RECORD_USAGE", count: 1 }, ACTOR);
          break;
        case 4:
          await svc.apply(s.keyId, { type: "REVOKE", reason: "bench" }, ACTOR);
          break;
      }
      calls++;
      expectedEntries += CYCLE[i]!.entries;
      s.step = (i + 1) % CYCLE.length;
    } catch (err) {
      errors++;
      firstError ??= `${CYCLE[i]!.call}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`;
      s.step = 0; // start over with a fresh key
      if (errors > 1000) throw new Error(`too many service errors; first: ${firstError}`);
    }
  });
  const cpu = await end?.();
  const after = (await readHead(t.db)).seq;
  const [tx] = await t.db.$queryRaw<Array<{ n: number }>>`
    SELECT count(DISTINCT xmin::text)::int AS n FROM audit_entries WHERE seq > ${before} AND seq <= ${after}`;
  return { clients, seconds: elapsed, entries: Number(after - before), calls, expectedEntries, commits: tx?.n ?? 0, errors, firstError, cpu };
}

// --- chain: synthetic entries, then verification

/** Synthetic entries after the real ones, 1,000 per transaction (details as a transition's, with a fingerprint). */
async function appendSynthetic(url: string, missing: number, have: number): Promise<{ rows: number; seconds: number }> {
  return growChainTo(url, have + missing, { batch: 1000, details: (i) => ({ count: 1, version: i, fingerprint: "SHA256:0123456789abcdef0123456789abcdef" }) });
}

// ---------------------------------------------------------------- report

const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** "CPU per <unit>: Node X µs, PostgreSQL Y µs" for a phase's count of units. */
function cpuPer(cpu: PhaseCpu | undefined, n: number, unit: string): string {
  if (!cpu || n === 0) return `CPU per ${unit}: not measured`;
  const pgPart = cpu.pgMicros === null ? "PostgreSQL n/a (/proc not readable)" : `PostgreSQL ${fmt(cpu.pgMicros / n)} µs (${cpu.backends} backends)`;
  return `CPU per ${unit}: Node ${fmt(cpu.nodeMicros / n)} µs, ${pgPart}`;
}

function cpuJson(cpu: PhaseCpu | undefined, n: number): { node: number; postgres: number | null } | null {
  if (!cpu || n === 0) return null;
  return { node: Math.round(cpu.nodeMicros / n), postgres: cpu.pgMicros === null ? null : Math.round(cpu.pgMicros / n) };
}

function row(phase: string, clients: string, ops: string, note = ""): string {
  return `${phase.padEnd(40)}${clients.padEnd(10)}${ops.padStart(10)}    ${note}`.trimEnd();
}

async function serverFacts(url: string): Promise<{ version: string; fsync: string; synchronousCommit: string }> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const q = async (sql: string) => String((await c.query<{ v: string }>(sql)).rows[0]?.v ?? "?");
    return {
      version: await q("SELECT current_setting('server_version') AS v"),
      fsync: await q("SELECT current_setting('fsync') AS v"),
      synchronousCommit: await q("SELECT current_setting('synchronous_commit') AS v"),
    };
  } finally {
    await c.end();
  }
}

// ---------------------------------------------------------------- main

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  const GOAL = 0.5;
  const load0 = os.loadavg();
  const runStarted = performance.now();
  let exitCode = 0;

  const target = await openTarget();
  let t: TestDatabase | null = null;
  let meter: CpuMeter | null = null;
  const onSignal = (sig: NodeJS.Signals) => {
    console.error(`\n${sig}: cleaning up`);
    void (async () => {
      await t?.dispose().catch(() => undefined);
      await target.cleanup().catch(() => undefined);
      process.exit(130);
    })();
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  try {
    t = await createTestDatabase(target.adminUrl, "bench");
    const dbName = new URL(t.url).pathname.slice(1);
    await createNodes(t.db);
    await prepareRawTable(t.url);
    const facts = await serverFacts(t.url);
    const svc = testKeyService(t.db);
    meter = await CpuMeter.open(t.url);

    console.log(
      `QECNet bench:transitions (PostgreSQL ${facts.version} at ${target.where}, db ${dbName}, ` +
        `fsync=${facts.fsync}, synchronous_commit=${facts.synchronousCommit}, ${os.cpus().length} cores, node ${process.version})`,
    );
    console.log(`mode ${opts.quick ? "quick" : "full"}: ${opts.seconds} s per timed phase, load average at start ${load0.map((l) => l.toFixed(2)).join(", ")}`);

    // Warm-up: Prisma's first queries, pg statement preparation, JIT of the hot paths.
    const warmStarted = performance.now();
    await rawInserts(t.url, 4, 0.5);
    await serviceTransitions(t, svc, 1, 0.5, "warm1");
    await serviceTransitions(t, svc, opts.clients, 1, "warm16");
    const warmSeconds = (performance.now() - warmStarted) / 1000;
    console.log(`warm-up ${warmSeconds.toFixed(1)} s (not counted)`);
    console.log("");
    console.log(row("phase", "clients", "ops/s", "note"));

    // Each service phase runs right after its baseline, so the two numbers of a
    // ratio see the same machine load (others share these 2 cores).
    const raws: Array<{ commits: number; seconds: number; rate: number; cpu?: PhaseCpu }> = [];
    const svcResults: ServiceResult[] = [];
    for (const clients of [1, opts.clients]) {
      const raw = await rawInserts(t.url, clients, opts.seconds, meter);
      const rawRate = raw.commits / raw.seconds;
      raws.push({ ...raw, rate: rawRate });
      console.log(row("raw single-row INSERT commits", String(clients), fmt(rawRate), `${fmt(raw.commits)} commits in ${raw.seconds.toFixed(2)} s; ${cpuPer(raw.cpu, raw.commits, "commit")}`));

      const r = await serviceTransitions(t, svc, clients, opts.seconds, `c${clients}`, meter);
      svcResults.push(r);
      const rate = r.entries / r.seconds;
      const ratio = rate / rawRate;
      let note =
        `${fmt(r.calls / r.seconds)} calls/s in ${fmt(r.commits / r.seconds)} commits/s ` +
        `(${(r.calls / Math.max(1, r.commits)).toFixed(1)} calls/commit); ratio to raw INSERT @${clients}: ${ratio.toFixed(2)}`;
      if (clients !== 1) note += ` (goal >= ${GOAL})`;
      note += `; ${cpuPer(r.cpu, r.entries, "transition")}`;
      console.log(row("audited transitions (service)", String(clients), fmt(rate), note));
      if (r.errors > 0) {
        console.log(`  !! ${r.errors} service call(s) failed; first: ${r.firstError}`);
        exitCode = 1;
      }
      if (r.entries !== r.expectedEntries) {
        console.log(`  !! audit entries written (${r.entries}) differ from what the calls made should write (${r.expectedEntries})`);
        exitCode = 1;
      }
    }
    const [raw1, rawN] = raws as [(typeof raws)[number], (typeof raws)[number]];
    const raw1Rate = raw1.rate;
    const rawNRate = rawN.rate;

    // Chain verification over at least verifyEntries entries.
    const headBefore = (await readHead(t.db)).seq;
    const missing = Math.max(0, opts.verifyEntries - Number(headBefore));
    const appended = missing > 0 ? await appendSynthetic(t.url, missing, Number(headBefore)) : { rows: 0, seconds: 0 };
    if (appended.rows > 0) {
      console.log(
        row("chained batch append (1,000/tx, setup)", "1", fmt(appended.rows / appended.seconds),
          `rows/s; ${fmt(appended.rows)} synthetic entries after ${fmt(Number(headBefore))} real ones, ${appended.seconds.toFixed(2)} s`),
      );
    }
    // Untimed: the appends started an autovacuum, and a first reader sets the hint bits of every fresh row; both
    // would fall on whichever walk runs first, on the 2 cores the walks share.
    const vacuumStarted = performance.now();
    await t.db.$executeRawUnsafe("VACUUM (ANALYZE) audit_entries");
    console.log(`  (VACUUM ANALYZE of the audit table before the walks, untimed: ${((performance.now() - vacuumStarted) / 1000).toFixed(2)} s)`);
    // The one-thread walk, for comparison, and the verifier as the console runs it (two threads for a long
    // chain), in turns, three rounds; each figure is its median. The worker thread is started beforehand, as the
    // console starts it (loading it is not part of a verification); the first round of each also pays for V8's
    // compiling of the walk's code in its thread, which a console verifying every few seconds pays once.
    const warmed = await warmRangeThread();
    const oneThread: StoredChainVerification[] = [];
    const asRun: StoredChainVerification[] = [];
    // How long the event loop was held during the walks (what the console's other requests wait): a timer due every
    // 5 ms records how late it fired, one list of latenesses for each way of walking.
    const db = t.db;
    const stalls = { oneThread: [] as number[], asRun: [] as number[] };
    const watched = async <T>(late: number[], walk: () => Promise<T>): Promise<T> => {
      let due = performance.now() + 5;
      const timer = setInterval(() => {
        const now = performance.now();
        late.push(Math.max(0, now - due));
        due = now + 5;
      }, 5);
      try {
        return await walk();
      } finally {
        clearInterval(timer);
      }
    };
    for (let round = 0; round < 3; round++) {
      oneThread.push(await watched(stalls.oneThread, () => verifyStoredChain(db, { threads: 1 })));
      asRun.push(await watched(stalls.asRun, () => verifyStoredChain(db)));
    }
    const stallOf = (late: number[]) => {
      const sorted = [...late].sort((a, b) => a - b);
      const at = (q: number) => Math.round((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0) * 10) / 10;
      return { p99Ms: at(0.99), maxMs: at(1) };
    };
    const median = (runs: StoredChainVerification[]) => [...runs].sort((a, b) => a.durationMs - b.durationMs)[1]!;
    const rateOf = (r: StoredChainVerification) => Number(r.head.seq) / (r.durationMs / 1000);
    const v1 = median(oneThread);
    const v1Rate = rateOf(v1);
    const roundsOf = (runs: StoredChainVerification[]) => runs.map((r) => (r.durationMs / 1000).toFixed(2)).join(", ");
    console.log(
      row(`chain verification, one thread`, "1", fmt(v1Rate),
        `entries/s; median of ${roundsOf(oneThread)} s; ${oneThread.every((r) => r.result.ok) ? "chain OK" : "CHAIN DOES NOT VERIFY"}`),
    );
    const v = median(asRun);
    const verified = Number(v.head.seq);
    const verifySeconds = v.durationMs / 1000;
    const verifyRate = rateOf(v);
    console.log(
      row(`chain verification (${fmt(verified)} entries)`, String(v.threads), fmt(verifyRate),
        `entries/s; median of ${roundsOf(asRun)} s; ${asRun.every((r) => r.result.ok) ? "chain OK" : "CHAIN DOES NOT VERIFY"}; ` +
          `${(verifyRate / v1Rate).toFixed(2)}× the one-thread walk` + (warmed ? "" : `; worker thread unavailable: ${v.threadProblem ?? "?"}`)),
    );
    const stall = { oneThread: stallOf(stalls.oneThread), asRun: stallOf(stalls.asRun) };
    console.log(`  event loop held during the walks (timer lateness): p99 ${stall.asRun.p99Ms} ms, longest ${stall.asRun.maxMs} ms; one-thread walk p99 ${stall.oneThread.p99Ms} ms, longest ${stall.oneThread.maxMs} ms`);
    const rawHash = await rawChainedHashRate(poolOf(t.db), v.head.seq);
    const verifyToRaw = verifyRate / rawHash.perSec;
    console.log(
      row("raw chained SHA-256 (same entries)", "1", fmt(rawHash.perSec),
        `entries/s (digests only, texts built untimed); verification / raw = ${verifyToRaw.toFixed(2)} (goal >= 0.4)`),
    );
    // What two threads can gain over one on this machine: the ceiling of the two-thread walk's gain above.
    const hashGain = await parallelHashGain();
    console.log(`  two threads hashing at once do ${hashGain.toFixed(2)}× what one thread does on this machine (the most the two-thread walk can gain over one)`);
    const broken = [...oneThread, ...asRun].find((r) => !r.result.ok);
    if (broken) {
      console.log(`  !! verification failed: ${JSON.stringify(broken.result, (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x))}`);
      exitCode = 1;
    }

    const [s1, sN] = svcResults as [ServiceResult, ServiceResult];
    const rate1 = s1.entries / s1.seconds;
    const rateN = sN.entries / sN.seconds;
    const ratio1 = rate1 / raw1Rate;
    const ratioN = rateN / rawNRate;
    const pass = ratioN >= GOAL;
    const load1 = os.loadavg();
    const totalSeconds = (performance.now() - runStarted) / 1000;
    console.log("");
    console.log(
      `ratio audited transitions / raw INSERT commits: @1 ${ratio1.toFixed(2)}, @${opts.clients} ${ratioN.toFixed(2)} -> ` +
        `${pass ? "PASS" : "BELOW GOAL"} (goal >= ${GOAL} at ${opts.clients} clients)`,
    );
    console.log(`load average at end ${load1.map((l) => l.toFixed(2)).join(", ")}; run ${totalSeconds.toFixed(1)} s`);

    const svcJson = (r: ServiceResult) => ({
      clients: r.clients,
      seconds: +r.seconds.toFixed(3),
      auditedTransitions: r.entries,
      auditedPerSec: Math.round(r.entries / r.seconds),
      serviceCalls: r.calls,
      callsPerSec: Math.round(r.calls / r.seconds),
      auditCommits: r.commits,
      callsPerCommit: +(r.calls / Math.max(1, r.commits)).toFixed(2),
      errors: r.errors,
      cpuMicrosPerTransition: cpuJson(r.cpu, r.entries),
    });
    const json = {
      target: target.kind,
      postgres: facts.version,
      fsync: facts.fsync,
      synchronousCommit: facts.synchronousCommit,
      cores: os.cpus().length,
      node: process.version,
      mode: opts.quick ? "quick" : "full",
      secondsPerPhase: opts.seconds,
      loadavgStart: load0.map((l) => +l.toFixed(2)),
      loadavgEnd: load1.map((l) => +l.toFixed(2)),
      counted: "audit entries per phase (head seq delta); cycle create, DISTRIBUTE, collectReceipts(2), RECORD_USAGE, REVOKE = 5 calls, 8 entries",
      rawInsert: {
        c1: { commits: raw1.commits, seconds: +raw1.seconds.toFixed(3), perSec: Math.round(raw1Rate), cpuMicrosPerCommit: cpuJson(raw1.cpu, raw1.commits) },
        [`c${opts.clients}`]: { commits: rawN.commits, seconds: +rawN.seconds.toFixed(3), perSec: Math.round(rawNRate), cpuMicrosPerCommit: cpuJson(rawN.cpu, rawN.commits) },
      },
      service: { c1: svcJson(s1), [`c${opts.clients}`]: svcJson(sN) },
      ratio: { c1: +ratio1.toFixed(3), [`c${opts.clients}`]: +ratioN.toFixed(3) },
      goal: GOAL,
      pass,
      syntheticAppend: { rows: appended.rows, seconds: +appended.seconds.toFixed(3), rowsPerSec: appended.rows ? Math.round(appended.rows / appended.seconds) : null },
      verify: { entries: verified, threads: v.threads, seconds: +verifySeconds.toFixed(3), entriesPerSec: Math.round(verifyRate), ok: !broken,
        oneThreadEntriesPerSec: Math.round(v1Rate), eventLoopHeldMs: stall, rounds: { oneThread: oneThread.map((r) => Math.round(r.durationMs)), asRun: asRun.map((r) => Math.round(r.durationMs)) },
        rawChainedSha256PerSec: Math.round(rawHash.perSec), ratioToRaw: +verifyToRaw.toFixed(3), twoThreadHashGain: +hashGain.toFixed(3) },
      totalSeconds: +totalSeconds.toFixed(1),
    };
    console.log(`BENCH_JSON ${JSON.stringify(json)}`);
    return exitCode;
  } finally {
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
    // Let any in-flight runner batch settle before disconnecting.
    await sleep(50);
    await meter?.close();
    await t?.dispose().catch((e: unknown) => console.error(`dropping the bench database failed: ${String(e)}`));
    await target.cleanup();
  }
}

runBench(main);
