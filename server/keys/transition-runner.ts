/**
 * Group commit for key transitions. Jobs queue up while a batch is committing;
 * the next batch takes them all, locks the audit head once, loads the keys they
 * named, runs each job in memory against the lifecycle engine, and writes every
 * change and every audit entry in one transaction. Each job's change still
 * commits together with its own audit entries (same transaction), and a refused
 * job writes nothing. The head lock orders writers across server processes too.
 * This is how Tessera's PostgreSQL log reaches thousands of appends per second.
 * The batch talks to PostgreSQL through the pg pool under the Prisma client:
 * Prisma's interactive transactions cost several milliseconds each here, which
 * would bound the whole system's transition rate.
 */
import { systemClock, type Clock } from "../time/clock";
import { lockHead } from "../audit/audit-log";
import { chainEntryTexts, type ChainedEntry } from "../audit/entry-hash";
import type pg from "pg";
import { poolOf, type Db } from "../db/client";
import { DomainError } from "../domain/errors/domain-error";
import { loadKeyFamily } from "./key-rows";
import { KeyWorkspace, type NodeFacts } from "./key-workspace";
import { flushWorkspace, sendKeyRows } from "./workspace-flush";
import { flushMesh } from "../mesh/mesh-flush";
import { loadMesh, loadSimulation, readMeshVersion } from "../mesh/mesh-rows";
import { cloneMesh, type Mesh } from "../domain/mesh/mesh-model";
import { MeshWorkspace } from "../mesh/mesh-workspace";
import { readPolicies, type StoredKeyPolicy } from "./key-policies";

export interface KeyJob<T> {
  /** Keys the job reads or changes; their successors and predecessors are loaded too. */
  keyIds: readonly string[];
  /** Nodes whose existence and status the job needs. */
  nodeIds?: readonly string[];
  /** The job routes keys or changes the mesh: the batch loads the whole mesh under the lock (ws.mesh). */
  mesh?: boolean;
  /** Runs in memory, synchronously; throw a DomainError to refuse. */
  run(ws: KeyWorkspace): T;
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
}

interface Queued {
  job: KeyJob<unknown>;
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

export class TransitionRunner {
  /** Set by the wiring: holders of these keys were told to purge in a batch that just committed (the purge sweep acts at once). */
  onPurgeRequested: ((keyIds: string[]) => void) | null = null;
  /**
   * The mesh as the last batch that loaded it left it, with the version read in
   * that batch's transaction after its writes. A batch reuses a copy while the
   * version it reads under the head lock is the same (any other write to nodes
   * or links, from anywhere, moves the version): no reload of the whole mesh
   * for every routing batch.
   */
  private meshCache: { version: string; mesh: Mesh } | null = null;
  /**
   * The stored key policies as of the audit head a batch of this runner left
   * behind. Every change to a policy is an audited runner job, so it moves the
   * head: a batch that finds the head where this runner's last batch left it
   * knows the policies did not change and reuses them (no query); any other
   * head (another process wrote, or a batch of ours raced it) reloads them.
   */
  private policyCache: { head: string; policies: ReadonlyMap<string, StoredKeyPolicy> } | null = null;
  /** How often batches loaded the policies or reused the cached ones (tests and diagnostics). */
  readonly policyStats = { loads: 0, reuses: 0 };
  /** How often batches loaded the mesh or reused the cached one (tests and diagnostics). */
  readonly meshStats = { loads: 0, reuses: 0 };
  private queue: Queued[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly db: Db,
    /** The one clock of this runner's jobs; also read by sign-in throttling (server/auth). */
    readonly clock: Clock = systemClock,
    private readonly opts: { maxBatch?: number; maxInFlight?: number; hooks?: RunnerHooks } = {},
  ) {}

  submit<T>(job: KeyJob<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ job, resolve: resolve as (v: unknown) => void, reject });
      this.schedule();
    });
  }

  /**
   * Starts a batch on the next turn of the event loop, so that every job
   * submitted meanwhile joins it. Two batches may be in flight: the second
   * waits on the head lock inside PostgreSQL and proceeds the moment the first
   * commits, instead of a round trip later. Both then read committed state,
   * because each batch loads its keys only after it holds the lock.
   */
  private schedule(): void {
    if (this.scheduled || this.queue.length === 0 || this.inFlight >= (this.opts.maxInFlight ?? 2)) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.queue.length === 0 || this.inFlight >= (this.opts.maxInFlight ?? 2)) return;
      const batch = this.queue.splice(0, this.opts.maxBatch ?? 256);
      this.inFlight += 1;
      void this.execute(batch).finally(() => {
        this.inFlight -= 1;
        this.schedule();
      });
      this.schedule();
    });
  }

  private async execute(batch: Queued[]): Promise<void> {
    try {
      await this.runBatch(batch);
    } catch (err) {
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

  private async runBatch(batch: Queued[]): Promise<void> {
    const client = await poolOf(this.db).connect();
    let broken: Error | undefined;
    // Set once COMMIT was sent: if its answer is lost, the batch may have landed.
    let inDoubt: { seq: bigint; hash: string; settle: () => void } | null = null;
    try {
      await client.query("BEGIN");
      const head = await lockHead(client);
      const now = this.clock();
      const keys = await loadKeyFamily(client, batch.flatMap((q) => q.job.keyIds));
      const nodes = await loadNodes(client, batch.flatMap((q) => q.job.nodeIds ?? []));
      for (const q of batch) await q.job.load?.(client);
      const ws = new KeyWorkspace(now, keys, nodes);
      const headMark = `${head.seq}:${head.hash}`;
      if (this.policyCache?.head === headMark) {
        this.policyStats.reuses++;
        ws.attachPolicies(this.policyCache.policies);
      } else {
        this.policyStats.loads++;
        ws.attachPolicies(new Map((await readPolicies(client)).map((p) => [p.name, p])));
      }
      let meshVersion: string | null = null;
      if (batch.some((q) => q.job.mesh)) {
        meshVersion = await readMeshVersion(client);
        const cached = this.meshCache?.version === meshVersion ? cloneMesh(this.meshCache.mesh) : null;
        if (cached) this.meshStats.reuses++;
        else this.meshStats.loads++;
        ws.attachMesh(new MeshWorkspace(cached ?? (await loadMesh(client)), await loadSimulation(client)));
      }
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
      // A big batch sends its key rows first: PostgreSQL writes them while the chain is hashed here. The
      // entries go once the rows are written (one query at a time on a connection).
      const split = ws.audits.length >= SPLIT_FLUSH_AT;
      const keyRows = split ? sendKeyRows(client, ws).then(() => null, (e: unknown) => e) : null;
      let entries: ChainedEntry[] | null = null;
      let chainFailed: unknown = null;
      try {
        entries = chainEntryTexts(head.hash, head.seq + 1n, ws.audits);
      } catch (err) {
        chainFailed = err;
      }
      const rowsFailed = keyRows && (await keyRows);
      if (rowsFailed) throw rowsFailed; // the key rows' own error comes first
      if (!entries) throw chainFailed;
      await flushWorkspace(client, ws, entries, { keyRowsSent: split });
      if (ws.meshIfLoaded) {
        await flushMesh(client, ws.meshIfLoaded, now);
        if (ws.meshIfLoaded.hasChanges()) meshVersion = await readMeshVersion(client);
      }
      for (const [i, o] of outcomes.entries()) if (o.ok) await batch[i]!.job.write?.(client, o.value);
      await this.opts.hooks?.beforeCommit?.();
      const last = entries[entries.length - 1];
      inDoubt = last ? { seq: last.seq, hash: last.entryHash, settle } : null;
      await client.query("COMMIT");
      // The workspace is done with: its mesh is now what the database holds, at that version.
      if (ws.meshIfLoaded && meshVersion !== null) this.meshCache = { version: meshVersion, mesh: ws.meshIfLoaded.committedMesh() };
      this.policyCache = { head: last ? `${last.seq}:${last.entryHash}` : headMark, policies: ws.committedPolicyMap() };
      await this.opts.hooks?.afterCommit?.();
      settle();
      if (ws.purgeRequested.size > 0) this.onPurgeRequested?.([...ws.purgeRequested]);
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

async function loadNodes(client: pg.ClientBase, ids: readonly string[]): Promise<Map<string, NodeFacts>> {
  const wanted = [...new Set(ids)];
  if (wanted.length === 0) return new Map();
  const { rows } = await client.query<NodeFacts>(
    "SELECT id, name, status::text AS status FROM nodes WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb))",
    [JSON.stringify(wanted)],
  );
  return new Map(rows.map((n) => [n.id, n]));
}
