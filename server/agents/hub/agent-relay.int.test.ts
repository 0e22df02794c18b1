/**
 * Two console instances on one database share the agent processes (issue 14):
 * the agents dial instance A; instance B, which has no agent port, sees them
 * healthy, distributes a key to them (receipts checked by B), checks integrity,
 * reads usage and purges, all through A. When A stops publishing, B finds the
 * agents silent once their published heartbeat is older than the limit; an
 * instance that holds a row but no longer answers makes B's request time out
 * like a silent agent. No log line carries the material.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createPrismaClient, poolOf, type Db } from "../../db/client";
import { buildServices, type Services } from "../../runtime/services";
import { systemClock } from "../../time/clock";
import { testCheckpointService } from "../../testing/checkpoint-fixtures";
import { ACTOR, createNodes, testVault } from "../../testing/fixtures";
import { createTestDatabase, type TestDatabase } from "../../testing/test-database";
import { issueAgentPki, agentPkiPaths } from "../pki/agent-pki";
import { agentStarter, waitUntil } from "../../testing/agent-process";
import { AgentTimeoutError } from "../node-agent";
import { AGENT_PATH, AgentListener, readAgentTls } from "./agent-listener";
import { AgentRelay } from "./agent-relay";
import { readChannelSeed } from "../../quantum-channel/channel-seed";
import { RemoteAgents } from "./remote-agents";

const HEARTBEAT_MS = 200;

/** Where a log holds the key: its base64, or any 8 consecutive bytes of it raw or in hex. */
function keyTracesIn(log: string, key: Buffer): string[] {
  const found: string[] = [];
  const bytes = Buffer.from(log, "utf8");
  const lower = log.toLowerCase();
  if (log.includes(key.toString("base64"))) found.push("base64");
  for (let i = 0; i + 8 <= key.length; i++) {
    const w = key.subarray(i, i + 8);
    if (bytes.includes(w)) found.push(`raw@${i}`);
    if (lower.includes(w.toString("hex"))) found.push(`hex@${i}`);
  }
  return found;
}
const MISSED = 3;

describe("agents shared by two console instances", () => {
  let t: TestDatabase;
  let dbB: Db;
  let a: Services<RemoteAgents>;
  let b: Services<RemoteAgents>;
  let relayA: AgentRelay;
  let relayB: AgentRelay;
  let listener: AgentListener;
  let dir: string;
  /** Instance B's clock: the wall clock plus what a test adds (to age published heartbeats). */
  let skewMs = 0;
  let port = 0;
  const agents = agentStarter({ port: () => port, dir: () => dir, hubPath: AGENT_PATH });
  const until = (check: () => Promise<boolean> | boolean, ms = 15_000) => waitUntil(check, ms);
  const healthyViaB = (node: string) => b.agents.agent(node).heartbeat().then(() => true, () => false);

  beforeAll(async () => {
    t = await createTestDatabase(inject("adminUrl"), "agent_relay");
    await createNodes(t.db);
    dir = mkdtempSync(path.join(tmpdir(), "hub-relay-"));
    await issueAgentPki(path.join(dir, "pki"), ["node-a", "node-b"]);
    // One hub: both instances share the master key, as two replicas of one console do.
    const masterKey = randomBytes(32);
    // No start-up grace: B has no agent port of its own, and the test wants silence to be silence at once.
    const opts = { receiptTimeoutMs: 3_000, heartbeatMs: HEARTBEAT_MS, missedLimit: MISSED, startupGraceMs: 0 };
    const remoteA = new RemoteAgents({ clock: systemClock, ...opts });
    const clockB = () => new Date(systemClock().getTime() + skewMs);
    const remoteB = new RemoteAgents({ clock: clockB, ...opts });
    a = buildServices(t.db, t.url, testVault(masterKey), testCheckpointService(t.db), { agents: remoteA, receiptTimeoutMs: 3_000, backoffMs: () => 0 });
    dbB = createPrismaClient(t.url, 4);
    b = buildServices(dbB, t.url, testVault(masterKey), testCheckpointService(dbB), { agents: remoteB, receiptTimeoutMs: 3_000, backoffMs: () => 0, clock: clockB });
    // B has no agent port of its own to read the QKD channel seed with (issue 18): its hub ends need the agents' seed.
    b.distribution.pads.channel.useSeed(readChannelSeed(agentPkiPaths(path.join(dir, "pki")).channelSeed));
    const p = agentPkiPaths(path.join(dir, "pki"));
    listener = new AgentListener({ db: t.db, runner: a.keys.runner, agents: remoteA, clock: systemClock, tls: readAgentTls({ ca: p.caCert, cert: p.hubCert, key: p.hubKey }) });
    port = await listener.start(0);
    relayA = new AgentRelay({ db: t.db, url: t.url, agents: remoteA, vault: a.keys.vault, clock: systemClock, instanceId: "instance-a" });
    relayB = new AgentRelay({ db: dbB, url: t.url, agents: remoteB, vault: b.keys.vault, clock: clockB, instanceId: "instance-b" });
    await relayA.start();
    await relayB.start();
    remoteB.markListening();
    for (const node of ["node-a", "node-b"]) agents.start(node);
  }, 60_000);

  afterAll(async () => {
    agents.killAll();
    await relayB?.stop();
    await relayA?.stop();
    await listener?.stop();
    if (dbB) {
      const pool = poolOf(dbB);
      await dbB.$disconnect();
      if (!pool.ended) await pool.end();
    }
    await t.dispose();
  });

  it("instance B delivers to, checks, reads and purges agents connected to instance A", async () => {
    await until(() => !!a.agents.session("node-a") && !!a.agents.session("node-b"));
    expect(b.agents.session("node-a")).toBeUndefined(); // B holds no session of its own
    await until(async () => (await healthyViaB("node-a")) && (await healthyViaB("node-b")));
    // A's session rows are written as each hello is accepted, a moment after B can already reach the agent.
    await until(async () => (await t.db.agentSession.count()) === 2);
    const rows = await t.db.agentSession.findMany({ orderBy: { nodeId: "asc" } });
    expect(rows.map((r) => [r.nodeId, r.instanceId])).toEqual([["node-a", "instance-a"], ["node-b", "instance-a"]]);

    // Distribution on B: material sealed for A, delivered over A's sessions, receipts checked by B's key service.
    const k = await b.keys.create({ label: "shared", purpose: "relay", policy: "standard", participants: ["node-a", "node-b"] }, ACTOR);
    const r = await b.distribution.distribute(k.id, ACTOR);
    expect(r.attempts.map((x) => x.outcome)).toEqual(["active"]);
    const row = await t.db.key.findUniqueOrThrow({ where: { id: r.finalKey.id } });
    expect(row.state).toBe("ACTIVE");
    // Both instances see the same copy: B through A, A over its own session.
    expect(await b.agents.agent("node-a").integrity(row.id)).toBe(row.fingerprint);
    expect(await a.agents.agent("node-b").integrity(row.id)).toBe(row.fingerprint);
    expect(await b.agents.agent("node-b").usage(row.id)).toBe(0);
    // The integrity challenge with a fresh nonce: the agent's proof, forwarded by A, checks out in B's vault.
    const nonce = randomBytes(16).toString("hex");
    const proof = await b.agents.agent("node-b").prove(row.id, nonce);
    const sealed = { ciphertext: row.materialCiphertext!, nonce: row.materialNonce! };
    expect(proof && b.keys.vault.checkIntegrityProof(row.id, sealed, "node-b", nonce, proof)).toBe(true);
    await until(async () => (await b.agents.agent("node-a").heartbeat()).heldKeys === 1);

    expect(await b.agents.agent("node-a").purge(row.id)).toBe(true);
    expect(await b.agents.agent("node-a").integrity(row.id)).toBeNull();
    expect(await a.agents.agent("node-a").integrity(row.id)).toBeNull();

    // KEY-DELIVERY §7, criterion 10: no log line of the agents holds the key, whole or any 8 bytes of it, raw, hex or base64.
    const logs = agents.procs.map((p) => p.output()).join("\n");
    expect(logs.length).toBeGreaterThan(0);
    const material = b.keys.vault.withMaterial(row.id, { ciphertext: row.materialCiphertext!, nonce: row.materialNonce! }, (m) => Buffer.from(m));
    expect(keyTracesIn(logs, material)).toEqual([]);
  }, 60_000);

  it("a published heartbeat that ages past the limit is silence to B; a holder that stops answering is a time-out", async () => {
    await until(() => healthyViaB("node-a"));
    // B's clock runs ahead of every published heartbeat by more than the limit: the node is silent to B.
    skewMs = (MISSED + 2) * HEARTBEAT_MS + 1_000;
    await new Promise((r) => setTimeout(r, 600)); // past the session cache
    await expect(b.agents.agent("node-a").heartbeat()).rejects.toThrow(/no heartbeat for \d+ ms/);
    skewMs = 0;
    await until(() => healthyViaB("node-a"));

    // A row held by an instance that is gone (no relay listens for it): B's request fails as a silent agent would.
    await relayA.stop();
    await t.db.agentSession.upsert({
      where: { nodeId: "node-b" },
      create: { nodeId: "node-b", instanceId: "instance-gone", agentVersion: "x", storeId: "s", connectedAt: new Date(), lastHeartbeatAt: new Date(), heldKeys: 0 },
      update: { instanceId: "instance-gone" },
    });
    await new Promise((r) => setTimeout(r, 600));
    const started = performance.now();
    await expect(b.agents.agent("node-b").integrity("00000000-0000-4000-8000-000000000000")).rejects.toBeInstanceOf(AgentTimeoutError);
    expect(performance.now() - started).toBeGreaterThanOrEqual(2_900);
    // A stopped instance withdraws its rows: node-a is reached by nobody now.
    expect(await t.db.agentSession.count({ where: { instanceId: "instance-a" } })).toBe(0);
    await expect(b.agents.agent("node-a").heartbeat()).rejects.toThrow(/no agent connected/);
  }, 60_000);
});
