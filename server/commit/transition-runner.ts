/**
 * Group commit for every audited change. Jobs queue up while a batch is
 * committing; the next batch takes them all, locks the audit head once, lets
 * each domain's part (batch-part.ts: keys, mesh) load what the jobs named, runs
 * each job in memory, and writes every change and every audit entry in one
 * transaction (batch-flush.ts). Each job's change still
 * commits together with its own audit entries (same transaction), and a refused
 * job writes nothing. The head lock orders writers across server processes too.
 * This is how Tessera's PostgreSQL log reaches thousands of appends per second.
 * The batch talks to PostgreSQL through the pg pool under the Prisma client:
 * Prisma's interactive transactions cost several milliseconds each here, which
 * would bound the whole system's transition rate.
 */
import { systemClock, type Clock } from "../time/clock";
import { beginLockAndRead } from "../audit/audit-log";
import { chainEntryTexts, type ChainedEntry } from "../audit/entry-hash";
import { poolOf, type Db } from "../db/client";
import type { SimpleRead } from "../db/server-statements";
import { DomainError } from "../domain/errors/domain-error";
import { flushBatch, sendRowsAhead } from "./batch-flush";
import { headMark, type BatchJob, type BatchPart, type JobGroup, type JobRunner, type PartOfBatch } from "./batch-part";
import type { BatchWorkspace } from "./batch-workspace";

interface Queued<W extends BatchWorkspace> {
  job: BatchJob<unknown, W>;
  resolve(v: unknown): void;
  reject(e: unknown): void;
}

export interface RunnerHooks {
  /** Test hook: called after the batch's writes, before COMMIT. */
  beforeCommit?: () => Promise<void>;
  /** Test hook: called once COMMIT returned; throwing here stands for a lost answer to COMMIT. */
  afterCommit?: () => Promise<void>;
}

/** From this many audit entries a batch writes its key rows in a statement of their own, ahead of the entries (see runBatch). */
const SPLIT_FLUSH_AT = 200;

/** What a runner is built from: the batch's workspace and the parts the domains contribute, in load order. */
export interface RunnerOptions<W extends BatchWorkspace> {
  workspace(now: Date): W;
  parts: readonly BatchPart<W>[];
  maxBatch?: number;
  maxInFlight?: number;
  hooks?: RunnerHooks;
}

export class TransitionRunner<W extends BatchWorkspace = BatchWorkspace> implements JobRunner<W> {
  private queue: Queued<W>[] = [];
  private inFlight = 0;
  /** Batches started whose jobs have not run yet (at most one: the next batch forms once it has). */
  private forming = 0;
  private scheduled = false;

  constructor(
    private readonly db: Db,
    /** The one clock of this runner's jobs; also read by sign-in throttling (server/auth). */
    readonly clock: Clock = systemClock,
    private readonly opts: RunnerOptions<W>,
  ) {}

  /** The part of this type the runner was built with (tests and diagnostics read its counters). */
  partOf<P extends BatchPart<W>>(type: abstract new (...args: never[]) => P): P | undefined {
    return this.opts.parts.find((p): p is P => p instanceof type);
  }

  submit<T>(job: BatchJob<T, W>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ job: job as BatchJob<unknown, W>, resolve: resolve as (v: unknown) => void, reject });
      this.schedule();
    });
  }

  /**
   * Starts a batch on the next turn of the event loop, so that every job
   * submitted meanwhile joins it. Two batches may be in flight: the second
   * waits on the head lock inside PostgreSQL and proceeds the moment the first
   * commits, instead of a round trip later. Both then read committed state,
   * because each batch loads its keys only after it holds the lock.
   *
   * The second batch is formed once the first has run its jobs (it is then
   * writing and committing), not as soon as the first has started: it could
   * not get the lock any earlier, and meanwhile every job submitted joins it.
   * Formed at once, it held the one or two jobs that had come by then, and the
   * jobs after them waited for a third batch (ETSI 014 claims ran in batches
   * of about two, each a full batch's cost).
   */
  private schedule(): void {
    const max = this.opts.maxInFlight ?? 2;
    if (this.scheduled || this.queue.length === 0 || this.inFlight >= max || this.forming > 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.queue.length === 0 || this.inFlight >= max || this.forming > 0) return;
      const batch = this.queue.splice(0, this.opts.maxBatch ?? 256);
      this.inFlight += 1;
      this.forming += 1;
      let ran = false;
      const jobsRan = () => {
        if (ran) return;
        ran = true;
        this.forming -= 1;
        this.schedule();
      };
      void this.execute(batch, jobsRan).finally(() => {
        jobsRan();
        this.inFlight -= 1;
        this.schedule();
      });
    });
  }

  private async execute(batch: Queued<W>[], jobsRan: () => void): Promise<void> {
    try {
      await this.runBatch(batch, jobsRan);
    } catch (err) {
      jobsRan();
      if (batch.length === 1 || err instanceof OutcomeUnknownError) {
        batch[0]!.reject(asUnavailable(err));
        return;
      }
      // An infrastructure failure aborted the batch: try each job alone so one
      // bad job cannot fail the others.
      for (const q of batch) {
        await this.runBatch([q]).catch((e: unknown) => q.reject(asUnavailable(e)));
      }
    }
  }

  /** `jobsRan` is told once the jobs have run in memory, before the batch writes (the next batch may then form). */
  private async runBatch(batch: Queued<W>[], jobsRan: () => void = () => undefined): Promise<void> {
    const client = await poolOf(this.db).connect();
    let broken: Error | undefined;
    // Set once COMMIT was sent: if its answer is lost, the batch may have landed.
    let inDoubt: { seq: bigint; hash: string; settle: () => void } | null = null;
    try {
      const jobs = batch.map((q) => q.job);
      const groups = new Map<JobGroup<W>, Queued<W>[]>();
      for (const q of batch) if (q.job.group) groups.set(q.job.group, [...(groups.get(q.job.group) ?? []), q]);
      // The parts' and the groups' first reads go with BEGIN and the lock, in one round trip (beginLockAndRead).
      const preloads = this.opts.parts.map((part) => part.preload?.(jobs) ?? null);
      const prepared = this.opts.parts.map((part) => part.preloadPrepared?.(jobs) ?? null);
      const groupPreloads = [...groups].map(([g, qs]) => g.preload?.(qs.map((q) => q.job)) ?? null);
      // In the order the parts read them back: each part's preload, then its prepared read; then the groups'.
      const reads = [...this.opts.parts.flatMap((_, i) => [preloads[i], prepared[i]]), ...groupPreloads].filter((s): s is SimpleRead => s !== null && s !== undefined);
      const { head, results } = await beginLockAndRead(client, reads);
      const now = this.clock();
      const ws = this.opts.workspace(now);
      const found = headMark(head);
      const parts: PartOfBatch[] = [];
      let read = 0;
      for (const [i, part] of this.opts.parts.entries()) {
        const preloaded = preloads[i] === null ? undefined : results[read++];
        const preparedRead = prepared[i] === null ? undefined : results[read++];
        parts.push(await part.open(client, ws, jobs, found, preloaded, preparedRead));
      }
      for (const q of batch) if (!q.job.group) await q.job.load?.(client);
      for (const [i, [g, qs]] of [...groups].entries()) await g.load?.(client, qs.map((q) => q.job), groupPreloads[i] === null ? undefined : results[read++]);
      const outcomes = batch.map((q) => {
        ws.beginJob();
        try {
          const value = q.job.run(ws);
          ws.commitJob();
          return { ok: true as const, value };
        } catch (error) {
          ws.rollbackJob();
          return { ok: false as const, error };
        }
      });
      const settle = () => outcomes.forEach((o, i) => (o.ok ? batch[i]!.resolve(o.value) : batch[i]!.reject(o.error)));
      jobsRan();
      // A big batch sends its domain rows first: PostgreSQL writes them while the chain is hashed here. The
      // entries go once the rows are written (one query at a time on a connection).
      const split = ws.audits.length >= SPLIT_FLUSH_AT;
      const rowsAhead = split ? sendRowsAhead(client, parts).then(() => null, (e: unknown) => e) : null;
      let entries: ChainedEntry[] | null = null;
      let chainFailed: unknown = null;
      try {
        entries = chainEntryTexts(head.hash, head.seq + 1n, ws.audits);
      } catch (err) {
        chainFailed = err;
      }
      const rowsFailed = rowsAhead && (await rowsAhead);
      if (rowsFailed) throw rowsFailed; // the rows' own error comes first
      if (!entries) throw chainFailed;
      // When nothing is written after the flush, COMMIT goes with it (one round trip fewer); a test's hook
      // between the two, or a part's or job's later write, keeps them apart.
      const last = entries[entries.length - 1];
      const commitWithFlush = !this.opts.hooks?.beforeCommit && parts.every((p) => !p.write) && batch.every((q) => !q.job.write && !q.job.group?.write);
      // The groups' statements (JobGroup.statement), with each accepted job's value, built before anything is sent.
      const at = new Map(batch.map((q, i) => [q, i]));
      const groupStatements = [...groups].flatMap(([g, qs]) => {
        const accepted = qs.flatMap((q) => {
          const o = outcomes[at.get(q)!]!;
          return o.ok ? [{ job: q.job, value: o.value }] : [];
        });
        const statement = accepted.length > 0 ? g.statement?.(accepted) : null;
        return statement ? [statement] : [];
      });
      if (commitWithFlush) {
        // The groups' statements go between the flush and COMMIT, in the same round trip. Sent with the flush: if
        // the answer is lost, the batch may have landed.
        inDoubt = last ? { seq: last.seq, hash: last.entryHash, settle } : null;
        await flushBatch(client, ws, entries, parts, { rowsSent: split, commit: true, then: groupStatements });
      } else {
        await flushBatch(client, ws, entries, parts, { rowsSent: split });
        for (const p of parts) await p.write?.(client);
        const written = new Set<object>();
        for (const [i, o] of outcomes.entries()) {
          const job = batch[i]!.job;
          if (!job.group) {
            if (o.ok) await job.write?.(client, o.value);
          } else if (!written.has(job.group)) {
            // The whole group at its first job's place, with each accepted job's value.
            written.add(job.group);
            const accepted = batch.flatMap((q, j) => (q.job.group === job.group && outcomes[j]!.ok ? [{ job: q.job, value: (outcomes[j] as { value: unknown }).value }] : []));
            if (accepted.length > 0) await job.group.write?.(client, accepted);
          }
        }
        for (const statement of groupStatements) await client.query(statement);
        await this.opts.hooks?.beforeCommit?.();
        inDoubt = last ? { seq: last.seq, hash: last.entryHash, settle } : null;
        const r = await client.query("COMMIT");
        if (r.command !== "COMMIT") throw new Error(`COMMIT answered ${r.command}: the transaction had failed and was rolled back`);
      }
      const left = last ? `${last.seq}:${last.entryHash}` : found;
      for (const p of parts) p.committed?.(left);
      await this.opts.hooks?.afterCommit?.();
      settle();
      for (const p of parts) p.settled?.();
    } catch (err) {
      await client.query("ROLLBACK").catch((e: Error) => {
        broken = e; // the connection is unusable: do not return it to the pool
      });
      // COMMIT was sent but its answer lost: the chain tells whether it landed.
      // Running the jobs again would do them twice.
      if (inDoubt) {
        const landed = await this.landed(inDoubt.seq, inDoubt.hash);
        if (landed === true) {
          inDoubt.settle();
          return;
        }
        if (landed === null) throw new OutcomeUnknownError(err);
      }
      throw err;
    } finally {
      client.release(broken);
    }
  }

  /** Whether audit entry #seq with this hash is in the chain; null when that cannot be told. */
  private async landed(seq: bigint, hash: string): Promise<boolean | null> {
    try {
      const { rows } = await poolOf(this.db).query<{ entry_hash: string }>(
        "SELECT entry_hash FROM audit_entries WHERE seq = $1",
        [seq.toString()],
      );
      return rows[0]?.entry_hash === hash;
    } catch {
      return null;
    }
  }
}

/** COMMIT was sent, its answer lost, and the chain could not be read to tell. */
class OutcomeUnknownError extends DomainError {
  constructor(cause: unknown) {
    super(
      "AUDIT_UNAVAILABLE",
      "The database connection failed while committing, so it is not known whether the change was made. Reload the key before trying again.",
    );
    (this as { cause?: unknown }).cause = cause;
  }
}

function asUnavailable(err: unknown): unknown {
  if (err instanceof DomainError) return err;
  const e = new DomainError("AUDIT_UNAVAILABLE", "The change could not be committed; nothing was written. Try again.");
  (e as { cause?: unknown }).cause = err;
  return e;
}
