/**
 * Purges at the holders (issue 12, finding 8; issue 14, KEY-DELIVERY.md §6.4).
 * Every transition that ends a key's life (revocation by approval or recovery,
 * destruction by an officer, by retention or after a failed distribution)
 * records purge_requested_at on each holder in its own transaction (the
 * PURGE_HOLDERS effect): from then on the purge is an obligation. This service
 * tells every such holder to purge, through its node agent, and records the
 * purge as done (purge_confirmed_at) only on the holder's answer, with an audit
 * entry per key naming the holders that confirmed. Holders that do not answer
 * are asked again with back-off (1 s, 2 s, 4 s … at most `resendMs`, 30 s by
 * default: a connected agent is re-sent its open obligations that often).
 *
 * Durable: the key_participants rows are the queue. A sweep runs at once when
 * a batch requesting purges commits (the keys batch part's onPurgeRequested,
 * server/keys/key-batch.ts), and periodically from the background, so a
 * restart picks up where it stopped. When a node's agent (re)connects (the
 * directory's onReconnect), its whole backlog is applied at once: obligations
 * for keys its inventory no longer holds are confirmed by that inventory, the
 * others are sent again and confirmed by the answer, and one
 * AGENT_PURGE_BACKLOG_APPLIED entry records it.
 */
import type pg from "pg";
import { poolOf, type Db } from "../db/client";
import { withTimeout, type AgentDirectory } from "../agents/node-agent";
import { mapBounded } from "../background/bounded";
import type { TransitionRunner } from "../commit/transition-runner";
import type { BatchWorkspace } from "../commit/batch-workspace";

export interface PurgeOptions {
  /** How long a holder has to answer one purge instruction. */
  timeoutMs?: number;
  /** Holders asked at once. */
  concurrency?: number;
  /** Rows per sweep pass. */
  batch?: number;
  /** The longest back-off between two instructions to a holder that has not confirmed (QECNET_PURGE_RESEND_MS, 30 s). */
  resendMs?: number;
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

/** A holder's confirmation: its answer to a purge, or a hello inventory without the key. */
interface Confirmation extends PendingPurge {
  via: "answer" | "inventory";
}

type AuditInput = Parameters<BatchWorkspace["audit"]>[0];

export const PURGE_RESEND_MS = 30_000;

/** The last recording job per runner (see PurgeService.record). */
const recording = new WeakMap<object, Promise<unknown>>();

/** What a reconnect's backlog came to (one AGENT_PURGE_BACKLOG_APPLIED entry when it was not empty). */
export interface PurgeBacklogReport {
  /** Open obligations found for the node. */
  backlog: number;
  /** Confirmed by the hello inventory (the agent no longer held the key). */
  confirmedByInventory: number;
  /** Confirmed by the agent's answer to the purge sent again. */
  confirmedByAnswer: number;
  unanswered: number;
}

/**
 * A sweep's due purges: ($1) only these keys, or all when null; ($2) now; ($3) whatever the back-off; ($4) at most
 * so many; ($5) the longest back-off in ms. The open obligations are read through the partial index
 * key_participants_pending_purge_idx (its predicate is this WHERE's first line), not the whole table.
 */
export const DUE_PURGES_SQL = `SELECT key_id, node_id FROM key_participants
        WHERE purge_requested_at IS NOT NULL AND purge_confirmed_at IS NULL
          AND ($1::uuid[] IS NULL OR key_id = ANY($1::uuid[]))
          AND ($3::boolean OR purge_last_attempt_at IS NULL
               OR purge_last_attempt_at + LEAST(interval '1 second' * power(2, LEAST(purge_attempts, 10)), interval '1 millisecond' * $5) <= $2)
        ORDER BY purge_last_attempt_at NULLS FIRST, purge_requested_at LIMIT $4`;

/** One node's open purge obligations ($1 the node), through the same partial index. */
export const NODE_BACKLOG_SQL = `SELECT key_id, node_id FROM key_participants
        WHERE node_id = $1 AND purge_requested_at IS NOT NULL AND purge_confirmed_at IS NULL ORDER BY purge_requested_at`;

/** A holder's purge obligation, as a map key. */
const holderKey = (r: PendingPurge) => `${r.key_id}/${r.node_id}`;

export class PurgeService {
  private running: Promise<PurgeSweepReport> | null = null;
  /** The obligations a pass of this service is asking about now, each with that pass's end (its answers recorded or failed). */
  private readonly inFlight = new Map<string, Promise<void>>();
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
    this.opts = { timeoutMs: opts.timeoutMs ?? 500, concurrency: opts.concurrency ?? 32, batch: opts.batch ?? 500, resendMs: opts.resendMs ?? PURGE_RESEND_MS, log: opts.log };
    agents.onReconnect?.((nodeId, inventory) => {
      void this.applyBacklog(nodeId, inventory).catch((err: unknown) =>
        this.opts.log?.error({ nodeId, error: (err as Error).name }, "purge backlog at reconnect failed; the periodic sweep retries"));
    });
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
      // Each holder is asked at most once per sweep: with the back-off ignored, a holder that did not answer is due
      // again at once, and a batch of them made the sweep ask them again for ever.
      const asked = new Set<string>();
      for (;;) {
        this.again = false;
        const r = await this.pass(opts, asked);
        total.confirmed += r.confirmed;
        total.unanswered += r.unanswered;
        if ((!r.full || r.fresh === 0) && !this.again) return total;
      }
    })();
    if (opts.keyIds) return run;
    this.running = run.finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /**
   * One pass: the due rows this sweep has not asked about yet, each holder asked once, the answers recorded in one
   * job. A row another pass is asking about now (the background sweep a revocation kicked, beside a recovery's own
   * sweep of its keys) is not asked again: this pass asks a batch of the others, then waits until that one has recorded
   * its answer. `full`: as many rows were due as were read (more may be); `fresh`: those this sweep had not asked about.
   */
  private async pass(opts: { keyIds?: string[]; ignoreBackoff?: boolean }, asked: Set<string>): Promise<PurgeSweepReport & { full: boolean; fresh: number }> {
    const now = this.clock();
    // Rows another pass is asking about are still due: read past them, so this pass has a batch of its own to ask.
    const limit = this.opts.batch + this.inFlight.size;
    const { rows } = await poolOf(this.db).query<PendingPurge>(DUE_PURGES_SQL, [opts.keyIds ?? null, now, opts.ignoreBackoff ?? false, limit, this.opts.resendMs]);
    const fresh = rows.filter((r) => !asked.has(holderKey(r)));
    for (const r of fresh) asked.add(holderKey(r));
    const elsewhere = fresh.flatMap((r) => this.inFlight.get(holderKey(r)) ?? []);
    const mine = fresh.filter((r) => !this.inFlight.has(holderKey(r)));
    let done!: () => void;
    const recordedHere = new Promise<void>((resolve) => (done = resolve));
    for (const r of mine) this.inFlight.set(holderKey(r), recordedHere);
    try {
      if (mine.length === 0) return { confirmed: 0, unanswered: 0, full: rows.length === limit, fresh: fresh.length };
      const answers = await mapBounded(mine, this.opts.concurrency, async (r) => {
        const ok = await withTimeout(this.agents.agent(r.node_id).purge(r.key_id), r.node_id, this.opts.timeoutMs).then(() => true, () => false);
        return { ...r, ok };
      });
      const confirmed = answers.filter((a) => a.ok);
      const unanswered = answers.filter((a) => !a.ok);
      const recorded = await this.record(confirmed.map((c) => ({ ...c, via: "answer" as const })), unanswered);
      return { confirmed: recorded.length, unanswered: unanswered.length, full: rows.length === limit, fresh: fresh.length };
    } finally {
      for (const r of mine) if (this.inFlight.get(holderKey(r)) === recordedHere) this.inFlight.delete(holderKey(r));
      done();
      await Promise.all(elsewhere);
    }
  }

  /**
   * A node's agent (re)connected with this inventory (null: it did not say; every open obligation is sent again):
   * its open obligations are applied at once, whatever their back-off (KEY-DELIVERY.md §6.4).
   */
  async applyBacklog(nodeId: string, inventory: readonly string[] | null): Promise<PurgeBacklogReport> {
    const { rows } = await poolOf(this.db).query<PendingPurge>(NODE_BACKLOG_SQL, [nodeId]);
    const report: PurgeBacklogReport = { backlog: rows.length, confirmedByInventory: 0, confirmedByAnswer: 0, unanswered: 0 };
    if (rows.length === 0) return report;
    const held = inventory ? new Set(inventory) : null;
    const absent = held ? rows.filter((r) => !held.has(r.key_id)) : [];
    const toSend = held ? rows.filter((r) => held.has(r.key_id)) : rows;
    const agent = this.agents.agent(nodeId);
    const answers = await mapBounded(toSend, this.opts.concurrency, async (r) => {
      const ok = await withTimeout(agent.purge(r.key_id), nodeId, this.opts.timeoutMs).then(() => true, () => false);
      return { ...r, ok };
    });
    const confirmed = [
      ...absent.map((r) => ({ ...r, via: "inventory" as const })),
      ...answers.filter((a) => a.ok).map((a) => ({ key_id: a.key_id, node_id: a.node_id, via: "answer" as const })),
    ];
    const unanswered = answers.filter((a) => !a.ok);
    // Nothing left to record (another sweep confirmed it all meanwhile): no entry.
    const recorded = await this.record(confirmed, unanswered, (r) => r.length + unanswered.length === 0 ? null : ({
      actor: "system:purge", action: "AGENT_PURGE_BACKLOG_APPLIED", subjectType: "node", subjectId: nodeId, fromState: null, toState: null,
      details: {
        backlog: rows.length,
        confirmedByInventory: r.filter((x) => x.via === "inventory").length,
        confirmedByAnswer: r.filter((x) => x.via === "answer").length,
        unanswered: unanswered.length,
        keyIds: rows.slice(0, 100).map((x) => x.key_id),
      },
    }));
    report.confirmedByInventory = recorded.filter((x) => x.via === "inventory").length;
    report.confirmedByAnswer = recorded.filter((x) => x.via === "answer").length;
    report.unanswered = unanswered.length;
    return report;
  }

  /** Records confirmations and unanswered instructions in one job: only what no other sweep (another instance) recorded meanwhile is recorded and audited. */
  private async record(
    confirmedIn: Confirmation[], unanswered: PendingPurge[], extra?: (recorded: Confirmation[]) => AuditInput | null,
  ): Promise<Confirmation[]> {
    // One recording job at a time per runner: two in one batch would both load before either writes, and audit twice.
    const prev = recording.get(this.runner) ?? Promise.resolve();
    const mine = prev.then(() => this.recordNow(confirmedIn, unanswered, extra));
    recording.set(this.runner, mine.catch(() => undefined));
    return mine;
  }

  private async recordNow(
    confirmedIn: Confirmation[], unanswered: PendingPurge[], extra?: (recorded: Confirmation[]) => AuditInput | null,
  ): Promise<Confirmation[]> {
    let confirmed = confirmedIn;
    await this.runner.submit({
      keyIds: [],
      load: async (c) => {
        // Under the head lock.
        const { rows: open } = await c.query<PendingPurge>(
          `SELECT p.key_id, p.node_id FROM key_participants p JOIN unnest($1::uuid[], $2::text[]) AS u(key_id, node_id)
              ON p.key_id = u.key_id AND p.node_id = u.node_id WHERE p.purge_confirmed_at IS NULL`,
          [confirmed.map((x) => x.key_id), confirmed.map((x) => x.node_id)],
        );
        const still = new Set(open.map((o) => `${o.key_id}/${o.node_id}`));
        confirmed = confirmed.filter((x) => still.has(`${x.key_id}/${x.node_id}`));
      },
      run: (ws) => {
        const byKey = new Map<string, Confirmation[]>();
        for (const a of confirmed) byKey.set(a.key_id, [...(byKey.get(a.key_id) ?? []), a]);
        for (const [keyId, cs] of byKey) {
          const by = cs.map((x) => x.node_id).sort();
          const byInventory = cs.filter((x) => x.via === "inventory").map((x) => x.node_id).sort();
          ws.audit({
            actor: "system:purge", action: "KEY_PURGE_CONFIRMED", subjectType: "key", subjectId: keyId, fromState: null, toState: null,
            details: byInventory.length ? { confirmedBy: by, byHelloInventory: byInventory } : { confirmedBy: by },
          });
        }
        const entry = extra?.(confirmed);
        if (entry) ws.audit(entry);
        return ws.now;
      },
      write: (c, at) => recordAnswers(c, confirmed, unanswered, at),
    });
    return confirmed;
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
      `UPDATE key_participants p SET purge_confirmed_at = $3, purge_last_attempt_at = $3
         FROM unnest($1::uuid[], $2::text[]) AS u(key_id, node_id)
        WHERE p.key_id = u.key_id AND p.node_id = u.node_id AND p.purge_confirmed_at IS NULL`,
      [k, n, at],
    );
  }
  if (unanswered.length > 0) {
    const [k, n] = ids(unanswered);
    await c.query(
      `UPDATE key_participants p SET purge_attempts = purge_attempts + 1, purge_last_attempt_at = $3
         FROM unnest($1::uuid[], $2::text[]) AS u(key_id, node_id)
        WHERE p.key_id = u.key_id AND p.node_id = u.node_id AND p.purge_confirmed_at IS NULL`,
      [k, n, at],
    );
  }
}
