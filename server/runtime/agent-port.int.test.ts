/**
 * The agent port as the wiring starts it: PEM files read from <data dir>/pki
 * (the dev PKI layout), an agent dialing in is reported on /api/ready's worker
 * line, and a missing file stops the start with the path to fix.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { RemoteAgents } from "../agents/hub/remote-agents";
import { workerStatuses } from "../background/worker-status";
import { parseEnv } from "../config/env";
import { TestAgent } from "../testing/agent-test-client";
import { testCheckpointService } from "../testing/checkpoint-fixtures";
import { createNodes, testVault } from "../testing/fixtures";
import { createTestCa, type TestCa } from "../testing/test-agent-pki";
import { createTestDatabase, type TestDatabase } from "../testing/test-database";
import { systemClock } from "../time/clock";
import { startAgentPort } from "./agent-port";
import { buildServices } from "./services";

const freePort = () =>
  new Promise<number>((resolve) => {
    const srv = createServer().listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });

describe("the agent port in the wiring", () => {
  let t: TestDatabase;
  let ca: TestCa;
  let dataDir: string;

  beforeAll(async () => {
    t = await createTestDatabase(inject("adminUrl"), "agent_port_wiring");
    await createNodes(t.db);
    ca = await createTestCa();
    dataDir = mkdtempSync(path.join(tmpdir(), "qecnet-agent-port-"));
    mkdirSync(path.join(dataDir, "pki"));
    const hub = await ca.issue("qecnet-agent-hub", "server");
    writeFileSync(path.join(dataDir, "pki", "agent-ca.crt"), ca.cert);
    writeFileSync(path.join(dataDir, "pki", "agent-hub.crt"), hub.cert);
    writeFileSync(path.join(dataDir, "pki", "agent-hub.key"), hub.key, { mode: 0o600 });
  });
  afterAll(async () => {
    rmSync(dataDir, { recursive: true, force: true });
    await t?.dispose();
  });

  it("listens with the dev PKI files, and /api/ready's worker line names the connected agents", async () => {
    const port = await freePort();
    const e = parseEnv({ QECNET_AGENTS: "process", QECNET_AGENT_PORT: String(port), QECNET_DATA_DIR: dataDir });
    const agents = new RemoteAgents({ clock: systemClock, receiptTimeoutMs: 500, heartbeatMs: e.QECNET_AGENT_HEARTBEAT_MS, missedLimit: e.QECNET_AGENT_MISSED_LIMIT });
    const s = buildServices(t.db, t.url, testVault(), testCheckpointService(t.db), { agents });
    const stop = await startAgentPort(s, e, pino({ level: "silent" }));
    try {
      const a = await TestAgent.connect({ url: `wss://127.0.0.1:${port}/agent/v1`, ca: ca.cert, client: await ca.issue("node-a"), nodeId: "node-a" });
      expect(a.welcome?.heartbeatMs).toBe(1000);
      const line = workerStatuses().find((w) => w.name === "agent-port");
      expect(line).toMatchObject({ ok: true, detail: expect.stringContaining("1 agent(s) connected (node-a)") });
      await a.close();
    } finally {
      stop();
    }
    expect(workerStatuses().find((w) => w.name === "agent-port")).toBeUndefined();
  });

  it("refuses to start without the hub's certificate, naming the file and how to make it", async () => {
    const e = parseEnv({ QECNET_AGENTS: "process", QECNET_DATA_DIR: path.join(dataDir, "empty") });
    const agents = new RemoteAgents({ clock: systemClock, receiptTimeoutMs: 500, heartbeatMs: 1000, missedLimit: 3 });
    const s = buildServices(t.db, t.url, testVault(), testCheckpointService(t.db), { agents });
    await expect(startAgentPort(s, e, pino({ level: "silent" }))).rejects.toThrow(/Agent CA certificate at .*empty\/pki\/agent-ca\.crt \(run `npm run pki:dev`/);
  });
});
