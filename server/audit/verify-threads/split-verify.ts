/**
 * Verifying a long stored chain on two threads: the main thread walks
 * entries #1…#m while the worker thread walks #m+1… to the end, each on its
 * own connection inside one exported snapshot, so both read the same chain.
 * A walk is CPU-bound: in Node (reading rows, assembling each entry's hashed
 * input, SHA-256: ~2.2 µs per entry in the fast lane) and in PostgreSQL
 * (reading and sending the rows: ~1.5 µs per entry), so the two halves, each
 * on its own thread and connection, keep both of the machine's cores busy.
 *
 * The two halves join where a sequential walk would pass from one to the
 * other: the worker starts from the stored entry #m (its seq and hash, read
 * in the snapshot) as the link its first entry must follow, which is exactly
 * the link a walk from #1 holds when it gets there, if #m is sound. So:
 * - if both halves verify, and the lower one ends at #m with that very hash,
 *   the whole chain verifies, and the answer is the one a walk from #1 gives
 *   (same count, same head);
 * - otherwise (any break, or the worker failing), the answer is null and the
 *   caller walks the whole chain on one thread: breaks are rare, and that
 *   walk reports them exactly as it always has (every break, resynchronised,
 *   in order), instead of stitching two partial reports.
 * Each half stops at its first break (maxFailures 1) so a damaged chain goes
 * to the full walk quickly.
 */
import type pg from "pg";
import type { ChainLink, ChainVerification } from "../../domain/audit/types";
import { isHashHex } from "../entry-hash";
import { WALK_PAGE_SIZE } from "../entry-pages";
import { walkStoredChain } from "../copy-walk";
import { prepareAnchors } from "../verify-chain";
import { runRangeJob } from "./range-thread";
import type { RangeJob } from "./range-job";

/** Below this many entries one thread is quick enough (~0.2 s) and a split is not worth its round trips. */
export const SPLIT_MIN_ENTRIES = 20_000n;

export interface SplitVerification {
  result: Extract<ChainVerification, { ok: true }>;
  /** The last entry of the main thread's half. */
  splitAt: bigint;
}

/**
 * Verifies the chain up to `head` on two threads, or answers null (see above).
 * `client` must be inside a REPEATABLE READ transaction in which `head` was read.
 */
export async function verifySplit(
  client: pg.ClientBase,
  connection: RangeJob["connection"],
  head: ChainLink,
  anchorsGiven: readonly ChainLink[],
  pageSize = WALK_PAGE_SIZE,
): Promise<SplitVerification | null> {
  // Invalid anchors throw here, as they do in a walk on one thread.
  const anchors = prepareAnchors(anchorsGiven);
  if (head.seq < SPLIT_MIN_ENTRIES) return null;
  const m = head.seq / 2n;
  const { rows } = await client.query<{ hash: string }>("SELECT entry_hash AS hash FROM audit_entries WHERE seq = $1", [m.toString()]);
  const joint = rows[0]?.hash;
  if (!isHashHex(joint)) return null;
  const snapshot = (await client.query<{ id: string }>("SELECT pg_export_snapshot() AS id")).rows[0]?.id;
  if (!snapshot) return null;

  const start: ChainLink = { seq: m, hash: joint };
  const upper = runRangeJob({ connection, snapshot, start, head, anchors: anchors.filter((a) => a.seq > m), pageSize });
  upper.catch(() => undefined);
  let lower: ChainVerification;
  try {
    lower = await walkStoredChain(client, m, { anchors: anchors.filter((a) => a.seq <= m), maxFailures: 1, pageSize });
  } finally {
    // The exported snapshot lives as long as this transaction: the worker must have taken it before the caller commits.
    await upper.catch(() => undefined);
  }
  let top: ChainVerification;
  try {
    top = await upper;
  } catch {
    return null;
  }
  if (!lower.ok || !top.ok || lower.headSeq !== m || lower.headHash !== joint) return null;
  return { result: { ok: true, entries: lower.entries + top.entries, headSeq: top.headSeq, headHash: top.headHash }, splitAt: m };
}
