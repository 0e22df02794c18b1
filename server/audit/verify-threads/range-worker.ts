/**
 * The worker thread of the two-thread chain verifier (split-verify.ts): it
 * verifies the upper range of the chain on a connection of its own, inside
 * the snapshot the main thread exported, so both halves read the same chain.
 *
 * One job per message; jobs may overlap (each has its own connection). The
 * answer is the range's ChainVerification, or the error that stopped it
 * (which makes the caller verify on one thread instead). Structured clone
 * carries the bigints of both ways as they are.
 *
 * The worker keeps its last connection between jobs, for KEPT_IDLE_MS: a
 * console verifies every few seconds, and a new connection (a PostgreSQL
 * backend started, authenticated, its caches filled) cost ~35 ms of a
 * ~220 ms verification of 100,000 entries here, on the worker's half alone,
 * which the main thread then waited for. A kept connection that turns out to
 * be dead (the server restarted, the database dropped) is dropped and the
 * job tried once more on a new one. It is idle between jobs, in no
 * transaction, and named in pg_stat_activity (application_name).
 *
 * Loaded by verify-threads.ts through tsx in a fresh thread, so it imports
 * only what a walk needs: pg, the page reader and the checks (no Prisma).
 */
import { parentPort } from "node:worker_threads";
import pg from "pg";
import { SESSION_SETUP } from "../../db/session-setup";
import { walkStoredChain } from "../copy-walk";
import type { RangeJob, RangeAnswer } from "./range-job";
import { MAX_SEQ, SNAPSHOT_ID, WORKER_APPLICATION_NAME } from "./range-job";

/** How long the worker keeps its idle connection after a job. */
const KEPT_IDLE_MS = 60_000;

interface Kept {
  /** The connection settings it was opened with (a job with other settings opens its own). */
  key: string;
  client: pg.Client;
  timer: NodeJS.Timeout;
}

let kept: Kept | null = null;
/** Clients known dead (an error or an end seen while idle or busy): never kept. */
const dead = new WeakSet<pg.Client>();

function forget(client: pg.Client): void {
  dead.add(client);
  if (kept?.client === client) {
    clearTimeout(kept.timer);
    kept = null;
  }
}

async function open(job: RangeJob): Promise<pg.Client> {
  const client = new pg.Client({ ...job.connection, application_name: WORKER_APPLICATION_NAME });
  client.on("error", () => forget(client));
  client.on("end", () => forget(client));
  try {
    await client.connect();
    await client.query(SESSION_SETUP);
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
  return client;
}

/** The kept connection if it was opened with these settings, else none (a kept one for other settings is closed). */
function take(key: string): pg.Client | null {
  const k = kept;
  if (!k) return null;
  kept = null;
  clearTimeout(k.timer);
  if (k.key === key && !dead.has(k.client)) return k.client;
  void k.client.end().catch(() => undefined);
  return null;
}

function keep(key: string, client: pg.Client): void {
  if (dead.has(client)) return;
  if (kept) void kept.client.end().catch(() => undefined);
  const timer = setTimeout(() => {
    if (kept?.client !== client) return;
    kept = null;
    void client.end().catch(() => undefined);
  }, KEPT_IDLE_MS);
  timer.unref();
  kept = { key, client, timer };
}

async function walkRange(client: pg.Client, job: RangeJob): Promise<RangeAnswer> {
  await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  // Checked by the caller: the id is hex digits and dashes, so it can sit in the statement text (SET takes no parameters).
  await client.query(`SET TRANSACTION SNAPSHOT '${job.snapshot}'`);
  const result = await walkStoredChain(client, MAX_SEQ, {
    start: job.start,
    head: job.head,
    anchors: job.anchors,
    maxFailures: 1,
    pageSize: job.pageSize,
  });
  await client.query("COMMIT");
  return { id: job.id, result };
}

async function verifyRange(job: RangeJob): Promise<RangeAnswer> {
  if (!SNAPSHOT_ID.test(job.snapshot)) return { id: job.id, error: "not a snapshot id" };
  const key = JSON.stringify(job.connection);
  let reused = take(key);
  for (;;) {
    let client: pg.Client;
    try {
      client = reused ?? (await open(job));
    } catch (err) {
      return { id: job.id, error: err instanceof Error ? err.message : String(err) };
    }
    try {
      const answer = await walkRange(client, job);
      keep(key, client);
      return answer;
    } catch (err) {
      // A failed job leaves its connection in an unknown state (inside a transaction, say): it is not kept.
      forget(client);
      await client.end().catch(() => undefined);
      if (reused) {
        reused = null; // the kept connection may have died while idle: once more on a new one
        continue;
      }
      return { id: job.id, error: err instanceof Error ? err.message : String(err) };
    }
  }
}

const port = parentPort;
if (!port) throw new Error("range-worker.ts runs only as a worker thread");
port.on("message", (job: RangeJob) => {
  void verifyRange(job).then((answer) => port.postMessage(answer));
});
port.postMessage({ ready: true });
