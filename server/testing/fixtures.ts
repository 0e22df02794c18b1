/** Small building blocks for integration tests: nodes, a vault, a key service. */
import { randomBytes } from "node:crypto";
import { poolOf, type Db } from "../db/client";
import { createKeyVault } from "../keys/key-vault";
import { masterKeyId } from "../keys/material";
import type { KeyService } from "../keys/key-service";
import type { JobQueue } from "../jobs/job-queue";
import type { ApprovalNotifier } from "../notify/webhook-notifier";
import type { InProcessAgents } from "../agents/in-process-agents";
import type { RunnerHooks } from "../commit/transition-runner";
import type { SimulatorOptions } from "../mesh/simulation/mesh-simulator";
import { buildLink } from "../domain/mesh/mesh-builder";
import type { Mesh } from "../domain/mesh/mesh-model";
import { buildServices, type Services } from "../runtime/services";
import { testCheckpointService } from "./checkpoint-fixtures";

export const ACTOR = { actor: "test-operator" };

/** A hub (the first id) with a direct 20-km link, full pool, to every other node. */
export async function createNodes(db: Db, ids: string[] = ["hub-1", "node-a", "node-b", "node-c"]): Promise<string[]> {
  await db.node.createMany({
    data: ids.map((id, i) => ({ id, name: id.toUpperCase(), role: i === 0 ? "HUB" : "ENDPOINT", site: `Site ${i}`, x: i * 100, y: 0 })),
    skipDuplicates: true,
  });
  await db.link.createMany({
    data: ids.slice(1).map((id) => {
      const l = buildLink({ aNodeId: ids[0]!, bNodeId: id, lengthKm: 20, detectorErrorRate: 0.02 });
      return { ...l, poolBits: BigInt(l.poolBits), poolCapacityBits: BigInt(l.poolCapacityBits), bitsConsumed: 0n };
    }),
    skipDuplicates: true,
  });
  return ids;
}

/** Writes a generated (or any pure) mesh to the database. */
export async function writeMesh(db: Db, mesh: Mesh): Promise<void> {
  await db.node.createMany({ data: [...mesh.nodes.values()] });
  const links = [...mesh.links.values()].map((l) => ({ ...l, poolBits: BigInt(l.poolBits), poolCapacityBits: BigInt(l.poolCapacityBits), bitsConsumed: BigInt(l.bitsConsumed) }));
  for (let i = 0; i < links.length; i += 2_000) await db.link.createMany({ data: links.slice(i, i + 2_000) });
}

export function testVault(masterKey: Buffer = randomBytes(32)) {
  return createKeyVault(masterKey, masterKeyId(masterKey));
}

/** The services each test key service was built in (servicesOf). */
const worlds = new Map<KeyService, Services<InProcessAgents>>();

/** A key service wired like the server's (its distributor goes over the mesh with in-process agents). */
export function testKeyService(db: Db, opts: { clock?: () => Date; hooks?: RunnerHooks; masterKey?: Buffer; notifier?: ApprovalNotifier } = {}): KeyService {
  const { masterKey, ...rest } = opts;
  const s = buildServices(db, poolOf(db).options.connectionString ?? "", testVault(masterKey), testCheckpointService(db, { clock: opts.clock }), { ...rest, receiptTimeoutMs: 300, backoffMs: () => 0 });
  worlds.set(s.keys, s);
  return s.keys;
}

/** Every service around a key service of testKeyService or testServices (the tRPC caller's context takes them). */
export function servicesOf(keys: KeyService): Services<InProcessAgents> {
  const s = worlds.get(keys);
  if (!s) throw new Error("servicesOf: this key service was not made by testKeyService or testServices");
  return s;
}

/** Every service of a server process, on a test database (nothing started: no event bus, no simulation). */
export function testServices(
  db: Db,
  url: string,
  opts: {
    clock?: () => Date; hooks?: RunnerHooks; masterKey?: Buffer; receiptTimeoutMs?: number; simulation?: SimulatorOptions; backoffMs?: (attempt: number) => number;
    jobs?: JobQueue; agents?: InProcessAgents;
  } = {},
): Services<InProcessAgents> {
  const s = buildServices(db, url, testVault(opts.masterKey), testCheckpointService(db, { clock: opts.clock }), { receiptTimeoutMs: 300, backoffMs: () => 0, purgeOnCommit: true, ...opts });
  worlds.set(s.keys, s);
  return s;
}
