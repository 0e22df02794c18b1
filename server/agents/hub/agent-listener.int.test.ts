/**
 * The hub's agent port on a real PostgreSQL, with test agents dialing it over
 * mutual TLS (a test Agent CA): the handshake refuses strangers, identity and
 * duplicate sessions are closed and audited, hello is reconciled, and the key
 * lifecycle's duties (deliver, purge, integrity, usage, faults, silence →
 * OFFLINE → rejoin) run through RemoteAgents exactly as through the
 * in-process agents. Time that decides (heartbeat staleness) is a manual clock.
 */
import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { fingerprintOf } from "../../keys/material";
import { buildServices, type Services } from "../../runtime/services";
import { manualClock } from "../../time/clock";
import { TEST_CHANNEL_SEED, TestAgent, type TestAgentOptions } from "../../testing/agent-test-client";
import { testCheckpointService } from "../../testing/checkpoint-fixtures";
import { ACTOR, createNodes, testVault } from "../../testing/fixtures";
import { createTestCa, type Pem, type TestCa } from "../../testing/test-agent-pki";
import { createTestDatabase, type TestDatabase } from "../../testing/test-database";
import { CLOSE_DUPLICATE, CLOSE_IDENTITY } from "../protocol/agent-protocol";
import { AGENT_PATH, AgentListener } from "./agent-listener";
import { agentStatusOf } from "./agent-status";
import { RemoteAgents } from "./remote-agents";

const HEARTBEAT_MS = 100;
const MISSED = 3;

describe("the agent port and RemoteAgents", () => {
  let t: TestDatabase;
  let s: Services<RemoteAgents>;
  let ca: TestCa;
  let listener: AgentListener;
  let url: string;
  const certs = new Map<string, Pem>();
  const clock = manualClock("2026-06-01T10:00:00Z");
  const mismatches: Array<[string, string[]]> = [];
  const open: TestAgent[] = [];

  const connect = async (nodeId: string, o: Partial<TestAgentOptions> = {}) => {
    const a = await TestAgent.connect({ url, ca: ca.cert, client: certs.get(nodeId), nodeId, ...o });
    open.push(a);
    return a;
  };
  const audits = (action: string, subjectId?: string) => t.db.auditEntry.findMany({ where: { action, ...(subjectId ? { subjectId } : {}) }, orderBy: { seq: "asc" } });
  const until = async (check: () => Promise<boolean> | boolean) => {
    for (let i = 0; i < 200 && !(await check()); i++) await new Promise((r) => setTimeout(r, 20));
    expect(await check()).toBe(true);
  };
  const newKey = (label: string, participants = ["node-a", "node-b"]) =>
    s.keys.create({ label, purpose: "agent port test", policy: "standard", participants }, ACTOR);

  beforeAll(async () => {
    t = await createTestDatabase(inject("adminUrl"), "agent_port");
    await createNodes(t.db);
    ca = await createTestCa();
    for (const n of ["hub-1", "node-a", "node-b", "node-c", "node-zz"]) certs.set(n, await ca.issue(n));
    // No startup grace here: the manual clock decides staleness (the grace has its own unit test).
    const remote = new RemoteAgents({ clock, receiptTimeoutMs: 300, heartbeatMs: HEARTBEAT_MS, missedLimit: MISSED, startupGraceMs: 0 });
    s = buildServices(t.db, t.url, testVault(), testCheckpointService(t.db, { clock }), {
      clock, agents: remote, receiptTimeoutMs: 300, backoffMs: () => 0, simulation: { missedHeartbeats: 1, clock },
    });
    const hubCert = await ca.issue("qecnet-agent-hub", "server");
    listener = new AgentListener({
      db: t.db, runner: s.keys.runner, agents: remote, clock, tls: { ca: ca.cert, ...hubCert, channelSeed: TEST_CHANNEL_SEED },
      onIntegrityLoss: async (nodeId, loss) => void (loss.mismatched.length && mismatches.push([nodeId, loss.mismatched])),
    });
    const port = await listener.start(0);
    url = `wss://127.0.0.1:${port}${AGENT_PATH}`;
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((a) => a.close()));
    await until(() => s.agents.connected().length === 0);
  });
  afterAll(async () => {
    await listener?.stop();
    await t?.dispose();
  });

  it("refuses at the handshake a client without a certificate or with one from another CA", async () => {
    await expect(TestAgent.connect({ url, ca: ca.cert, nodeId: "node-a" })).rejects.toThrow();
    const other = await createTestCa("Some Other CA");
    await expect(TestAgent.connect({ url, ca: ca.cert, client: await other.issue("node-a"), nodeId: "node-a" })).rejects.toThrow();
    expect(s.agents.connected()).toHaveLength(0);
  });

  it("closes with 4003 and audits a CN that names no node, and a hello for another node than the CN", async () => {
    const stranger = await connect("node-zz");
    expect(await stranger.closed).toBe(CLOSE_IDENTITY);
    const liar = await connect("node-a", { helloNodeId: "node-b" });
    expect(await liar.closed).toBe(CLOSE_IDENTITY);
    expect(liar.welcome).toBeNull();
    const rejected = await audits("AGENT_REJECTED");
    expect(rejected.map((e) => e.subjectId)).toEqual(["node-zz", "node-a"]);
    expect((rejected[1]!.details as { reason: string }).reason).toMatch(/hello for node-b on a certificate for node-a/);
    expect(await audits("AGENT_CONNECTED")).toHaveLength(0);
  });

  it("welcomes an agent (audited), refuses a second one for the node with 4009, and audits the disconnection", async () => {
    const a = await connect("node-a");
    expect(a.welcome).toMatchObject({ heartbeatMs: HEARTBEAT_MS, missedLimit: MISSED, purge: [], hubTime: clock().toISOString() });
    expect((await audits("AGENT_CONNECTED", "node-a")).length).toBe(1);
    expect(agentStatusOf(s.agents, "node-a")).toMatchObject({ mode: "process", connected: true, healthy: true, agentVersion: "test-agent/1", storeId: "store-test", heldKeys: 0 });
    expect(agentStatusOf(s.agents, "node-b")).toEqual({ mode: "process", connected: false });
    const twin = await connect("node-a", { storeId: "store-twin" });
    expect(await twin.closed).toBe(CLOSE_DUPLICATE);
    expect(await audits("AGENT_REJECTED", "node-a")).toHaveLength(2); // the 4003 case above, and this one
    expect(s.agents.session("node-a")?.info.storeId).toBe("store-test"); // the first session is untouched
    await a.close();
    await until(async () => (await audits("AGENT_DISCONNECTED", "node-a")).length === 1);
  });

  it("takes the answer to a request the hub sent between attaching the session and the welcome (not closed as \"hello first\")", async () => {
    // Hold the runner so that hello stops after attaching the session, before its AGENT_CONNECTED job and the welcome.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let loading!: () => void;
    const started = new Promise<void>((r) => (loading = r));
    const held = s.keys.runner.submit({ keyIds: [], load: async () => { loading(); await gate; }, run: () => null });
    await started;
    const connecting = connect("node-c");
    try {
      await until(() => s.agents.connected().some((x) => x.nodeId === "node-c"));
      const usage = s.agents.agent("node-c").usage("00000000-0000-4000-8000-000000000001");
      expect(await usage).toBe(0); // answered by the agent, and the hub took the answer
    } finally {
      release(); // the later tests need the runner
    }
    await held;
    const c = await connecting;
    expect(c.welcome).not.toBeNull();
    expect(s.agents.connected().some((x) => x.nodeId === "node-c")).toBe(true);
  });

  it("delivers over the port: the key goes ACTIVE on real receipts; integrity, usage differences and purge go to the agent", async () => {
    const [a, b] = [await connect("node-a"), await connect("node-b")];
    const k = await newKey("delivered");
    const r = await s.distribution.distribute(k.id, ACTOR);
    expect(r.finalKey.state).toBe("ACTIVE");
    const row = await t.db.key.findUniqueOrThrow({ where: { id: k.id } });
    expect(fingerprintOf(a.keys.get(k.id)!)).toBe(row.fingerprint);
    expect(fingerprintOf(b.keys.get(k.id)!)).toBe(row.fingerprint);
    expect(await s.agents.agent("node-a").integrity(k.id)).toBe(row.fingerprint);

    a.use(k.id, 4);
    expect(await s.agents.agent("node-a").usage(k.id)).toBe(4);
    expect(await s.agents.agent("node-a").usage(k.id)).toBe(0); // the total did not move: nothing new, nothing doubled
    a.use(k.id, 3);
    expect(await s.agents.agent("node-a").usage(k.id)).toBe(3);

    expect(await s.agents.agent("node-b").purge(k.id)).toBe(true);
    expect(b.keys.has(k.id)).toBe(false);
    expect(await s.agents.agent("node-b").integrity(k.id)).toBeNull();
  });

  it.each([
    ["a dropped delivery", { drop: true, times: 1 }, /no receipt from node-b within 300 ms/],
    ["a wrong confirmation", { wrongConfirmation: true, times: 1 }, /wrong receipt from node-b/],
  ])("%s injected into the agent fails the key and the retry becomes ACTIVE", async (_name, fault, reason) => {
    await connect("node-a");
    await connect("node-b");
    await s.agents.setFault("node-b", fault);
    const k = await newKey("fault");
    const r = await s.distribution.distribute(k.id, ACTOR);
    expect(r.attempts.map((x) => x.outcome)).toEqual(["failed", "active"]);
    expect(r.attempts[0]!.reason).toMatch(reason);
    expect((await t.db.key.findUniqueOrThrow({ where: { id: k.id } })).state).toBe("DESTROYED");
  });

  it("corrupt() flips the agent's copy, which integrity then reports as a mismatch", async () => {
    await connect("node-a");
    await connect("node-b");
    const k = await newKey("corrupted");
    await s.distribution.distribute(k.id, ACTOR);
    expect(await s.agents.corrupt("node-a", k.id)).toBe(true);
    const row = await t.db.key.findUniqueOrThrow({ where: { id: k.id } });
    expect(await s.agents.agent("node-a").integrity(k.id)).not.toBe(row.fingerprint);
  });

  it("a silent agent takes its node OFFLINE once missedLimit × heartbeatMs has passed, and it rejoins when it speaks again", async () => {
    await connect("node-a"); // the others answer: only node-c may go
    await connect("node-b");
    const c = await connect("node-c");
    await until(() => s.agents.session("node-c")!.heldKeys === 0 && s.agents.session("node-c")!.silentForMs() === 0);
    await s.agents.setFault("node-c", { silent: true });
    await new Promise((r) => setTimeout(r, 3 * HEARTBEAT_MS)); // heartbeats in flight have landed
    const silentSince = s.agents.session("node-c")!.lastHeartbeatAt.getTime();
    // The others' heartbeats read the moved clock too: wait for one from each at the new time before each tick.
    const othersBeat = () => until(() => ["node-a", "node-b"].every((n) => s.agents.session(n)!.silentForMs() === 0));
    clock.set(new Date(silentSince + MISSED * HEARTBEAT_MS));
    await othersBeat();
    await s.simulator.tickOnce();
    expect((await t.db.node.findUniqueOrThrow({ where: { id: "node-c" } })).status).toBe("ONLINE"); // at the limit: still healthy
    clock.advance(1);
    await othersBeat();
    const report = await s.simulator.tickOnce();
    expect(report.offline).toEqual(["node-c"]);
    expect((await t.db.node.findUniqueOrThrow({ where: { id: "node-c" } })).status).toBe("OFFLINE");

    c.faults.silent = false;
    const beat = s.agents.session("node-c")!.lastHeartbeatAt.getTime();
    await until(() => s.agents.session("node-c")!.lastHeartbeatAt.getTime() !== beat || s.agents.healthy(s.agents.session("node-c")!));
    const back = await s.simulator.tickOnce();
    expect(back.rejoined).toEqual(["node-c"]);
    expect(await audits("NODE_REJOINED", "node-c")).toHaveLength(1);
  });

  it("a node whose agent disconnects fails its heartbeat at once (no session)", async () => {
    await expect(s.agents.agent("node-c").heartbeat()).rejects.toThrow(/no agent connected/);
  });

  it("reconciles the inventory at hello: unknown or purged keys back in welcome.purge, lost copies audited, mismatches to the integrity path", async () => {
    await connect("node-a");
    const b = await connect("node-b");
    const kept = (await s.distribution.distribute((await newKey("kept")).id, ACTOR)).finalKey;
    const lost = (await s.distribution.distribute((await newKey("lost")).id, ACTOR)).finalKey;
    const bent = (await s.distribution.distribute((await newKey("bent")).id, ACTOR)).finalKey;
    const held = new Map(b.keys);
    await b.close();
    await until(() => !s.agents.session("node-b"));
    const stray = "0a782fb5-3434-48fe-aa4d-14f41d46cf92";
    const again = await connect("node-b", {
      inventory: [
        { keyId: kept.id, material: held.get(kept.id)! },
        { keyId: bent.id, fingerprint: "corrupt" },
        { keyId: stray, material: randomBytes(32) },
      ],
    });
    expect(again.welcome?.purge).toEqual([stray]);
    expect((await audits("AGENT_KEY_COPY_LOST", lost.id)).map((e) => (e.details as { nodeId: string }).nodeId)).toEqual(["node-b"]);
    expect(await audits("AGENT_KEY_COPY_LOST", kept.id)).toHaveLength(0);
    await until(() => mismatches.length > 0);
    expect(mismatches).toEqual([["node-b", [bent.id]]]);
  });
});
