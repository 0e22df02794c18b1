/**
 * What the main thread and the range worker of the two-thread verifier say to
 * each other (posted as structured clones: bigints travel as they are).
 */
import type { ChainLink, ChainVerification } from "../../domain/audit/types";

/** The largest seq PostgreSQL's bigint holds: "no upper bound" for a page walk. */
export const MAX_SEQ = (1n << 63n) - 1n;

/** What pg_export_snapshot() returns (hex groups joined by dashes), nothing else. */
export const SNAPSHOT_ID = /^[0-9A-F]+(-[0-9A-F]+)+$/i;

/** The worker's connection in pg_stat_activity (it keeps one between jobs: range-worker.ts). */
export const WORKER_APPLICATION_NAME = "qecnet-chain-verifier";

export interface RangeJob {
  id: number;
  /** How the worker connects: the pool's own settings (connection string, or host, user and so on). */
  connection: { connectionString?: string; host?: string; port?: number; user?: string; password?: string; database?: string };
  /** From pg_export_snapshot() in the main thread's open REPEATABLE READ transaction. */
  snapshot: string;
  /** The stored entry the range continues: the range is start.seq + 1 … end of chain. */
  start: ChainLink;
  head: ChainLink;
  /** Anchors past start.seq only. */
  anchors: ChainLink[];
  pageSize: number;
}

export type RangeAnswer = { id: number; result: ChainVerification } | { id: number; error: string };
