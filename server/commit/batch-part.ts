/**
 * What a batch of the audited write path is made of: the jobs, and the parts
 * each domain (keys with their policies, the mesh) contributes: what it loads
 * under the head lock, the rows it adds to the batch's one flush statement,
 * what it writes after it, and what it keeps once the batch committed. Users
 * and approvals contribute per job (BatchJob.load and BatchJob.write).
 */
import type pg from "pg";
import type { ChainLink } from "../domain/audit/types";
import type { EventTopic } from "../domain/events/console-events";
import type { PreparedRead, SimpleRead } from "../db/server-statements";
import type { BatchWorkspace } from "./batch-workspace";

export interface BatchJob<T, W extends BatchWorkspace = BatchWorkspace> {
  /** Keys the job reads or changes; their successors and predecessors are loaded too. */
  keyIds: readonly string[];
  /** Nodes whose existence and status the job needs. */
  nodeIds?: readonly string[];
  /** The job routes keys or changes the mesh: the batch loads the whole mesh under the lock (server/mesh/mesh-batch.ts). */
  mesh?: boolean;
  /** Runs in memory, synchronously; throw a DomainError to refuse. */
  run(ws: W): T;
  /**
   * Optional: reads rows other than keys and nodes (e.g. an approval request and
   * its votes) in the batch's transaction, under the head lock, before `run`.
   * Read only; keep what `run` needs in the job's closure.
   */
  load?(client: pg.ClientBase): Promise<void>;
  /**
   * Optional: writes rows other than keys (users, approval votes…) in the same
   * transaction, after `run` accepted the job and the batch's keys and audit
   * entries were written. Decide in `run`; a failing write fails the batch.
   */
  write?(client: pg.ClientBase, value: T): Promise<void>;
  /**
   * Optional: the jobs of one kind that load and write together. Every job of a batch naming the same group is
   * loaded by one `group.load` and written by one `group.write` (the job's own `load` and `write` are then not
   * called): one query for many jobs instead of one each. The same rules as load and write apply.
   */
  group?: JobGroup<W>;
}

/** Jobs of one kind loaded and written together in a batch (BatchJob.group). */
export interface JobGroup<W extends BatchWorkspace = BatchWorkspace> {
  /**
   * Optional: a read sent with BEGIN and the head lock, in the same round trip (as BatchPart.preload: a statement
   * of its own, no parameters, any value written into it escaped; or, as BatchPart.preloadPrepared, a statement
   * prepared on the server with its escaped arguments). Its result reaches `load` as `preloaded`.
   */
  preload?(jobs: readonly BatchJob<unknown, W>[]): SimpleRead | null;
  /** Reads, under the head lock and before any job runs, what these jobs of the batch need. */
  load?(client: pg.ClientBase, jobs: readonly BatchJob<unknown, W>[], preloaded?: pg.QueryResult): Promise<void>;
  /** Writes what the accepted jobs among them decided (each with the value its `run` returned), in one go. */
  write?(client: pg.ClientBase, accepted: ReadonlyArray<{ job: BatchJob<unknown, W>; value: unknown }>): Promise<void>;
  /**
   * Instead of `write`: the one statement that writes what the accepted jobs decided (null: nothing to write), built
   * here without sending it, and deciding nothing from its answer (a count that must hold is checked in SQL, e.g. by
   * qecnet_expect_rows). The runner sends it between the flush and COMMIT in the same round trip (batch-flush.ts):
   * a statement that fails makes PostgreSQL answer that COMMIT with ROLLBACK, and one that cannot be built stops the
   * batch before anything is sent.
   */
  statement?(accepted: ReadonlyArray<{ job: BatchJob<unknown, W>; value: unknown }>): pg.QueryConfig | null;
}

/** Where jobs go: the transition runner, as the domains that submit jobs see it. */
export interface JobRunner<W extends BatchWorkspace = BatchWorkspace> {
  submit<T>(job: BatchJob<T, W>): Promise<T>;
}

/** Adds one JSON parameter to the flush statement and returns its placeholder. */
export type JsonParam = (rows: unknown[] | string) => string;

/**
 * A JSON parameter's rows as a table to join an UPDATE with: `alias` with
 * `columns`, limited to the array's own length. The limit changes nothing but
 * the planner's estimate: a set-returning function counts as 100 rows, so an
 * UPDATE of 16 rows hash-joined against a whole table of a few thousand (a seq
 * scan growing with the table); with the limit the estimate is the array's
 * length (custom plans) or 10 % of 100 (generic plans), and the rows are found
 * through the table's index.
 */
export function jsonRowsTable(placeholder: string, alias: string, columns: string): string {
  return `(SELECT * FROM json_to_recordset(${placeholder}) AS ${alias}(${columns}) LIMIT json_array_length(${placeholder})) AS ${alias}`;
}

/** Data-modifying CTEs for the flush statement, and which of them there are (the prepared statement is named by it). */
export interface RowParts {
  parts: string[];
  shape: string;
}

/** One domain's share of one batch, made by its BatchPart once the batch's rows are loaded. */
export interface PartOfBatch {
  /** CTEs joining the batch's one flush statement (ahead of the audit entries). */
  rows?(param: JsonParam): RowParts;
  /** Topics and key ids this batch's NOTIFY names for this domain. */
  announce?(): { topics: EventTopic[]; keyIds?: string[] };
  /** Writes in statements of its own, after the flush statement, in the same transaction. */
  write?(client: pg.ClientBase): Promise<void>;
  /** The batch committed, leaving the audit head at `head` ("seq:hash"): keep what the next batch may reuse. */
  committed?(head: string): void;
  /** The batch's jobs were answered. */
  settled?(): void;
}

export interface BatchPart<W extends BatchWorkspace = BatchWorkspace> {
  /**
   * Optional: one read-only statement, parameters written into its text (safely: values checked or escaped), sent
   * with BEGIN and the head lock in the same round trip and run right after the lock was granted, so it sees what
   * the batch before committed. Its result reaches `open` as `preloaded`. Null: nothing to send ahead.
   */
  preload?(jobs: readonly BatchJob<unknown, W>[]): string | null;
  /**
   * Optional: a read sent the same way, but as a statement prepared on the server (server/db/server-statements.ts),
   * run with its arguments (SQL literals, escaped): parsed and planned once per connection, where a statement written
   * out in full with its values would be at every batch. Its result reaches `open` as `preparedRead`.
   */
  preloadPrepared?(jobs: readonly BatchJob<unknown, W>[]): PreparedRead | null;
  /**
   * Under the head lock, before the jobs run: loads what the batch's jobs
   * declared into `ws`. `head` is the audit head the batch found ("seq:hash");
   * `preloaded` the result of this part's `preload` statement, when it sent one;
   * `preparedRead` that of its `preloadPrepared` read.
   */
  open(client: pg.ClientBase, ws: W, jobs: readonly BatchJob<unknown, W>[], head: string, preloaded?: pg.QueryResult, preparedRead?: pg.QueryResult): Promise<PartOfBatch>;
}

/** The audit head as the batch found it, as a mark parts compare (caches keyed by head). */
export const headMark = (head: ChainLink): string => `${head.seq}:${head.hash}`;
