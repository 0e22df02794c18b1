/**
 * Lost copies against real agent processes (KEY-DELIVERY.md §6.3, §6.6): an
 * agent restarted with a wiped store reports an inventory without the ACTIVE
 * keys it confirmed. That is an integrity loss, not something to accept: each
 * lost copy is audited AGENT_KEY_COPY_LOST and goes through the integrity
 * incident (revoked, replaced by a key distributed to the restarted agent),
 * while an agent restarted with its store intact loses nothing.
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

describe("lost copies with real agent processes", () => {
  let t: TestDatabase; let s: Services<RemoteAgents>; let listener: AgentListener; let port: number; let dir: string;
  const agents = agentStarter({ port: () => port, dir: () => dir, hubPath: AGENT_PATH });
  const { start } = agents;
  const until = (check: () => Promise<boolean> | boolean, ms = 45_000) => waitUntil(check, ms); // a bound on a hang: a loaded CI machine took over 20 s once
  const kill9 = async (p: AgentProcess, node: string) => {
    p.child.kill("SIGKILL");
    await p.exited;
    await until(() => !s.agents.session(node));
  };

  beforeAll(async () => {
    t = await createTestDatabase(inject("adminUrl"), "lost_copies");
    await createNodes(t.db);
    dir = mkdtempSync(path.join(tmpdir(), "hub-lost-"));
    await issueAgentPki(path.join(dir, "pki"), ["node-a", "node-b"]);
    const remote = new RemoteAgents({ clock: systemClock, receiptTimeoutMs: 2000, heartbeatMs: 1000, missedLimit: 3 }); // an agent drops a hub that leaves 3 beats unanswered: 3 × 200 ms failed under CI load
    s = buildServices(t.db, t.url, testVault(), testCheckpointService(t.db), { agents: remote, receiptTimeoutMs: 2000, backoffMs: () => 0 });
    const p = agentPkiPaths(path.join(dir, "pki"));
    listener = new AgentListener({
      db: t.db, runner: s.keys.runner, agents: remote, clock: systemClock, tls: readAgentTls({ ca: p.caCert, cert: p.hubCert, key: p.hubKey }),
      onIntegrityLoss: (nodeId, loss) => s.recovery.integrityLoss(nodeId, loss),
    });
    port = await listener.start(0);
  });
  afterAll(async () => { agents.killAll(); await listener.stop(); await t.dispose(); });

  it("a restart with a wiped store: the lost ACTIVE copies are revoked and replaced through the integrity incident", async () => {
    start("node-a"); let b = start("node-b");
    await until(() => !!s.agents.session("node-a") && !!s.agents.session("node-b"));
    const ids: string[] = [];
    for (const label of ["lost-1", "lost-2"]) {
      const k = await s.keys.create({ label, purpose: "lost copies", policy: "standard", participants: ["node-a", "node-b"] }, ACTOR);
      const r = await s.distribution.distribute(k.id, ACTOR);
      expect(r.finalKey.state).toBe("ACTIVE");
      ids.push(r.finalKey.id);
    }
    // An intact restart loses nothing.
    await kill9(b, "node-b");
    b = start("node-b");
    await until(() => !!s.agents.session("node-b"));
    expect(await t.db.auditEntry.count({ where: { action: "AGENT_KEY_COPY_LOST" } })).toBe(0);
    // A wiped store: both copies are gone.
    await kill9(b, "node-b");
    rmSync(path.join(dir, "node-b"), { recursive: true, force: true });
    start("node-b");
    await until(async () => (await t.db.incident.count({ where: { status: "RESOLVED" } })) === 1);
    const lost = await t.db.auditEntry.findMany({ where: { action: "AGENT_KEY_COPY_LOST" } });
    expect(lost.map((e) => e.subjectId).sort()).toEqual([...ids].sort());
    const inc = await t.db.incident.findFirstOrThrow();
    expect(inc).toMatchObject({ signal: "INTEGRITY_MISMATCH", targetType: "node", targetId: "node-b" });
    expect(inc.reason).toMatch(/2 confirmed copies are missing from the agent's store/);
    const view = await s.incidents.get(inc.id);
    expect(view.keys.map((k) => k.keyId).sort()).toEqual([...ids].sort());
    expect(view.unconfirmedPurges).toEqual([]);
    for (const k of view.keys) {
      expect(k.stateNow).toBe("REVOKED");
      expect(k.replacementState).toBe("ACTIVE");
      // The replacement is held again by the restarted agent, with the recorded fingerprint.
      const rep = await t.db.key.findUniqueOrThrow({ where: { id: k.replacementId! } });
      expect(await s.agents.agent("node-b").integrity(rep.id)).toBe(rep.fingerprint);
    }
  });
});
