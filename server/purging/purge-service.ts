/**
 * Purges at the holders (issue 12, finding 8). Every transition that ends a
 * key's life (revocation by approval or recovery, destruction by an officer,
 * by retention or after a failed distribution) records purge_requested_at on
 * each holder in its own transaction (the PURGE_HOLDERS effect). This service
 * then tells every such holder to purge, through its node agent, and records
 * the purge as done (purged_at) only on the holder's answer, with an audit
 * entry per key naming the holders that confirmed. Holders that do not answer
 * are asked again with back-off (1 s, 2 s, 4 s … at most 60 s).
 *
 * Durable: the key_participants rows are the queue. A sweep runs at once when
 * a batch requesting purges commits (the keys batch part's onPurgeRequested, server/keys/key-batch.ts), and
 * periodically from the background, so a restart picks up where it stopped.
 */
import type pg from "pg";
import { poolOf, type Db } from "../db/client";
import { withTimeout, type AgentDirectory } from "../agents/node-agent";
import { mapBounded } from "../background/bounded";
import type { TransitionRunner } from "../commit/transition-runner";

export interface PurgeOptions {
  /** How long a holder has to answer one purge instruction. */
  timeoutMs?: number;
  /** Holders asked at once. */
  concurrency?: number;
  /** Rows per sweep pass. */
  batch?: number;
  log?: { error(obj: object, msg: string): void };
}

export interface PurgeSweepReport {
  confirmed: number;
  unanswered: number;
}

interface PendingPurge {
  key_id: string;
  node_id: string;
}

export const PURGE_MAX_BACKOFF_S = 60;

export class PurgeService {
  private running: Promise<PurgeSweepReport> | null = null;
  private again = false;
  private readonly opts: Required<Omit<PurgeOptions, "log">> & Pick<PurgeOptions, "log">;
  /** The one clock: the runner's (injected by the wiring). */
  private readonly clock: () => Date;

  constructor(
    private readonly db: Db,
    private readonly runner: TransitionRunner,
    private readonly agents: AgentDirectory,
    opts: PurgeOptions = {},
  ) {
    this.clock = runner.clock;
    this.opts = { timeoutMs: opts.timeoutMs ?? 500, concurrency: opts.concurrency ?? 32, batch: opts.batch ?? 500, log: opts.log };
  }

  /** A sweep soon (coalesced): called when purges were requested. */
  kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    void this.sweep().catch((err: unknown) => this.opts.log?.error({ error: (err as Error).name }, "purge sweep failed; the next one retries"));
  }

  /** Sweeps until no purge is due (or only unanswered ones wait for their back-off). One sweep at a time per process. */
  sweep(opts: { keyIds?: string[]; ignoreBackoff?: boolean } = {}): Promise<PurgeSweepReport> {
    if (this.running && !opts.keyIds) return this.running;
    const run = (async () => {
      const total: PurgeSweepReport = { confirmed: 0, unanswered: 0 };
      for (;;) {
        this.again = false;
        const r = await this.pass(opts);
        total.confirmed += r.confirmed;
        total.unanswered += r.unanswered;
        if (r.confirmed + r.unanswered < this.opts.batch && !this.again) return total;
      }
    })();
    if (opts.keyIds) return run;
    this.running = run.finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** One pass: the due rows, each holder asked once, the answers recorded in one job. */
  private async pass(opts: { keyIds?: string[]; ignoreBackoff?: boolean }): Promise<PurgeSweepReport> {
    const now = this.clock();
    const { rows } = await poolOf(this.db).query<PendingPurge>(
      `SELECT key_id, node_id FROM key_participants
        WHERE purge_requested_at IS NOT NULL AND purged_at IS NULL
          AND ($1::uuid[] IS NULL OR key_id = ANY($1::uuid[]))
          AND ($3::boolean OR purge_last_attempt_at IS NULL
               OR purge_last_attempt_at + LEAST(interval '1 second' * power(2, LEAST(purge_attempts, 10)), interval '${PURGE_MAX_BACKOFF_S} seconds') <= $2)
        ORDER BY purge_last_attempt_at NULLS FIRST, purge_requested_at LIMIT $4`,
      [opts.keyIds ?? null, now, opts.ignoreBackoff ?? false, this.opts.batch],
    );
    if (rows.length === 0) return { confirmed: 0, unanswered: 0 };
    const answers = await mapBounded(rows, this.opts.concurrency, async (r) => {
      const ok = await withTimeout(this.agents.agent(r.node_id).purge(r.key_id), r.node_id, this.opts.timeoutMs).then(() => true, () => false);
      return { ...r, ok };
    });
    let confirmed = answers.filter((a) => a.ok);
    const unanswered = answers.filter((a) => !a.ok);
    await this.runner.submit({
      keyIds: [],
      load: async (c) => {
        // Under the head lock: only what no other sweep (another instance) recorded meanwhile is recorded and audited.
        const { rows: open } = await c.query<PendingPurge>(
          `SELECT p.key_id, p.node_id FROM key_participants p JOIN unnest($1::uuid[], $2::text[]) AS u(key_id, node_id)
              ON p.key_id = u.key_id AND p.node_id = u.node_id WHERE p.purged_at IS NULL`,
          [confirmed.map((x) => x.key_id), confirmed.map((x) => x.node_id)],
        );
        const still = new Set(open.map((o) => `${o.key_id}/${o.node_id}`));
        confirmed = confirmed.filter((x) => still.has(`${x.key_id}/${x.node_id}`));
      },
      run: (ws) => {
        const byKey = new Map<string, string[]>();
        for (const a of confirmed) byKey.set(a.key_id, [...(byKey.get(a.key_id) ?? []), a.node_id]);
        for (const [keyId, nodes] of byKey) {
          ws.audit({ actor: "system:purge", action: "KEY_PURGE_CONFIRMED", subjectType: "key", subjectId: keyId, fromState: null, toState: null, details: { confirmedBy: nodes.sort() } });
        }
        return ws.now;
      },
      write: (c, at) => recordAnswers(c, confirmed, unanswered, at),
    });
    return { confirmed: confirmed.length, unanswered: unanswered.length };
  }

  /** Starts the periodic sweep (background); returns its stop function. */
  start(everyMs = 2_000): () => void {
    this.kick();
    const timer = setInterval(() => this.kick(), everyMs);
    timer.unref();
    return () => clearInterval(timer);
  }
}

async function recordAnswers(c: pg.ClientBase, confirmed: PendingPurge[], unanswered: PendingPurge[], at: Date): Promise<void> {
  const ids = (xs: PendingPurge[]) => [xs.map((x) => x.key_id), xs.map((x) => x.node_id)];
  if (confirmed.length > 0) {
    const [k, n] = ids(confirmed);
    await c.query(
      `UPDATE key_participants p SET purged_at = $3, purge_last_attempt_at = $3
         FROM unnest($1::uuid[], $2::text[]) AS u(key_id, node_id)
        WHERE p.key_id = u.key_id AND p.node_id = u.node_id AND p.purged_at IS NULL`,
      [k, n, at],
    );
  }
  if (unanswered.length > 0) {
    const [k, n] = ids(unanswered);
    await c.query(
      `UPDATE key_participants p SET purge_attempts = purge_attempts + 1, purge_last_attempt_at = $3
         FROM unnest($1::uuid[], $2::text[]) AS u(key_id, node_id)
        WHERE p.key_id = u.key_id AND p.node_id = u.node_id AND p.purged_at IS NULL`,
      [k, n, at],
    );
  }
}
