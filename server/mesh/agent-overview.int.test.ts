/**
 * The node agents at a glance (`mesh.agents`) with agent processes: test
 * agents dial the hub's agent port over mutual TLS (RemoteAgents, a manual
 * clock for heartbeat staleness); the overview counts the connected ones,
 * names the node with no agent as disconnected and, once an agent stops its
 * heartbeats past the limit, names it as silent. With in-process agents the
 * same procedure says only that they are simulated.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createCaller } from "../api/root";
import { createContextInner } from "../api/trpc";
import { AGENT_PATH, AgentListener } from "../agents/hub/agent-listener";
import { RemoteAgents } from "../agents/hub/remote-agents";
import type { SessionUser } from "../domain/access/session-user";
import { buildServices, type Services } from "../runtime/services";
import { TestAgent } from "../testing/agent-test-client";
import { testCheckpointService } from "../testing/checkpoint-fixtures";
import { createNodes, servicesOf, testKeyService, testVault } from "../testing/fixtures";
import { createTestCa, type TestCa } from "../testing/test-agent-pki";
import { createTestDatabase, type TestDatabase } from "../testing/test-database";
import { manualClock } from "../time/clock";

const HEARTBEAT_MS = 100;
const MISSED = 3;
const VIEWER: SessionUser = { id: "viewer-1", email: "viewer@qecnet.test", name: "Viewer", role: "viewer" };

describe("mesh.agents", () => {
  let t: TestDatabase;
  let s: Services<RemoteAgents>;
  let ca: TestCa;
  let listener: AgentListener;
  let url: string;
  const clock = manualClock("2026-06-01T10:00:00Z");
  const open: TestAgent[] = [];
  const until = async (check: () => Promise<boolean> | boolean) => {
    for (let i = 0; i < 200 && !(await check()); i++) await new Promise((r) => setTimeout(r, 20));
    expect(await check()).toBe(true);
  };

  beforeAll(async () => {
    t = await createTestDatabase(inject("adminUrl"), "agent_overview");
    await createNodes(t.db);
    ca = await createTestCa();
    const remote = new RemoteAgents({ clock, receiptTimeoutMs: 300, heartbeatMs: HEARTBEAT_MS, missedLimit: MISSED });
    s = buildServices(t.db, t.url, testVault(), testCheckpointService(t.db, { clock }), { clock, agents: remote, receiptTimeoutMs: 300, backoffMs: () => 0 });
    listener = new AgentListener({ db: t.db, runner: s.keys.runner, agents: remote, clock, tls: { ca: ca.cert, ...(await ca.issue("qecnet-agent-hub", "server")) } });
    url = `wss://127.0.0.1:${await listener.start(0)}${AGENT_PATH}`;
  });
  afterAll(async () => {
    await Promise.all(open.splice(0).map((a) => a.close()));
    await listener?.stop();
    await t?.dispose();
  });

  it("counts connected agents of M nodes and names the disconnected node, then the silent one", async () => {
    for (const nodeId of ["hub-1", "node-a", "node-b"]) {
      const a = await TestAgent.connect({ url, ca: ca.cert, client: await ca.issue(nodeId), nodeId });
      expect(a.welcome).not.toBeNull();
      open.push(a);
    }
    const viewer = createCaller(createContextInner(s, VIEWER));
    await until(async () => {
      const o = await viewer.mesh.agents();
      return o.mode === "process" && o.connected === 3;
    });
    expect(await viewer.mesh.agents()).toEqual({
      mode: "process", total: 4, connected: 3, silent: [], disconnected: [{ nodeId: "node-c", name: "NODE-C", lastHeartbeatAt: null }],
    });

    // node-b stops its heartbeats; the clock moves past the limit; the others' next heartbeats read the moved clock.
    open[2]!.faults.silent = true;
    await new Promise((r) => setTimeout(r, 3 * HEARTBEAT_MS)); // heartbeats in flight have landed
    const lastHeard = s.agents.session("node-b")!.lastHeartbeatAt;
    clock.set(new Date(lastHeard.getTime() + (MISSED + 1) * HEARTBEAT_MS));
    await until(async () => {
      const o = await viewer.mesh.agents();
      return o.mode === "process" && o.connected === 2 && o.silent.length === 1;
    });
    const o = await viewer.mesh.agents();
    expect(o).toMatchObject({ mode: "process", total: 4, connected: 2, disconnected: [{ nodeId: "node-c" }] });
    expect(o.mode === "process" && o.silent).toEqual([{ nodeId: "node-b", name: "NODE-B", lastHeartbeatAt: lastHeard }]);
  });

  it("with in-process agents says they are simulated", async () => {
    const keys = testKeyService(t.db, { clock });
    const o = await createCaller(createContextInner(servicesOf(keys), VIEWER)).mesh.agents();
    expect(o).toEqual({ mode: "in-process", nodes: 4 });
  });
});
