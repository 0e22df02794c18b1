/**
 * Prometheus metrics (prom-client) in one registry, served by /api/metrics.
 *
 * Gauges that need the database are computed at scrape time (collect
 * callbacks), never by polling. Counters derived from the audit chain
 * (transitions and failures by action) and the distribution-latency histogram
 * read only what is new since the previous scrape, so a scrape stays cheap on
 * a large log. Other modules add their own metrics with registerCollector
 * (the approvals work sets the pending-approvals source, the mesh simulation
 * adds its gauges) without touching this file.
 *
 * prom-client's default process metrics are kept except the
 * `nodejs_active_*_total` gauges, whose _total suffix fails `promtool check
 * metrics` (a gauge must not look like a counter).
 */
import { msSince, systemClock, type Clock } from "../time/clock";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { Db } from "../db/client";
import { KEY_STATES } from "../domain/lifecycle/key-states";
import { logger } from "./logger";

export const FAILURE_ACTION = /FAILED|REJECTED|ABANDONED|BROKEN/;

export interface MetricsDeps {
  db: Db;
  /** The server's clock ("seconds since" gauges). */
  clock: Clock;
}

const g = globalThis as unknown as { __qecnetMetrics?: QecnetMetrics };

export class QecnetMetrics {
  readonly registry = new Registry();
  readonly trpcDuration: Histogram<"path" | "type" | "outcome">;
  readonly httpDuration: Histogram<"route" | "method" | "status">;
  /** Every failed sign-in, also those the audit chain only summarises (server/auth/sign-in-throttle.ts). */
  readonly signInFailures: Counter;
  /** Sign-ins refused by throttling, by what was throttled (a client address or an account). */
  readonly signInThrottled: Counter<"scope">;
  /** ETSI 014 requests answered by each site's KME (reported with its agent's heartbeats). */
  readonly etsi014Requests: Counter<"kme" | "method" | "status" | "reason">;
  private deps: MetricsDeps | null = null;
  private approvalsPending: (() => Promise<number>) | null = null;
  private auditCursor = 0n;
  private activationCursor = new Date(0);

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    for (const name of ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"]) {
      this.registry.removeSingleMetric(name);
    }
    const r = [this.registry];
    this.trpcDuration = new Histogram({
      name: "qecnet_trpc_request_duration_seconds", help: "Duration of tRPC procedure calls.", labelNames: ["path", "type", "outcome"], registers: r,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    });
    this.httpDuration = new Histogram({
      name: "qecnet_http_request_duration_seconds", help: "Duration of plain HTTP route handlers (audit export, proofs, operations).", labelNames: ["route", "method", "status"], registers: r,
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120],
    });
    this.signInFailures = new Counter({
      name: "qecnet_signin_failures_total", help: "Failed sign-ins (wrong email or password, disabled account), counted one by one; the audit chain summarises floods.", registers: r,
    });
    this.signInThrottled = new Counter({
      name: "qecnet_signin_throttled_total", help: "Sign-ins refused by throttling (429), by scope: per client address or per account.", labelNames: ["scope"], registers: r,
    });
    this.etsi014Requests = new Counter({
      name: "qecnet_etsi014_requests_total", help: "ETSI GS QKD 014 requests answered by each site's KME, by method, status and reason (400s and 503s are counted here, not audited).",
      labelNames: ["kme", "method", "status", "reason"], registers: r,
    });
    // Arrow functions keep this class's `this`; inside collect(), `this` is the metric.
    const getDb = () => this.db();
    const now = () => this.deps?.clock ?? systemClock;
    const refresh = () => this.refreshDerived();
    const approvals = () => this.approvalsPending;
    new Gauge({
      name: "qecnet_keys", help: "Keys per lifecycle state.", labelNames: ["state"], registers: r,
      async collect() {
        const db = getDb();
        if (!db) return;
        const rows = await db.key.groupBy({ by: ["state"], _count: { _all: true } });
        for (const s of KEY_STATES) this.set({ state: s }, rows.find((x) => x.state === s)?._count._all ?? 0);
      },
    });
    // Counters and histogram derived from the chain and the keys: each scrape adds only what is new since the last one.
    const derived = { async collect() { await refresh(); } };
    const transitions = new Counter({ name: "qecnet_audit_actions_total", help: "Audit entries (transitions and other recorded actions) by action.", labelNames: ["action"], registers: r, ...derived });
    const failures = new Counter({ name: "qecnet_failures_total", help: "Recorded failures by kind (actions with FAILED, REJECTED, ABANDONED or BROKEN).", labelNames: ["kind"], registers: r, ...derived });
    const distribution = new Histogram({
      name: "qecnet_key_distribution_seconds", help: "Time from distribution to activation (all receipts in) of keys.", registers: r, ...derived,
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600, 86_400],
    });
    this.refreshDerivedOnce = async () => {
      const db = this.db();
      if (!db) return;
      const rows = await db.$queryRaw<Array<{ action: string; n: bigint; max: bigint }>>`
        SELECT action, count(*) AS n, max(seq) AS max FROM audit_entries WHERE seq > ${this.auditCursor} GROUP BY action`;
      for (const row of rows) {
        transitions.inc({ action: row.action }, Number(row.n));
        if (FAILURE_ACTION.test(row.action)) failures.inc({ kind: row.action }, Number(row.n));
        if (row.max > this.auditCursor) this.auditCursor = row.max;
      }
      const activated = await db.key.findMany({
        where: { activatedAt: { gt: this.activationCursor }, distributedAt: { not: null } },
        select: { activatedAt: true, distributedAt: true }, orderBy: { activatedAt: "asc" }, take: 10_000,
      });
      for (const k of activated) {
        distribution.observe(Math.max(0, (k.activatedAt!.getTime() - k.distributedAt!.getTime()) / 1000));
        this.activationCursor = k.activatedAt!;
      }
    };
    new Gauge({
      name: "qecnet_audit_chain_length", help: "Entries in the audit chain (its head sequence number).", registers: r,
      async collect() {
        const db = getDb();
        if (!db) return;
        const head = await db.auditHead.findUnique({ where: { id: 1 } });
        this.set(Number(head?.seq ?? 0n));
      },
    });
    new Gauge({
      name: "qecnet_audit_checkpoint_age_seconds", help: "Seconds since the newest signed checkpoint was published (absent before the first).", registers: r,
      async collect() {
        const db = getDb();
        if (!db) return;
        const latest = await db.auditCheckpoint.findFirst({ orderBy: { treeSize: "desc" }, select: { publishedAt: true, treeSize: true } });
        this.reset();
        if (latest) this.set(msSince(now(), latest.publishedAt) / 1000);
      },
    });
    new Gauge({
      name: "qecnet_audit_checkpoint_tree_size", help: "Entries covered by the newest signed checkpoint.", registers: r,
      async collect() {
        const db = getDb();
        if (!db) return;
        const latest = await db.auditCheckpoint.findFirst({ orderBy: { treeSize: "desc" }, select: { treeSize: true } });
        this.set(Number(latest?.treeSize ?? 0n));
      },
    });
    const linkGauge = (name: string, help: string, pick: (l: { qber: number; poolBits: bigint; poolCapacityBits: bigint }) => number) =>
      new Gauge({
        name, help, labelNames: ["link"], registers: r,
        async collect() {
          const db = getDb();
          if (!db) return;
          const links = await db.link.findMany({ select: { id: true, qber: true, poolBits: true, poolCapacityBits: true } });
          this.reset();
          for (const l of links) this.set({ link: l.id }, pick(l));
        },
      });
    linkGauge("qecnet_link_qber_ratio", "Quantum bit error rate of each link (0–1).", (l) => l.qber);
    linkGauge("qecnet_link_pool_bytes", "Key material in each link's QKD pool, in bytes (bits / 8).", (l) => Number(l.poolBits) / 8);
    linkGauge("qecnet_link_pool_capacity_bytes", "Capacity of each link's QKD pool, in bytes.", (l) => Number(l.poolCapacityBits) / 8);
    const alarm = () => this.integrityAlarm;
    new Gauge({
      name: "qecnet_audit_integrity_alarm", help: "1 while the stored audit log does not match its signed checkpoints (found by the integrity monitor at start or in the background, or by the checkpoint publisher), else 0.", registers: r,
      collect() {
        this.set(alarm() ? 1 : 0);
      },
    });
    new Gauge({
      name: "qecnet_approvals_pending", help: "Approval requests waiting for a decision (0 until approvals exist).", registers: r,
      async collect() {
        const source = approvals();
        this.set(source ? await source() : 0);
      },
    });
  }

  private refreshDerivedOnce: () => Promise<void> = async () => undefined;
  private derivedRefresh: { scrape: number; done: Promise<void> } | null = null;
  private scrapeCount = 0;

  /** Runs the incremental refresh once per scrape, however many metrics ask for it. */
  private refreshDerived(): Promise<void> {
    if (this.derivedRefresh?.scrape !== this.scrapeCount) this.derivedRefresh = { scrape: this.scrapeCount, done: this.refreshDerivedOnce() };
    return this.derivedRefresh.done;
  }

  private readonly integrityAlarms = new Map<string, string>();
  private get integrityAlarm(): string | null {
    return [...this.integrityAlarms.values()][0] ?? null;
  }

  /**
   * Raised (a message) or cleared (null) by one source: the checkpoint
   * publisher ("checkpoints") or the integrity monitor ("integrity"); the
   * gauge is 1 while any source raises it.
   */
  setIntegrityAlarm(message: string | null, source = "checkpoints"): void {
    if (message) this.integrityAlarms.set(source, message);
    else this.integrityAlarms.delete(source);
  }

  private db(): Db | null {
    return this.deps?.db ?? null;
  }

  /** Connects the scrape-time collectors to the database. */
  attach(deps: MetricsDeps): void {
    this.deps = deps;
  }

  /** Where the pending-approvals gauge reads from (the approvals module sets it). */
  setApprovalsPendingSource(source: () => Promise<number>): void {
    this.approvalsPending = source;
  }

  /** Adds metrics of another module to this registry: `define` creates them with `registers: [registry]`. */
  registerCollector(define: (registry: Registry) => void): void {
    define(this.registry);
  }

  async scrape(): Promise<string> {
    this.scrapeCount++;
    try {
      return await this.registry.metrics();
    } catch (err) {
      logger().error({ err: { message: (err as Error).message } }, "metrics scrape failed");
      throw err;
    }
  }
}

/** The process-wide metrics. */
export function metrics(): QecnetMetrics {
  g.__qecnetMetrics ??= new QecnetMetrics();
  return g.__qecnetMetrics;
}

/** Times a plain HTTP handler into qecnet_http_request_duration_seconds. */
export async function observeHttp(route: string, req: Request, handler: () => Promise<Response>): Promise<Response> {
  const end = metrics().httpDuration.startTimer({ route, method: req.method });
  let status = 500;
  try {
    const res = await handler();
    status = res.status;
    return res;
  } finally {
    end({ status: String(status) });
  }
}
