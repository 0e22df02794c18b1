/**
 * The services of this server process, built once from the validated
 * environment: the Prisma client, the key vault (master key) and the key
 * service with its group-commit runner.
 */
import { PadResync } from "../quantum-channel/pad-resync";
import type { PadLevels } from "../quantum-channel/pad-levels";
import { padReportsOf } from "./pad-reports";
import { systemClock, type Clock } from "../time/clock";
import { ApprovalService } from "../approvals/approval-service";
import { REVOCATION_KIND, registerApprovalKinds, type ApprovalKindSpec } from "../approvals/approval-kinds";
import { EMERGENCY_ROTATION_KIND } from "../approvals/emergency-rotation-kind";
import { NODE_ISOLATION_KIND } from "../approvals/node-isolation-kind";
import { ROLE_GRANT_KIND } from "../approvals/role-grant-kind";
import { INCIDENT_RECOVERY } from "../recovery/incident-recovery-kind";
import { UserService } from "../users/user-service";
import { AuditService } from "../audit/audit-service";
import { IntegrityMonitor } from "../audit/integrity/integrity-monitor";
import { CheckpointFile } from "../audit/checkpoint/checkpoint-file";
import { CheckpointService } from "../audit/checkpoint/checkpoint-service";
import { loadSigningKey } from "../audit/checkpoint/signing-key";
import { env } from "../config/env";
import { prisma, type Db } from "../db/client";
import { EventBus } from "../events/event-bus";
import { keyRunner } from "../keys/key-batch";
import { KeyService } from "../keys/key-service";
import { PurgeService } from "../purging/purge-service";
import { vaultFromEnvironment, type KeyVault } from "../keys/key-vault";
import type { RunnerHooks } from "../commit/transition-runner";
import { InProcessAgents } from "../agents/in-process-agents";
import { RemoteAgents } from "../agents/hub/remote-agents";
import { channelPadsOf, DistributionService } from "../distribution/distribution-service";
import { MeshBatch } from "../mesh/mesh-batch";
import { MeshStateCache } from "../mesh/mesh-state-cache";
import { MeshOperations } from "../mesh/operations/mesh-operations";
import { MeshSimulator, type SimulatorOptions } from "../mesh/simulation/mesh-simulator";
import { JobQueue } from "../jobs/job-queue";
import { logger } from "../ops/logger";
import { RotationService } from "../rotation/rotation-service";
import { RotationTriggers } from "../rotation/rotation-triggers";
import { RecoveryService, type RecoveryOptions } from "../recovery/recovery-service";
import { IncidentQueries } from "../recovery/incident-queries";
import { DemoScenario } from "../demo/demo-scenario";
import { WebhookNotifier, type ApprovalNotifier } from "../notify/webhook-notifier";
import { KmeHub, type KmeHubOptions } from "../kme/hub/kme-hub";
import { PoolReplenisher, REPLENISH_KEYS_PER_SECOND } from "../kme/hub/pool-replenisher";
import { SaeRegistry } from "../kme/registry/sae-registry";

/** Every action of this console that needs approval (registered once, explicitly, by buildServices). */
export const APPROVAL_KINDS: readonly ApprovalKindSpec[] = [REVOCATION_KIND, EMERGENCY_ROTATION_KIND, NODE_ISOLATION_KIND, ROLE_GRANT_KIND, INCIDENT_RECOVERY];

/** The node agents of a process: the in-process test double, or agent processes behind the agent port (QECNET_AGENTS). */
export type HubAgents = InProcessAgents | RemoteAgents;

/**
 * The services of one database. `A` is the agent directory: tests (the default) get the in-process
 * double with its inspection methods; the server process's own services are `Services<HubAgents>`.
 */
export interface Services<A extends HubAgents = InProcessAgents> {
  db: Db;
  keys: KeyService;
  /** The approval workflow (two-person rule), one per process. */
  approvals: ApprovalService;
  users: UserService;
  audit: AuditService;
  events: EventBus;
  /** The mesh state computed once per change and shared by every viewer of this process. */
  meshState: MeshStateCache;
  agents: A;
  mesh: MeshOperations;
  distribution: DistributionService;
  simulator: MeshSimulator;
  checkpoints: CheckpointService;
  /** Re-verifies the audit log against the checkpoints; started by startBackground(). */
  integrity: IntegrityMonitor;
  /** Durable jobs (pg-boss); started by startBackground(), not by tests unless they start it. */
  jobs: JobQueue;
  rotation: RotationService;
  rotationTriggers: RotationTriggers;
  recovery: RecoveryService;
  /** The read side of incidents (list, detail with blast radius, mesh highlight). */
  incidents: IncidentQueries;
  /** The scripted eavesdropper scenario of a demo console. */
  demoScenario: DemoScenario;
  /** Tells holders to purge ended keys and records their confirmations (durable: the rows are the queue). */
  purges: PurgeService;
  /** The applications (SAEs) of every site's ETSI 014 KME and their pairs (admin-managed, audited). */
  saes: SaeRegistry;
  /** The hub's side of every site's KME: registry, pools and the two claims (KEY-DELIVERY.md §2). */
  kme: KmeHub;
  /** Keeps every application pair's key pool stocked; started by startBackground(). */
  replenisher: PoolReplenisher;
  /** The one-time pad levels each link end reports, and links whose ends disagree (issue 18). */
  padLevels: PadLevels;
  /** Realigns both ends of a link whose pads disagree, audited, so routes may use it again. */
  padResync: PadResync;
}

/** Wires the services of one database: used by the server process and by tests. */
export function buildServices<A extends HubAgents = InProcessAgents>(
  db: Db,
  url: string,
  vault: KeyVault,
  checkpoints: CheckpointService,
  opts: {
    clock?: Clock; hooks?: RunnerHooks; receiptTimeoutMs?: number; simulation?: SimulatorOptions; backoffMs?: (attempt: number) => number; recovery?: RecoveryOptions; notifier?: ApprovalNotifier;
    /** The durable job queue (a test brings its own to start it). */
    jobs?: JobQueue;
    /** The node agents (two processes of one simulated mesh share them; RemoteAgents when agents are processes). */
    agents?: A;
    /** The longest wait before a holder that has not confirmed a purge is sent it again (default 30 s). */
    purgeResendMs?: number;
    /** Sweep purges right after each batch that requested some (the server; tests that compare the chain before and after an action leave it off). */
    purgeOnCommit?: boolean;
    /** ETSI 014 pools and limits (default: KME_DEFAULTS). */
    kme?: KmeHubOptions;
  } = {},
): Services<A> {
  registerApprovalKinds(APPROVAL_KINDS);
  // One clock for every service of this database.
  const clock = opts.clock ?? systemClock;
  const agents = opts.agents ?? (new InProcessAgents() as A);
  // The quantum channel (issue 18): one per agent directory, shared by the carrier and the agents; two services over the
  // same directory (two processes of one simulated mesh) share it too.
  const pads = channelPadsOf(agents, clock);
  const padLevels = pads.levels;
  // Errors only, by name: never a message that could carry key material.
  const log = { error: (obj: object, msg: string) => logger().error(obj, msg), warn: (obj: object, msg: string) => logger().warn(obj, msg), info: (obj: object, msg: string) => logger().info(obj, msg) };
  // The batch's parts: keys (with their policies) first, then the mesh. The
  // purge sweep and the rotation service are called back only once a batch
  // commits or a key changes, so they are named here before they exist.
  const runner = keyRunner(db, clock, {
    parts: [new MeshBatch()],
    onPurgeRequested: opts.purgeOnCommit ? () => purges.kick() : undefined,
    hooks: opts.hooks,
  });
  const purges = new PurgeService(db, runner, agents, { timeoutMs: opts.receiptTimeoutMs, resendMs: opts.purgeResendMs, log });
  const distribution = new DistributionService(db, runner, vault, agents, { clock, receiptTimeoutMs: opts.receiptTimeoutMs, backoffMs: opts.backoffMs, pads });
  const keys = new KeyService(db, vault, {
    clock, runner, distributor: distribution, purger: purges,
    onRotationBegun: (keyId, successorId) => void rotation.enqueueDrive(keyId, successorId),
  });
  const approvals: ApprovalService = new ApprovalService(db, keys, { notifier: opts.notifier, incidents: { drive: (id) => recovery.drive(id) } });
  const jobs = opts.jobs ?? new JobQueue(url, { log, clock });
  const rotation = new RotationService(keys, db, jobs, { clock, agents, log });
  const mesh = new MeshOperations(runner);
  const recovery = new RecoveryService(db, keys, agents, { clock, ...opts.recovery }, approvals);
  const kme = new KmeHub(keys, opts.kme);
  return {
    saes: new SaeRegistry(db, runner),
    kme,
    replenisher: new PoolReplenisher(keys, distribution, { poolTarget: kme.limits.poolTarget }),
    approvals,
    users: new UserService(db, runner),
    purges,
    jobs,
    rotation,
    rotationTriggers: new RotationTriggers(rotation, { log }),
    db,
    keys,
    audit: new AuditService(db, runner, checkpoints),
    checkpoints,
    integrity: new IntegrityMonitor(db, checkpoints, { clock: opts.clock ?? checkpoints.clock }),
    events: new EventBus(url),
    meshState: new MeshStateCache(db, clock),
    agents,
    mesh,
    distribution,
    simulator: new MeshSimulator(db, url, runner, agents, { clock, pads: padReportsOf(db, pads, agents), ...opts.simulation }),
    recovery,
    incidents: new IncidentQueries(db, clock),
    demoScenario: new DemoScenario(db, keys, mesh),
    padLevels,
    padResync: new PadResync(db, runner, agents, pads),
  };
}

const g = globalThis as unknown as { __qecnetServices?: Services<HubAgents> };

export function services(): Services<HubAgents> {
  if (!g.__qecnetServices) {
    const e = env();
    const db = prisma();
    const vault = vaultFromEnvironment(e.QECNET_MASTER_KEY, e.dataDir);
    const signingKey = loadSigningKey({ envValue: e.QECNET_AUDIT_SIGNING_KEY, dataDir: e.dataDir });
    const checkpoints = new CheckpointService(db, signingKey, new CheckpointFile(e.dataDir));
    // Agent processes (QECNET_AGENTS=process): their heartbeat staleness already counts missedLimit beats, so one failed
    // heartbeat at a tick takes the node OFFLINE (within missedLimit × heartbeatMs + one tick).
    const processAgents = e.QECNET_AGENTS === "process";
    const agents: HubAgents = processAgents
      ? new RemoteAgents({ clock: systemClock, receiptTimeoutMs: e.QECNET_RECEIPT_TIMEOUT_MS, heartbeatMs: e.QECNET_AGENT_HEARTBEAT_MS, missedLimit: e.QECNET_AGENT_MISSED_LIMIT })
      : new InProcessAgents();
    g.__qecnetServices = buildServices<HubAgents>(db, e.DATABASE_URL ?? "", vault, checkpoints, {
      agents,
      receiptTimeoutMs: e.QECNET_RECEIPT_TIMEOUT_MS,
      purgeOnCommit: true,
      purgeResendMs: e.QECNET_PURGE_RESEND_MS,
      kme: { poolTarget: e.QECNET_KME_POOL_TARGET, refillCapacityPerSecond: e.QECNET_KME_REFILL === "on" ? REPLENISH_KEYS_PER_SECOND : 0 },
      simulation: { speed: e.QECNET_SIM_SPEED, tickMs: e.QECNET_SIM_TICK_MS, ...(processAgents ? { missedHeartbeats: 1 } : {}) },
      notifier: e.QECNET_NOTIFY_WEBHOOK
        ? new WebhookNotifier({
            url: e.QECNET_NOTIFY_WEBHOOK, secret: e.QECNET_NOTIFY_WEBHOOK_SECRET, publicUrl: process.env.QECNET_PUBLIC_URL || null,
            log: { warn: (o, m) => logger().warn(o, m), error: (o, m) => logger().error(o, m) },
          })
        : undefined,
    });
  }
  return g.__qecnetServices;
}
