/**
 * The link simulation of the running console. Every tick (one second of wall
 * time by default, times a speed factor in simulated time) is one runner job:
 * pools fill, QBER moves (link-dynamics.ts), threshold crossings are audited,
 * node agents that stopped answering take their node offline (and the mesh
 * re-wires), agents that answer again bring it back, and a sample of every
 * link is kept every few seconds for the console's charts. The state lives in
 * PostgreSQL (links, simulation_state with the PRNG state), so a restart
 * resumes where it stopped and the first tick catches up the time it missed.
 * With several server instances on one database, only the holder of an
 * advisory lock ticks; the others stand by and take over if it goes away.
 */
import { systemClock } from "../../time/clock";
import pg from "pg";
import { poolOf, type Db } from "../../db/client";
import type { MeshTickDelta, TickLinkFigures, TickLinkStatus } from "../../domain/events/console-events";
import type { BatchWorkspace } from "../../commit/batch-workspace";
import type { TransitionRunner } from "../../commit/transition-runner";
import { AgentAwaitedError, withTimeout, type AgentDirectory } from "../../agents/node-agent";
import { applyRewire } from "../operations/mesh-operations";
import { planIsolation, planRestore } from "../rewiring/rewire";
import { isReachableStatus } from "../../domain/mesh/mesh-model";
import { Prng } from "../../domain/mesh/prng";
import { stepLink } from "./link-dynamics";
import { meshOf } from "../mesh-batch";

export interface SimulatorOptions {
  /** Simulated seconds per wall-clock second. */
  speed?: number;
  tickMs?: number;
  /** Keep a sample of every link this often (wall time). */
  sampleMs?: number;
  seed?: number;
  clock?: () => Date;
  /** Consecutive missed heartbeats before a node is taken offline. */
  missedHeartbeats?: number;
  heartbeatTimeoutMs?: number;
  /** Longest gap a tick catches up (e.g. after a long stop), in wall seconds. */
  maxCatchUpSeconds?: number;
  /** The link ends' pad reports (issue 18): a link both of whose ends reported has their pool, not the model's. */
  pads?: PadReports;
}

/** What the simulator needs of the link pads' reports (server/runtime/pad-reports.ts builds it). */
export interface PadReports {
  /** Has the ends living in this process (the hub's, in-process agents') report their levels now. */
  reportLocalEnds(now: Date): Promise<void>;
  /** The link's pool in bits as both its ends reported it lately, capped at its capacity; null until both did. */
  poolBits(linkId: string, capacityBits: number, now: Date): number | null;
}

export interface TickReport {
  tick: number;
  dtSimSeconds: number;
  crossings: Array<{ linkId: string; from: string; to: string }>;
  offline: string[];
  rejoined: string[];
}

const ACTOR = "system:simulation";
const LEADER_LOCK = "qecnet-mesh-simulation";

const CROSSING_ACTIONS: Record<string, string> = {
  warning: "LINK_QBER_WARNING",
  compromised: "LINK_QBER_ABORT",
  healthy: "LINK_QBER_NORMAL",
};

export class MeshSimulator {
  private readonly speed: number;
  private readonly tickMs: number;
  private readonly sampleMs: number;
  private readonly seed: number;
  private readonly clock: () => Date;
  private readonly missedLimit: number;
  private readonly heartbeatTimeoutMs: number;
  private readonly maxCatchUp: number;
  private readonly pads: PadReports | null;
  private readonly misses = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private leaderClient: pg.Client | null = null;
  private stopped = true;
  private ticking = false;
  /** Whether this instance holds the simulation (readiness probes report it). */
  leader = false;
  lastError: string | null = null;

  constructor(
    private readonly db: Db,
    private readonly connectionString: string,
    private readonly runner: TransitionRunner,
    private readonly agents: AgentDirectory | null,
    opts: SimulatorOptions = {},
  ) {
    this.speed = opts.speed ?? 1;
    this.tickMs = opts.tickMs ?? 1_000;
    this.sampleMs = opts.sampleMs ?? 5_000;
    this.seed = opts.seed ?? 1;
    this.clock = opts.clock ?? systemClock;
    this.missedLimit = opts.missedHeartbeats ?? 3;
    this.heartbeatTimeoutMs = opts.heartbeatTimeoutMs ?? 500;
    this.maxCatchUp = opts.maxCatchUpSeconds ?? 3_600;
    this.pads = opts.pads ?? null;
  }

  get running(): boolean {
    return !this.stopped;
  }

  /** Starts ticking when this instance wins the leader lock; otherwise retries every few seconds. */
  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    await this.campaign();
  }

  private async campaign(): Promise<void> {
    if (this.stopped) return;
    try {
      const client = new pg.Client({ connectionString: this.connectionString });
      client.on("error", () => this.loseLeadership(client));
      await client.connect();
      const { rows } = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock(hashtext($1)) AS ok", [LEADER_LOCK]);
      if (!rows[0]?.ok) {
        await client.end();
        this.schedule(() => this.campaign(), 5_000);
        return;
      }
      this.leaderClient = client;
      this.leader = true;
      this.schedule(() => this.loop(), 0);
    } catch (err) {
      this.lastError = (err as Error).message;
      this.schedule(() => this.campaign(), 5_000);
    }
  }

  private loseLeadership(client: pg.Client): void {
    if (this.leaderClient !== client) return;
    this.leaderClient = null;
    this.leader = false;
    client.end().catch(() => undefined);
    if (this.timer) clearTimeout(this.timer);
    this.schedule(() => this.campaign(), 1_000);
  }

  private schedule(fn: () => Promise<void>, ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void fn(), ms);
  }

  private async loop(): Promise<void> {
    if (!this.leader) return;
    const started = performance.now();
    try {
      await this.tickOnce();
      this.lastError = null;
    } catch (err) {
      this.lastError = (err as Error).message;
    }
    this.schedule(() => this.loop(), Math.max(0, this.tickMs - (performance.now() - started)));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const c = this.leaderClient;
    this.leaderClient = null;
    this.leader = false;
    await c?.end().catch(() => undefined);
  }

  private readonly tickListeners = new Set<(r: TickReport) => void>();

  /**
   * Called after each committed tick of this instance (only the leader ticks),
   * with the threshold crossings, nodes gone offline and rejoined. Consumers
   * that must not miss a signal also sweep the stored state at start.
   */
  onTick(listener: (r: TickReport) => void): () => void {
    this.tickListeners.add(listener);
    return () => this.tickListeners.delete(listener);
  }

  /** One tick now (tests call it directly with their own clock). */
  async tickOnce(): Promise<TickReport> {
    if (this.ticking) throw new Error("a tick is already running");
    this.ticking = true;
    try {
      const health = await this.heartbeats();
      const now = this.clock();
      if (this.pads) await this.pads.reportLocalEnds(now);
      const report = await this.runner.submit({ keyIds: [], mesh: true, run: (ws) => this.tick(ws, now, health) });
      for (const l of this.tickListeners) {
        try {
          l(report);
        } catch {
          // A listener's failure must not stop the simulation; listeners log their own errors.
        }
      }
      if (report.tick % 60 === 0) {
        await poolOf(this.db).query("DELETE FROM link_samples WHERE at < $1", [new Date(now.getTime() - 2 * 3_600_000)]);
      }
      return report;
    } finally {
      this.ticking = false;
    }
  }

  /** Which nodes' agents answered (true), stayed silent (false); nodes whose agents are still awaited are left out. */
  private async heartbeats(): Promise<Map<string, boolean>> {
    const answered = new Map<string, boolean>();
    if (!this.agents) return answered;
    const { rows } = await poolOf(this.db).query<{ id: string }>("SELECT id FROM nodes");
    await Promise.all(
      rows.map(async ({ id }) => {
        const ok = await withTimeout(this.agents!.agent(id).heartbeat(), id, this.heartbeatTimeoutMs).then(() => true, (e: unknown) => (e instanceof AgentAwaitedError ? null : false));
        if (ok === null) return; // not known yet (agents still dialling in after a start): neither a miss nor an answer
        answered.set(id, ok);
        this.misses.set(id, ok ? 0 : (this.misses.get(id) ?? 0) + 1);
      }),
    );
    return answered;
  }

  private tick(ws: BatchWorkspace, now: Date, answered: Map<string, boolean>): TickReport {
    const m = meshOf(ws);
    const sim = m.loadedSimulation;
    const dtWall = sim ? Math.min(this.maxCatchUp, Math.max(0, (now.getTime() - sim.lastTickAt.getTime()) / 1000)) : 0;
    const dtSim = dtWall * this.speed;
    const rng = new Prng(sim?.rngState ?? this.seed);
    const sample = !sim?.lastSampleAt || now.getTime() - sim.lastSampleAt.getTime() >= this.sampleMs;
    const crossings: TickReport["crossings"] = [];
    const moved: MeshTickDelta["links"] = [];

    for (const l of m.view().links.values()) {
      const modelled = stepLink(l, dtSim, rng);
      // The pool is what the link's ends report (their devices' bytes less what was used or reserved), once both
      // did; until then the model's (a link whose ends never reported, such as one with no agents at its ends).
      const reported = l.status === "DOWN" ? null : (this.pads?.poolBits(l.id, l.poolCapacityBits, now) ?? null);
      const s = reported === null ? modelled : { ...modelled, poolBits: reported };
      const statusChanged = s.status !== l.status;
      if (sample || statusChanged || s.qber !== l.qber || s.poolBits !== l.poolBits || s.secretKeyRateBps !== l.secretKeyRateBps) {
        // Pools are stored rounded to whole bits: the delta carries what a refetch would read. A tick only ever
        // moves a link between UP and DEGRADED (stepLink leaves a link that is down as it is).
        const figures: TickLinkFigures = [l.id, s.qber, s.secretKeyRateBps, Math.round(s.poolBits)];
        moved.push(statusChanged ? [...figures, s.status as TickLinkStatus] : figures);
      }
      if (s.qber !== l.qber || s.poolBits !== l.poolBits || s.status !== l.status) {
        m.updateLinkFigures(l.id, { qber: s.qber, poolBits: s.poolBits, secretKeyRateBps: s.secretKeyRateBps, status: s.status });
      }
      if (s.health !== s.previousHealth && s.health !== "down") {
        crossings.push({ linkId: l.id, from: s.previousHealth, to: s.health });
        ws.audit({
          actor: ACTOR, action: CROSSING_ACTIONS[s.health]!, subjectType: "link", subjectId: l.id, fromState: s.previousHealth, toState: s.health,
          details: { qber: Math.round(s.qber * 10_000) / 10_000, baselineQber: l.baselineQber, eavesdropper: l.eavesdropper, summary: `QBER ${(s.qber * 100).toFixed(1)}%` },
        });
      }
      if (sample) m.recordSample({ linkId: l.id, qber: s.qber, poolBits: s.poolBits, secretKeyRateBps: s.secretKeyRateBps });
    }

    const offline: string[] = [];
    const rejoined: string[] = [];
    for (const n of [...m.view().nodes.values()]) {
      if (n.role === "HUB" || !answered.has(n.id)) continue;
      if (isReachableStatus(n.status) && (this.misses.get(n.id) ?? 0) >= this.missedLimit) {
        const reason = `agent stopped answering (${this.missedLimit} heartbeats missed)`;
        applyRewire(ws, planIsolation(m.view(), n.id, "OFFLINE", reason), "NODE_OFFLINE", ACTOR, reason);
        offline.push(n.id);
      } else if (n.status === "OFFLINE" && answered.get(n.id)) {
        applyRewire(ws, planRestore(m.view(), n.id), "NODE_REJOINED", ACTOR, "agent answers again");
        rejoined.push(n.id);
      }
    }

    const tick = (sim?.tick ?? 0) + 1;
    const simTime = new Date((sim?.simTime ?? now).getTime() + dtSim * 1000);
    m.setSimulation({
      tick, simTime, lastTickAt: now, speed: this.speed,
      seed: sim?.seed ?? this.seed, rngState: rng.state | 0 /* stored as a signed int4 */, lastSampleAt: sample ? now : (sim?.lastSampleAt ?? null),
    });
    // Figures and link statuses: viewers apply them to their cached state. A topology change makes them refetch it.
    const delta: MeshTickDelta | undefined = offline.length > 0 || rejoined.length > 0
      ? undefined
      : { tick, simTime: simTime.toISOString(), lastTickAt: now.toISOString(), sampled: sample, links: moved };
    // The links whose threshold crossings were audited: an open panel of one of them shows its events, so it refetches.
    const crossed = crossings.map((c) => c.linkId);
    ws.publish({ topic: "mesh", type: "tick", data: { tick, at: now.toISOString(), ...(crossed.length > 0 ? { crossed } : {}) }, delta });
    return { tick, dtSimSeconds: dtSim, crossings, offline, rejoined };
  }
}
