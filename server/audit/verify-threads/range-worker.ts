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
 * Loaded by verify-threads.ts through tsx in a fresh thread, so it imports
 * only what a walk needs: pg, the page reader and the checks (no Prisma).
 */
import { parentPort } from "node:worker_threads";
import pg from "pg";
import { SESSION_SETUP } from "../../db/session-setup";
import { walkStoredChain } from "../copy-walk";
import type { RangeJob, RangeAnswer } from "./range-job";
import { MAX_SEQ, SNAPSHOT_ID } from "./range-job";

async function verifyRange(job: RangeJob): Promise<RangeAnswer> {
  if (!SNAPSHOT_ID.test(job.snapshot)) return { id: job.id, error: "not a snapshot id" };
  const client = new pg.Client(job.connection);
  client.on("error", () => undefined);
  try {
    await client.connect();
    await client.query(SESSION_SETUP);
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    // Checked above: the id is hex digits and dashes, so it can sit in the statement text (SET takes no parameters).
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
  } catch (err) {
    return { id: job.id, error: err instanceof Error ? err.message : String(err) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

const port = parentPort;
if (!port) throw new Error("range-worker.ts runs only as a worker thread");
port.on("message", (job: RangeJob) => {
  void verifyRange(job).then((answer) => port.postMessage(answer));
});
port.postMessage({ ready: true });
