/**
 * Durable jobs on PostgreSQL through pg-boss 10 (its own schema `pgboss` in our
 * database): jobs survive restarts, and several server instances on one
 * database run each job once (pg-boss fetches with FOR UPDATE SKIP LOCKED).
 *
 * Decisions (see README "Durable jobs"):
 * - Queues are created (idempotently) before anything is sent or worked, as v10 requires.
 * - Dedupe: a job that stands for one fact (a QBER crossing, a node rejoining,
 *   one rotation to drive) gets a deterministic id derived from that fact;
 *   pg-boss inserts with ON CONFLICT DO NOTHING, so a second instance sending
 *   the same fact gets null and nothing is queued twice. The readable fact is
 *   kept in singletonKey too.
 * - Cron (`schedule`) is pg-boss's own: one instance per minute sends the job.
 * - pg-boss writes nothing to stdout; its errors go to our logger with the
 *   queue name and error name only (handlers never put key material in errors).
 */
import { systemClock, type Clock } from "../time/clock";
import { createHash } from "node:crypto";
import PgBoss from "pg-boss";

export interface JobQueueOptions {
  /** How often idle workers poll (pg-boss minimum 0.5 s). */
  pollingIntervalSeconds?: number;
  schema?: string;
  log?: { error(obj: object, msg: string): void };
  /** The server's clock (readiness reports when a job last succeeded by it). */
  clock?: Clock;
}

export interface QueueSpec<T> {
  name: string;
  /** Jobs handed to one call of the handler (bounded parallelism per instance). */
  batchSize?: number;
  retryLimit?: number;
  retryDelaySeconds?: number;
  expireInSeconds?: number;
  handler(data: T[]): Promise<void>;
}

export interface SendOptions {
  startAfter?: Date;
  /** The fact this job stands for: the same key never queues twice (deterministic job id). */
  dedupeKey?: string;
}

/** A UUID derived from a fact, so that every instance names the same job alike. */
export function jobIdFor(fact: string): string {
  const h = createHash("sha256").update(`qecnet-job:${fact}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export class JobQueue {
  private boss: PgBoss | null = null;
  private readonly specs = new Map<string, QueueSpec<never>>();
  private readonly schedules: Array<{ name: string; cron: string }> = [];
  private readonly unschedules = new Set<string>();
  lastError: string | null = null;
  lastSuccessAt: Date | null = null;

  constructor(
    private readonly connectionString: string,
    private readonly opts: JobQueueOptions = {},
  ) {}

  get running(): boolean {
    return this.boss !== null;
  }

  /** Registers a queue and its worker; takes effect at start (or at once when running). */
  async define<T>(spec: QueueSpec<T>): Promise<void> {
    this.specs.set(spec.name, spec as QueueSpec<never>);
    if (this.boss) await this.install(this.boss, spec as QueueSpec<never>);
  }

  /** A cron schedule (UTC) that sends a job to a defined queue; pg-boss sends it once per slot across instances. */
  async schedule(name: string, cron: string): Promise<void> {
    this.schedules.push({ name, cron });
    if (this.boss) await this.boss.schedule(name, cron);
  }

  /** Removes a cron schedule (schedules are stored in the database and outlive the process that made them). */
  async unschedule(name: string): Promise<void> {
    const i = this.schedules.findIndex((x) => x.name === name);
    if (i >= 0) this.schedules.splice(i, 1);
    this.unschedules.add(name);
    if (this.boss) await this.boss.unschedule(name);
  }

  async start(): Promise<void> {
    if (this.boss) return;
    const boss = new PgBoss({
      connectionString: this.connectionString,
      schema: this.opts.schema ?? "pgboss",
      application_name: "qecnet-jobs",
      max: 4,
      pollingIntervalSeconds: this.opts.pollingIntervalSeconds ?? 2,
    } as PgBoss.ConstructorOptions);
    boss.on("error", (err: Error & { queue?: string }) => {
      this.lastError = err.name === "Error" ? "job queue error" : err.name;
      this.opts.log?.error({ queue: err.queue ?? null, error: err.name }, "job queue error");
    });
    await boss.start();
    this.boss = boss;
    for (const spec of this.specs.values()) await this.install(boss, spec);
    for (const name of this.unschedules) await boss.unschedule(name);
    for (const s of this.schedules) await boss.schedule(s.name, s.cron);
  }

  private async install(boss: PgBoss, spec: QueueSpec<never>): Promise<void> {
    await boss.createQueue(spec.name, {
      name: spec.name,
      retryLimit: spec.retryLimit ?? 3,
      retryDelay: spec.retryDelaySeconds ?? 5,
      retryBackoff: true,
      expireInSeconds: spec.expireInSeconds ?? 900,
    });
    await boss.work<never>(spec.name, { batchSize: spec.batchSize ?? 1, pollingIntervalSeconds: this.opts.pollingIntervalSeconds ?? 2 }, async (jobs) => {
      try {
        await spec.handler(jobs.map((j) => j.data));
        this.lastSuccessAt = (this.opts.clock ?? systemClock)();
        this.lastError = null;
      } catch (err) {
        this.lastError = `${spec.name}: ${(err as Error).name}`;
        this.opts.log?.error({ queue: spec.name, error: (err as Error).name, code: (err as { code?: string }).code ?? null }, "job failed; pg-boss retries it");
        throw err;
      }
    });
  }

  /**
   * Queues a job; null when a job for the same fact already exists (dedupeKey) or the queue is not running.
   * `startAfter` (a time on this server's clock) is sent as a delay from now, in whole seconds rounded up: pg-boss
   * compares an absolute time with the database server's clock, so a console whose clock runs ahead of the
   * database's (CI runs the suite 400 days ahead) would have queued its job that far into the future.
   */
  async send(name: string, data: object, opts: SendOptions = {}): Promise<string | null> {
    if (!this.boss) return null;
    const delaySeconds = opts.startAfter ? Math.max(0, Math.ceil((opts.startAfter.getTime() - (this.opts.clock ?? systemClock)().getTime()) / 1000)) : 0;
    return this.boss.send(name, data, {
      ...(delaySeconds > 0 ? { startAfter: delaySeconds } : {}),
      ...(opts.dedupeKey ? { id: jobIdFor(`${name}:${opts.dedupeKey}`), singletonKey: opts.dedupeKey } : {}),
    });
  }

  /** Jobs of a queue not yet finished (created, retry or active). */
  async pending(name: string): Promise<number> {
    if (!this.boss) return 0;
    return this.boss.getQueueSize(name, { before: "completed" });
  }

  async stop(): Promise<void> {
    const boss = this.boss;
    this.boss = null;
    await boss?.stop({ graceful: true, wait: true, timeout: 10_000 });
  }
}
