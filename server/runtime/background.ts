/**
 * Starts this process's background work once, from instrumentation.ts: the
 * approvals' duties, the live event listener, the mesh simulation (only the instance holding its
 * leader lock ticks), resuming distributions a previous process left half-way,
 * the audit integrity monitor, the audit checkpoint scheduler, the SIEM forwarder when configured, and the
 * metrics' database access, the agent port when agents are processes, and the pad-level events (issue 18). Each worker registers in server/background/worker-status.ts
 * so /api/ready reports it.
 */
import { startApprovalDuties } from "../approvals/approval-scheduler";
import { startCheckpointScheduler } from "../audit/checkpoint/checkpoint-scheduler";
import { startIntegrityMonitor } from "../audit/integrity/integrity-worker";
import { rangeThreadProblem, rangeThreadStatus, warmRangeThread } from "../audit/verify-threads/range-thread";
import { SiemForwarder, parseForwardUrl } from "../audit/forward/siem-forwarder";
import { env } from "../config/env";
import { logger } from "../ops/logger";
import { metrics } from "../ops/metrics";
import { defineRotationJobs } from "../rotation/rotation-jobs";
import { startRecoveryWorker } from "../recovery/recovery-worker";
import { services } from "./services";
import { registerWorker } from "../background/worker-status";
import { startAgentPort } from "./agent-port";
import { startPeriodicDuty } from "../background/periodic-duty";
import { REPLENISH_EVERY_MS } from "../kme/hub/pool-replenisher";
import { notify } from "../events/event-bus";
import { poolOf } from "../db/client";
import { publishPadLevelChanges } from "../quantum-channel/pad-level-events";
import { recordPadFixture } from "../quantum-channel/pad-level-fixture";

const g = globalThis as unknown as { __qecnetBackground?: Array<() => void> };

export async function startBackground(): Promise<void> {
  if (g.__qecnetBackground) return;
  const stops: Array<() => void> = [];
  g.__qecnetBackground = stops;
  const e = env();
  const log = logger();
  const s = services();
  metrics().attach({ db: s.db, clock: s.keys.clock });
  // Approvals: finish what a previous process left EXECUTING, record expiries, every minute.
  stops.push(startApprovalDuties(s.approvals, { log: log.child({ worker: "approval-duties" }), clock: s.keys.clock }));

  // Agents as processes: the agent port listens next to the HTTP server (a missing PEM file stops the start, named).
  if (e.QECNET_AGENTS === "process") stops.push(await startAgentPort(s, e, log.child({ worker: "agent-port" })));

  // The audit verifier's worker thread (long chains in two halves at once): loaded now, not at the first verification.
  stops.push(registerWorker("audit-verifier-thread", rangeThreadStatus));
  void warmRangeThread().then((ok) => {
    if (!ok) log.warn({ problem: rangeThreadProblem() }, "the audit verifier's worker thread did not start: long chains are verified on one thread");
  });

  await s.events.start();
  // Open Mesh pages refetch pad levels when ends report (at most once a second).
  stops.push(publishPadLevelChanges(s.padLevels, (ev) => notify(poolOf(s.db), ev), {
    clock: s.keys.clock, onError: (err) => log.warn({ error: err.name }, "announcing pad level changes failed"),
  }));
  // Browser tests only (scripts/e2e-server.ts), and only on a demonstration console.
  if (e.QECNET_SEED_DEMO && process.env.QECNET_E2E_PAD_FIXTURE === "1") recordPadFixture(s.padLevels, s.keys.clock());
  stops.push(registerWorker("live-events", () => ({ ok: s.events.connected, detail: s.events.connected ? "listening for committed changes" : "reconnecting to PostgreSQL (views fall back to polling)" })));
  if (e.QECNET_SIMULATION === "on") {
    await s.simulator.start();
    stops.push(registerWorker("mesh-simulation", () => ({
      ok: s.simulator.running && s.simulator.lastError === null,
      detail: s.simulator.lastError
        ? `last tick failed: ${s.simulator.lastError}`
        : s.simulator.leader ? "ticking (this instance holds the simulation lock)" : "standing by (another instance ticks)",
    })));
    stops.push(() => void s.simulator.stop());
  } else {
    log.warn("the link simulation is off (QECNET_SIMULATION=off): pools and QBER stand still");
  }
  // Not awaited: a long retry backoff must not hold up the server's start.
  void s.distribution.resumeInterrupted({ actor: "system:distribution" }).then(
    (reports) => {
      if (reports.length > 0) log.info({ count: reports.length }, "resumed interrupted distributions");
    },
    (err: unknown) => log.error({ error: (err as Error).name }, "resuming interrupted distributions failed"),
  );

  // Durable jobs (pg-boss, schema pgboss): rotation steps, the rotation sweep (cron), triggers.
  try {
    await defineRotationJobs(s.jobs, s.rotation, s.rotationTriggers, { cron: e.QECNET_ROTATION_SWEEP === "off" ? null : undefined });
    if (e.QECNET_ROTATION_SWEEP === "off") log.warn("scheduled rotation is off (QECNET_ROTATION_SWEEP=off): keys rotate only on triggers and requests");
    await s.jobs.start();
    stops.push(s.rotationTriggers.start({ simulator: s.simulator, events: s.events }));
    stops.push(() => void s.jobs.stop());
  } catch (err) {
    log.error({ error: (err as Error).name }, "the job queue did not start: scheduled and triggered rotation are off");
  }
  stops.push(registerWorker("jobs", () => ({
    ok: s.jobs.running && s.jobs.lastError === null,
    detail: !s.jobs.running ? "the job queue is not running (rotation jobs wait)" : s.jobs.lastError ? `last job failed: ${s.jobs.lastError}` : "running rotation jobs and the rotation sweep",
    lastSuccessAt: s.jobs.lastSuccessAt,
  })));
  // ETSI 014: every application pair's key pool topped up through real distribution, every 2 s (QECNET_KME_REFILL=off pauses it).
  if (e.QECNET_KME_REFILL === "on") {
    stops.push(startPeriodicDuty({
      name: "kme-pools",
      everyMs: REPLENISH_EVERY_MS,
      round: async () => {
        await s.replenisher.round();
      },
      log: log.child({ worker: "kme-pools" }),
      clock: s.keys.clock,
      healthy: "keeping the applications' key pools stocked",
      failure: "refilling the ETSI 014 key pools failed; will retry",
    }));
  } else {
    log.warn("the ETSI 014 pool replenisher is off (QECNET_KME_REFILL=off): application key pools drain");
  }
  // Purges at holders: at start (a previous process may have left some unanswered), then every 2 s.
  stops.push(s.purges.start(2_000));
  // After the simulation's start: its tick listener is how QBER compromises are detected.
  stops.push(startRecoveryWorker(s, log.child({ worker: "compromise-recovery" })));

  log.info({ keyId: s.checkpoints.key.keyId, publicKey: s.checkpoints.key.publicKey, source: s.checkpoints.key.source, file: s.checkpoints.file.path }, "audit checkpoint signing key");
  stops.push(startIntegrityMonitor(s.integrity, s.checkpoints, log.child({ worker: "audit-integrity" }), e.QECNET_AUDIT_VERIFY_INTERVAL_S * 1000));
  if (e.QECNET_AUDIT_CHECKPOINT_INTERVAL_S > 0) {
    stops.push(startCheckpointScheduler(s.checkpoints, e.QECNET_AUDIT_CHECKPOINT_INTERVAL_S, log.child({ worker: "audit-checkpoints" }), s.integrity.firstWalk));
  } else {
    log.warn("scheduled audit checkpoints are off (QECNET_AUDIT_CHECKPOINT_INTERVAL_S=0); publish them from the console or the API");
  }
  if (e.QECNET_AUDIT_FORWARD) {
    const fwd = new SiemForwarder(s.db, parseForwardUrl(e.QECNET_AUDIT_FORWARD), s.keys.clock);
    stops.push(fwd.start(1000, log.child({ worker: "audit-forwarder" })));
  }
}

export function stopBackgroundWorkers(): void {
  for (const stop of g.__qecnetBackground ?? []) stop();
  g.__qecnetBackground = undefined;
}
