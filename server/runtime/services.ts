/**
 * The services of this server process, built once from the validated
 * environment: the Prisma client, the key vault (master key) and the key
 * service with its group-commit runner.
 */
import { AuditService } from "../audit/audit-service";
import { CheckpointFile } from "../audit/checkpoint/checkpoint-file";
import { CheckpointService } from "../audit/checkpoint/checkpoint-service";
import { loadSigningKey } from "../audit/checkpoint/signing-key";
import { env } from "../config/env";
import { prisma, type Db } from "../db/client";
import { EventBus } from "../events/event-bus";
import { KeyService } from "../keys/key-service";
import { vaultFromEnvironment, type KeyVault } from "../keys/key-vault";
import type { RunnerHooks } from "../keys/transition-runner";
import { InProcessAgents } from "../mesh/agents/in-process-agents";
import { DistributionService } from "../mesh/distribution/distribution-service";
import { MeshStateCache } from "../mesh/mesh-state-cache";
import { MeshOperations } from "../mesh/operations/mesh-operations";
import { MeshSimulator, type SimulatorOptions } from "../mesh/simulation/mesh-simulator";
import { JobQueue } from "../jobs/job-queue";
import { logger } from "../ops/logger";
import { RotationService } from "../rotation/rotation-service";
import { RotationTriggers } from "../rotation/rotation-triggers";
import { RecoveryService, type RecoveryOptions } from "../recovery/recovery-service";

export interface Services {
  db: Db;
  keys: KeyService;
  audit: AuditService;
  events: EventBus;
  /** The mesh state computed once per change and shared by every viewer of this process. */
  meshState: MeshStateCache;
  agents: InProcessAgents;
  mesh: MeshOperations;
  distribution: DistributionService;
  simulator: MeshSimulator;
  checkpoints: CheckpointService;
  /** Durable jobs (pg-boss); started by startBackground(), not by tests unless they start it. */
  jobs: JobQueue;
  rotation: RotationService;
  rotationTriggers: RotationTriggers;
  recovery: RecoveryService;
}

/** Wires the services of one database: used by the server process and by tests. */
export function buildServices(
  db: Db,
  url: string,
  vault: KeyVault,
  checkpoints: CheckpointService,
  opts: { clock?: () => Date; hooks?: RunnerHooks; receiptTimeoutMs?: number; simulation?: SimulatorOptions; backoffMs?: (attempt: number) => number; keys?: KeyService; recovery?: RecoveryOptions } = {},
): Services {
  const keys = opts.keys ?? new KeyService(db, vault, { clock: opts.clock, hooks: opts.hooks });
  const agents = new InProcessAgents();
  const distribution = new DistributionService(db, keys.runner, vault, agents, { receiptTimeoutMs: opts.receiptTimeoutMs, backoffMs: opts.backoffMs });
  keys.distributor = distribution;
  // Errors only, by name: never a message that could carry key material.
  const log = { error: (obj: object, msg: string) => logger().error(obj, msg), warn: (obj: object, msg: string) => logger().warn(obj, msg), info: (obj: object, msg: string) => logger().info(obj, msg) };
  const jobs = new JobQueue(url, { log });
  const rotation = new RotationService(keys, db, jobs, { clock: opts.clock, agents, log });
  keys.onRotationBegun = (keyId, successorId) => void rotation.enqueueDrive(keyId, successorId);
  const mesh = new MeshOperations(keys.runner);
  return {
    jobs,
    rotation,
    rotationTriggers: new RotationTriggers(rotation, { log }),
    db,
    keys,
    audit: new AuditService(db, keys.runner, checkpoints),
    checkpoints,
    events: new EventBus(url),
    meshState: new MeshStateCache(db),
    agents,
    mesh,
    distribution,
    simulator: new MeshSimulator(db, url, keys.runner, agents, { clock: opts.clock, ...opts.simulation }),
    recovery: new RecoveryService(db, keys, agents, { clock: opts.clock, ...opts.recovery }, mesh),
  };
}

const g = globalThis as unknown as { __qecnetServices?: Services };

export function services(): Services {
  if (!g.__qecnetServices) {
    const e = env();
    const db = prisma();
    const vault = vaultFromEnvironment(e.QECNET_MASTER_KEY, e.dataDir);
    const signingKey = loadSigningKey({ envValue: e.QECNET_AUDIT_SIGNING_KEY, dataDir: e.dataDir });
    const checkpoints = new CheckpointService(db, signingKey, new CheckpointFile(e.dataDir));
    g.__qecnetServices = buildServices(db, e.DATABASE_URL ?? "", vault, checkpoints, {
      receiptTimeoutMs: e.QECNET_RECEIPT_TIMEOUT_MS,
      simulation: { speed: e.QECNET_SIM_SPEED, tickMs: e.QECNET_SIM_TICK_MS },
    });
  }
  return g.__qecnetServices;
}
