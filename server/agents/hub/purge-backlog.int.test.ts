/**
 * Durable purge obligations against real agent processes (KEY-DELIVERY.md
 * §6.4, criterion 7's last point): an agent killed (kill -9) before a
 * revocation misses the purge; at its reconnect the hub sends the backlog
 * (welcome.purge, then the purge again) and records the confirmation from its
 * answer, audited AGENT_PURGE_BACKLOG_APPLIED; an agent restarted with a wiped
 * store confirms by its hello inventory; a connected agent that did not answer
 * is sent its obligations again by the periodic sweep (resend interval
 * shortened for the test).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { buildServices, type Services } from "../../runtime/services";
import { systemClock } from "../../time/clock";
import { testCheckpointService } from "../../testing/checkpoint-fixtures";
import { ACTOR, createNodes, testVault } from "../../testing/fixtures";
import { createTestDatabase, type TestDatabase } from "../../testing/test-database";
import { issueAgentPki, agentPkiPaths } from "../pki/agent-pki";
import { agentStarter, waitUntil, type AgentProcess } from "../../testing/agent-process";
import { AGENT_PATH, AgentListener, readAgentTls } from "./agent-listener";
import { RemoteAgents } from "./remote-agents";

describe("purge obligations with real agent processes", () => {
  let t: TestDatabase; let s: Services<RemoteAgents>; let listener: AgentListener; let port: number; let dir: string;
  let stopSweep: () => void = () => undefined;
  const agents = agentStarter({ port: () => port, dir: () => dir, hubPath: AGENT_PATH, allowFaults: true });
  const { start, procs } = agents;
  const until = (check: () => Promise<boolean> | boolean, ms = 15_000) => waitUntil(check, ms);
  const kill9 = async (p: AgentProcess, node: string) => {
    p.child.kill("SIGKILL");
    await p.exited;
    await until(() => !s.agents.session(node));
  };
  const confirmedAt = async (keyId: string, nodeId: string) =>
    (await t.db.keyParticipant.findUniqueOrThrow({ where: { keyId_nodeId: { keyId, nodeId } } })).purgeConfirmedAt;
  const activeKey = async (label: string) => {
    const k = await s.keys.create({ label, purpose: "purge backlog", policy: "standard", participants: ["node-a", "node-b"] }, ACTOR);
    const r = await s.distribution.distribute(k.id, ACTOR);
    expect(r.finalKey.state).toBe("ACTIVE");
    return r.finalKey.id;
  };
  const backlogEntries = () => t.db.auditEntry.findMany({ where: { action: "AGENT_PURGE_BACKLOG_APPLIED", subjectId: "node-b" }, orderBy: { seq: "asc" } });

  beforeAll(async () => {
    t = await createTestDatabase(inject("adminUrl"), "purge_backlog");
    await createNodes(t.db);
    dir = mkdtempSync(path.join(tmpdir(), "hub-purge-"));
    await issueAgentPki(path.join(dir, "pki"), ["node-a", "node-b"]);
    const remote = new RemoteAgents({ clock: systemClock, receiptTimeoutMs: 2000, heartbeatMs: 1000, missedLimit: 3 }); // an agent drops a hub that leaves 3 beats unanswered: 3 × 200 ms failed under CI load
    s = buildServices(t.db, t.url, testVault(), testCheckpointService(t.db), { agents: remote, receiptTimeoutMs: 2000, backoffMs: () => 0, purgeResendMs: 1_000 });
    const p = agentPkiPaths(path.join(dir, "pki"));
    listener = new AgentListener({ db: t.db, runner: s.keys.runner, agents: remote, clock: systemClock, tls: readAgentTls({ ca: p.caCert, cert: p.hubCert, key: p.hubKey }) });
    port = await listener.start(0);
  });
  afterAll(async () => { stopSweep(); agents.killAll(); await listener.stop(); await t.dispose(); });

  it("an agent killed before a revocation confirms the purge at its reconnect", async () => {
    start("node-a"); let b = start("node-b");
    await until(() => !!s.agents.session("node-a") && !!s.agents.session("node-b"));
    const keyId = await activeKey("killed-before-revocation");
    await kill9(b, "node-b");
    await s.keys.apply(keyId, { type: "REVOKE", reason: "relay compromised" }, ACTOR);
    await s.purges.sweep({ keyIds: [keyId], ignoreBackoff: true });
    expect(await confirmedAt(keyId, "node-a")).not.toBeNull();
    expect(await confirmedAt(keyId, "node-b")).toBeNull(); // down: requested, not confirmed
    b = start("node-b");
    await until(async () => (await confirmedAt(keyId, "node-b")) !== null);
    expect(await s.agents.agent("node-b").integrity(keyId)).toBeNull();
    const [entry] = await backlogEntries();
    expect(entry?.details).toMatchObject({ backlog: 1, confirmedByAnswer: 1, confirmedByInventory: 0, unanswered: 0, keyIds: [keyId] });
    expect(b.output()).toMatch(/"purgeBacklog":1/);
  });

  it("an agent restarted with a wiped store confirms by its hello inventory", async () => {
    const keyId = await activeKey("wiped-before-revocation");
    const b = procs.filter((p) => p.child.exitCode === null && p.child.spawnargs.includes("node-b")).at(-1)!;
    await kill9(b, "node-b");
    await s.keys.apply(keyId, { type: "REVOKE", reason: "relay compromised" }, ACTOR);
    await s.purges.sweep({ keyIds: [keyId], ignoreBackoff: true });
    expect(await confirmedAt(keyId, "node-b")).toBeNull();
    rmSync(path.join(dir, "node-b"), { recursive: true, force: true });
    start("node-b");
    await until(async () => (await confirmedAt(keyId, "node-b")) !== null);
    const entries = await backlogEntries();
    expect(entries.at(-1)?.details).toMatchObject({ backlog: 1, confirmedByAnswer: 0, confirmedByInventory: 1, keyIds: [keyId] });
    const confirmed = await t.db.auditEntry.findMany({ where: { subjectId: keyId, action: "KEY_PURGE_CONFIRMED" } });
    expect(confirmed.some((e) => JSON.stringify(e.details).includes('"byHelloInventory":["node-b"]'))).toBe(true);
  });

  it("a connected agent that did not answer is sent its obligation again while connected", async () => {
    const keyId = await activeKey("silent-at-revocation");
    await s.agents.setFault("node-b", { silent: true }); // connected, answers nothing
    await s.keys.apply(keyId, { type: "REVOKE", reason: "relay compromised" }, ACTOR);
    await s.purges.sweep({ keyIds: [keyId], ignoreBackoff: true });
    expect(await confirmedAt(keyId, "node-b")).toBeNull();
    const before = (await backlogEntries()).length;
    await s.agents.setFault("node-b", null);
    stopSweep = s.purges.start(200);
    await until(async () => (await confirmedAt(keyId, "node-b")) !== null, 10_000);
    expect(await s.agents.agent("node-b").integrity(keyId)).toBeNull();
    expect((await backlogEntries()).length).toBe(before); // the same session: no reconnect, no backlog entry
  });
});
