/** The hub side against the real agent process (scripts/agent.ts, spawned) over mTLS: connect, deliver to ACTIVE, an integrity proof for a fresh nonce, kill -9 and restart with the same fingerprint and no lost copy, the wrong-confirmation fault, corrupt, purge, usage. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { buildServices, type Services } from "../../runtime/services";
import { systemClock } from "../../time/clock";
import { testCheckpointService } from "../../testing/checkpoint-fixtures";
import { ACTOR, createNodes, testVault } from "../../testing/fixtures";
import { createTestDatabase, type TestDatabase } from "../../testing/test-database";
import { issueAgentPki, agentPkiPaths } from "../pki/agent-pki";
import { agentStarter, waitUntil } from "../../testing/agent-process";
import { AGENT_PATH, AgentListener, readAgentTls } from "./agent-listener";
import { RemoteAgents } from "./remote-agents";

describe("hub with real agent processes", () => {
  let t: TestDatabase; let s: Services<RemoteAgents>; let listener: AgentListener; let port: number; let dir: string;
  const agents = agentStarter({ port: () => port, dir: () => dir, hubPath: AGENT_PATH, allowFaults: true });
  const { start, procs } = agents;
  const until = (check: () => Promise<boolean> | boolean, ms = 15_000) => waitUntil(check, ms);
  beforeAll(async () => {
    t = await createTestDatabase(inject("adminUrl"), "real_agents");
    await createNodes(t.db);
    dir = mkdtempSync(path.join(tmpdir(), "hub-real-"));
    await issueAgentPki(path.join(dir, "pki"), ["node-a", "node-b"]);
    // An agent drops a hub that leaves 3 beats unanswered: 3 × 200 ms failed under CI load. Requests wait 10 s: under
    // faketime (LD_PRELOAD in every spawned agent) a just-restarted agent's first answer took over 3 s once in CI.
    // Nothing here waits for a timeout to fire: the failed attempt below is a wrong confirmation, answered at once.
    const remote = new RemoteAgents({ clock: systemClock, receiptTimeoutMs: 10_000, heartbeatMs: 1000, missedLimit: 3 });
    s = buildServices(t.db, t.url, testVault(), testCheckpointService(t.db), { agents: remote, receiptTimeoutMs: 10_000, backoffMs: () => 0 });
    const p = agentPkiPaths(path.join(dir, "pki"));
    listener = new AgentListener({ db: t.db, runner: s.keys.runner, agents: remote, clock: systemClock, tls: readAgentTls({ ca: p.caCert, cert: p.hubCert, key: p.hubKey }) });
    port = await listener.start(0);
  });
  afterAll(async () => { agents.killAll(); await listener.stop(); await t.dispose(); });

  it("connects, delivers, survives kill -9 with the same fingerprints, purges", async () => {
    let a = start("node-a"); start("node-b");
    await until(() => !!s.agents.session("node-a") && !!s.agents.session("node-b"));
    const k = await s.keys.create({ label: "real", purpose: "smoke", policy: "standard", participants: ["node-a", "node-b"] }, ACTOR);
    const r = await s.distribution.distribute(k.id, ACTOR);
    expect(r.finalKey.state).toBe("ACTIVE");
    const row = await t.db.key.findUniqueOrThrow({ where: { id: r.finalKey.id } });
    expect(await s.agents.agent("node-a").integrity(row.id)).toBe(row.fingerprint);
    // Integrity as a fresh challenge: the agent's proof verifies against the hub's vault for its nonce only.
    const sealed = { ciphertext: row.materialCiphertext!, nonce: row.materialNonce! };
    const proof = (await s.agents.agent("node-a").prove(row.id, "00112233445566778899aabbccddeeff"))!;
    expect(s.keys.vault.checkIntegrityProof(row.id, sealed, "node-a", "00112233445566778899aabbccddeeff", proof)).toBe(true);
    expect(s.keys.vault.checkIntegrityProof(row.id, sealed, "node-a", "ffeeddccbbaa99887766554433221100", proof)).toBe(false);
    a.child.kill("SIGKILL");
    await a.exited;
    await until(() => !s.agents.session("node-a"));
    await expect(s.agents.agent("node-a").heartbeat()).rejects.toThrow();
    a = start("node-a");
    await until(() => !!s.agents.session("node-a"));
    expect(s.agents.session("node-a")!.heldKeys).toBe(1);
    expect(await t.db.auditEntry.count({ where: { action: "AGENT_KEY_COPY_LOST" } })).toBe(0);
    expect(await s.agents.agent("node-a").integrity(row.id)).toBe(row.fingerprint);
    expect(await s.agents.agent("node-a").heartbeat()).toEqual({ heldKeys: 1 });
    await s.agents.setFault("node-b", { wrongConfirmation: true, times: 1 });
    const k2 = await s.keys.create({ label: "real2", purpose: "smoke", policy: "standard", participants: ["node-a", "node-b"] }, ACTOR);
    const r2 = await s.distribution.distribute(k2.id, ACTOR);
    expect(r2.attempts.map((x) => x.outcome)).toEqual(["failed", "active"]);
    expect(await s.agents.corrupt("node-b", row.id)).toBe(true);
    expect(await s.agents.agent("node-b").integrity(row.id)).not.toBe(row.fingerprint);
    expect(await s.agents.agent("node-a").purge(row.id)).toBe(true);
    expect(await s.agents.agent("node-a").integrity(row.id)).toBeNull();
    expect(await s.agents.agent("node-a").usage(r2.finalKey.id)).toBe(0);
    const out = procs.map((p) => p.output()).join("\n");
    expect(out).not.toContain("material");
  });
});
