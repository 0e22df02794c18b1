/**
 * Seeds the demo: the mesh of demo-topology.ts and keys in every lifecycle
 * state, produced by the real key service on a clock that starts 40 days ago,
 * so every key has a true history in the audit chain. Runs only on an empty
 * database. Keys are delivered to the node agents it is given: the demo's
 * agent processes (demo-seed-agents.ts, through a hub listener of the
 * launcher's own) or, by default, a throwaway set of in-process agents.
 */
import { systemClock } from "../time/clock";
import type { Db } from "../db/client";
import { keyRunner } from "../keys/key-batch";
import { KeyService } from "../keys/key-service";
import type { KeyVault } from "../keys/key-vault";
import { InProcessAgents } from "../agents/in-process-agents";
import type { AgentDirectory } from "../agents/node-agent";
import type { TransitionRunner } from "../commit/transition-runner";
import { MeshBatch } from "../mesh/mesh-batch";
import { DistributionService } from "../distribution/distribution-service";
import { DEMO_NODES, demoMesh } from "./demo-topology";
import { seedDemoUsers } from "./demo-users";
import { SaeRegistry } from "../kme/registry/sae-registry";
import { DEMO_SAES } from "./demo-saes";

const DAY = 86_400_000;

export async function isEmpty(db: Db): Promise<boolean> {
  const [nodes, keys] = await Promise.all([db.node.count(), db.key.count()]);
  return nodes === 0 && keys === 0;
}

/** The nodes the demo's keys are delivered to (their agents must be connected before the seed's keys are made). */
export const DEMO_KEY_HOLDERS: readonly string[] = ["ep-bank", "ep-ministry", "ep-grid", "ep-port", "ep-hospital", "ep-dc2"];
/** The trusted relays: keys reach their holders hop by hop through the relays' agents (issue 18). */
export const DEMO_RELAYS: readonly string[] = DEMO_NODES.filter((n) => n.role === "RELAY").map((n) => n.id);

export interface SeedOptions {
  now?: Date;
  actor?: string;
  /** Where the keys are delivered (default: a throwaway set of in-process agents). */
  agents?: AgentDirectory;
  /**
   * Called once the nodes exist and before the first key, with the seed's runner (its clock is the seed's
   * history): e.g. starts a hub listener whose audit entries join the history, and waits for the holders' agents.
   */
  agentsReady?(runner: TransitionRunner, holders: readonly string[]): Promise<void>;
  /** Receipt timeout of the seed's distributions (agent processes on a busy machine answer slower). */
  receiptTimeoutMs?: number;
}

export async function seedDemo(db: Db, vault: KeyVault, opts: SeedOptions = {}): Promise<{ nodes: number; links: number; keys: number }> {
  const end = opts.now ?? systemClock();
  let t = end.getTime() - 40 * DAY;
  const clock = () => new Date(t);
  // Distribution over the demo mesh: routes recorded, pads spent, real receipts from the agents.
  const runner = keyRunner(db, clock, { parts: [new MeshBatch()] });
  const agents = opts.agents ?? new InProcessAgents();
  const mesh = new DistributionService(db, runner, vault, agents, { backoffMs: () => 0, receiptTimeoutMs: opts.receiptTimeoutMs });
  const svc = new KeyService(db, vault, { runner });
  const who = { actor: opts.actor ?? "demo-seed" };
  const at = (daysAgo: number) => {
    t = Math.max(t, end.getTime() - daysAgo * DAY);
  };
  const step = () => {
    t += 37_000; // keep successive steps a little apart in the timeline
  };

  const topology = demoMesh();
  await db.node.createMany({ data: [...topology.nodes.values()] });
  await db.link.createMany({
    data: [...topology.links.values()].map((l) => ({ ...l, poolBits: BigInt(l.poolBits), poolCapacityBits: BigInt(l.poolCapacityBits), bitsConsumed: 0n })),
  });
  await opts.agentsReady?.(runner, [...DEMO_KEY_HOLDERS, ...DEMO_RELAYS]);

  const make = async (label: string, purpose: string, participants: string[], policy = "standard") => {
    step();
    return svc.create({ label, purpose, policy, participants }, who);
  };
  const go = async (id: string, ev: Parameters<KeyService["apply"]>[1]) => {
    step();
    return svc.apply(id, ev, who);
  };
  const activate = async (id: string) => {
    step();
    const r = await mesh.distribute(id, who);
    if (r.finalKey.state !== "ACTIVE") throw new Error(`demo seed: ${r.finalKey.label} could not be distributed: ${r.attempts.map((a) => a.reason).join("; ")}`);
    return r.finalKey;
  };
  /** Routes and sends a key without collecting receipts (it stays DISTRIBUTED). */
  const send = async (id: string) => {
    step();
    const r = await mesh.routeKey(id, who);
    if (!r.ok) throw new Error(`demo seed: no route for ${id}: ${r.reason}`);
  };

  // Steps run in time order so the audit chain's timestamps only move forward.
  at(38); // bank-settlement: retired at day 20, its ACTIVE successor in use; retention still running
  const bank = await make("bank-settlement", "Interbank settlement link encryption", ["ep-bank", "ep-ministry"]);
  await activate(bank.id);
  await go(bank.id, { type: "RECORD_USAGE", count: 18_432 });

  at(36); // grid-telemetry-s1: short-lived, retired, then destroyed when its retention ended
  const session = await make("grid-telemetry-s1", "Grid telemetry session key", ["ep-grid"], "short-lived");
  await activate(session.id);
  await go(session.id, { type: "RECORD_USAGE", count: 2_048 });
  at(30);
  await go(session.id, { type: "BEGIN_ROTATION", reason: "usage limit reached" });
  const session2 = (await db.key.findFirstOrThrow({ where: { predecessorId: session.id } })).id;
  await activate(session2);
  await go(session.id, { type: "COMPLETE_ROTATION" });
  at(22);
  await go(session.id, { type: "DESTROY" });

  at(20);
  await go(bank.id, { type: "BEGIN_ROTATION", reason: "scheduled: cryptoperiod reached" });
  const bank2 = (await db.key.findFirstOrThrow({ where: { predecessorId: bank.id } })).id;
  await activate(bank2);
  t += 600_000; // past the 5-minute overlap
  await go(bank.id, { type: "COMPLETE_ROTATION" });
  await go(bank2, { type: "RECORD_USAGE", count: 9_120 });

  at(12); // port-customs: compromised at day 3, its emergency replacement waits for distribution
  const port = await make("port-customs", "Customs data exchange", ["ep-port", "ep-grid"]);
  await activate(port.id);
  await go(port.id, { type: "RECORD_USAGE", count: 731 });

  at(9); // hospital-records: first distribution failed, the retry with new material is ACTIVE
  const hosp = await make("hospital-records", "Patient record replication", ["ep-hospital", "ep-dc2"], "high-assurance");
  await send(hosp.id);
  await go(hosp.id, { type: "FAIL_DISTRIBUTION", reason: "no receipt from ep-dc2 within 2000 ms" });
  const hosp2 = (await db.key.findFirstOrThrow({ where: { lineageId: hosp.lineageId, distributionAttempt: 2 } })).id;
  await activate(hosp2);
  await go(hosp2, { type: "RECORD_USAGE", count: 12_800 });

  at(3);
  await go(port.id, { type: "REVOKE", reason: "QBER 24.8% on ep-port--relay-harbour: intercept-resend signature" });

  // ROTATING: the replacement is distributed, one receipt still outstanding.
  at(2);
  const ministry = await make("ministry-voice", "Secure voice trunk", ["ep-ministry", "ep-bank"]);
  await activate(ministry.id);
  await go(ministry.id, { type: "RECORD_USAGE", count: 4_410 });
  at(0.2);
  await go(ministry.id, { type: "BEGIN_ROTATION", reason: "QBER warning on ep-ministry--relay-north" });
  const ministry2 = (await db.key.findFirstOrThrow({ where: { predecessorId: ministry.id } })).id;
  await send(ministry2);
  // Delivered to ep-ministry only (its receipt is the agent's own); ep-bank's is still outstanding.
  const mac = await mesh.carryTo(ministry2, "ep-ministry");
  step();
  await svc.confirmReceipt(ministry2, "ep-ministry", mac, who);

  // DISTRIBUTED, waiting for receipts; and GENERATED, not yet sent.
  at(0.05);
  const backup = await make("dc-backup-stream", "Backup replication stream", ["ep-dc2", "ep-hospital"]);
  await send(backup.id);
  at(0.01);
  await make("grid-scada", "SCADA command channel", ["ep-grid", "ep-port"]);

  // Demo accounts with published passwords: only ever in a demo (server/demo/demo-users.ts).
  await seedDemoUsers(db, svc.runner);
  // The demo's applications (ETSI 014): one at each of two sites, paired, so their sites' key pool fills once the console runs.
  const saes = new SaeRegistry(db, svc.runner);
  for (const a of DEMO_SAES) await saes.register({ saeId: a.saeId, nodeId: a.nodeId, description: a.description }, who);
  for (let i = 1; i < DEMO_SAES.length; i++) await saes.pair(DEMO_SAES[0]!.saeId, DEMO_SAES[i]!.saeId, who);
  return { nodes: topology.nodes.size, links: topology.links.size, keys: await db.key.count() };
}
