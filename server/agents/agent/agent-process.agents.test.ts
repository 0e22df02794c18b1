/**
 * The node agent as a real process (KEY-DELIVERY.md §6, criteria 9–12, agent
 * side) against the test hub: the mTLS handshake refuses strangers both ways,
 * a delivered key is receipted and survives kill -9, purge is durable (also
 * from welcome.purge), integrity answers a fresh nonce with a proof of
 * possession, faults need --allow-faults, bad configuration exits 2, a
 * foreign store exits 3, an identity refused by the hub (4003) exits 4 at
 * once while a duplicate refusal (4009) is retried with backoff, SIGTERM
 * exits 0 after a clean close, and no log line
 * holds any delivered key.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fingerprintOf, verifyIntegrityProof, verifyReceiptMac } from "../../keys/material";
import { AgentAnswerError, AgentTestHub } from "../../testing/agent-test-hub";
import { agentPkiPaths, issueAgentPki } from "../pki/agent-pki";
import { CLOSE_DUPLICATE, CLOSE_IDENTITY } from "../protocol/agent-protocol";
import { agentArgs, spawnAgent, type AgentProcess } from "../../testing/agent-process";

const tmp = (p: string) => mkdtempSync(join(tmpdir(), p));
let pkiDir: string;
let otherPkiDir: string;
let hub: AgentTestHub;
const delivered: Buffer[] = [];
const spawned: AgentProcess[] = [];

beforeAll(async () => {
  pkiDir = tmp("qecnet-pki-");
  otherPkiDir = tmp("qecnet-pki-other-");
  await issueAgentPki(pkiDir, ["ep-bank", "ep-stock", "ep-grid", "ep-port", "ep-refused", "ep-twin", "ep-pad"]);
  await issueAgentPki(otherPkiDir, ["ep-bank"]);
  hub = await AgentTestHub.start({ pkiDir, heartbeatMs: 200, missedLimit: 3, purgeAtWelcome: (n) => purgeBacklog.get(n) ?? [],
    // ep-refused: the hub refuses its identity (4003); ep-twin: another agent holds its session for its first 3 hellos (4009).
    refuseHello: (n, earlier) => (n === "ep-refused" ? CLOSE_IDENTITY : n === "ep-twin" && earlier < 3 ? CLOSE_DUPLICATE : null) });
});

afterAll(async () => {
  for (const a of spawned) a.child.kill("SIGKILL");
  await hub?.close();
  // Criterion 10: no log line of any agent contains a delivered key (base64, hex, or any 8-byte piece of it).
  const logs = spawned.map((a) => a.output()).join("\n");
  expect(logs.length).toBeGreaterThan(0);
  for (const k of delivered) {
    expect(logs).not.toContain(k.toString("base64"));
    expect(logs).not.toContain(k.toString("hex"));
    for (let i = 0; i + 8 <= k.length; i++) expect(logs).not.toContain(k.subarray(i, i + 8).toString("hex"));
  }
});

const purgeBacklog = new Map<string, string[]>();

function start(nodeId: string, dataDir: string, opts: { allowFaults?: boolean; pki?: string; env?: Record<string, string> } = {}): AgentProcess {
  const a = spawnAgent(agentArgs({ nodeId, hubUrl: hub.url, dataDir, pkiDir: opts.pki ?? pkiDir, allowFaults: opts.allowFaults }), opts.env);
  spawned.push(a);
  return a;
}

async function kill9(a: AgentProcess): Promise<void> {
  a.child.kill("SIGKILL");
  await a.exited;
}

function newKey(bytes = 32): { keyId: string; material: Buffer } {
  const material = randomBytes(bytes);
  delivered.push(material);
  return { keyId: randomUUID(), material };
}

async function deliver(nodeId: string, k: { keyId: string; material: Buffer }, timeoutMs?: number) {
  return hub.request(nodeId, "deliver", {
    keyId: k.keyId, sizeBits: k.material.length * 8, otp: hub.otp(nodeId, k.material),
    fingerprint: fingerprintOf(k.material), nodePath: ["hub-sov", nodeId],
  }, timeoutMs);
}

describe("agent handshake (mutual TLS, Agent CA)", () => {
  const dial = (opts: WebSocket.ClientOptions) =>
    new Promise<string>((resolve) => {
      const ws = new WebSocket(hub.url, { ca: readFileSync(agentPkiPaths(pkiDir).caCert), minVersion: "TLSv1.3", ...opts });
      ws.on("open", () => { ws.close(); resolve("open"); });
      ws.on("error", (e) => resolve(`refused: ${e.message}`));
    });

  it("refuses a client with no certificate, and one from another CA with a node's CN", async () => {
    const before = hub.sessions.length;
    expect(await dial({})).toMatch(/^refused/);
    const other = agentPkiPaths(otherPkiDir);
    expect(await dial({ cert: readFileSync(other.nodeCert("ep-bank")), key: readFileSync(other.nodeKey("ep-bank")) })).toMatch(/^refused/);
    expect(hub.sessions.length).toBe(before);
  });

  it("an agent with another CA's certificate gets no session, and does not trust the hub's certificate either", async () => {
    const before = hub.sessions.length;
    const a = start("ep-bank", tmp("qecnet-agent-"), { pki: otherPkiDir });
    await expect.poll(() => a.output(), { timeout: 15_000 }).toMatch(/hub link error/);
    expect(a.output()).toMatch(/self.signed|unable to verify|certificate/i);
    expect(hub.sessions.slice(before).some((s) => s.nodeId === "ep-bank")).toBe(false);
    await kill9(a);
  });
});

describe("the hub's refusals", () => {
  it("4003 (identity refused): the agent exits 4 with a clear stderr line instead of reconnecting forever", async () => {
    const a = start("ep-refused", tmp("qecnet-agent-"));
    expect(await a.exited).toBe(4);
    expect(a.output()).toMatch(/the hub refused this agent's identity for node ep-refused \(close 4003: identity refused\); check --node/);
    expect(hub.hellos.get("ep-refused")).toHaveLength(1);
  });

  it("4009 (duplicate session): the agent keeps retrying with growing backoff, and connects once the node's session is free", async () => {
    const a = start("ep-twin", tmp("qecnet-agent-"));
    await hub.nextSession("ep-twin");
    const at = hub.hellos.get("ep-twin")!;
    expect(at).toHaveLength(4);
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    expect(gaps[0]).toBeGreaterThanOrEqual(180); // 0.2 s at least, then doubling (with jitter)
    expect(gaps[2]).toBeGreaterThan(gaps[0]!);
    expect(a.output()).toMatch(/another agent for this node is connected to the hub; retrying/);
    expect(a.child.exitCode).toBeNull();
    await kill9(a);
  });
});

describe("agent duties against a real process", () => {
  it("deliver → a valid receipt; the key survives kill -9 and the next hello reports the same fingerprint", async () => {
    const dataDir = tmp("qecnet-agent-");
    const a = start("ep-bank", dataDir);
    const s1 = await hub.nextSession("ep-bank");
    expect(s1.hello.inventory).toEqual([]);
    const k = newKey();
    const { receipt } = await deliver("ep-bank", k);
    expect(verifyReceiptMac(k.material, k.keyId, "ep-bank", receipt)).toBe(true);
    await kill9(a);

    const seen = hub.sessions.length;
    start("ep-bank", dataDir);
    const s2 = await hub.nextSession("ep-bank", seen);
    expect(s2.hello.storeId).toBe(s1.hello.storeId);
    expect(s2.hello.inventory).toEqual([{ keyId: k.keyId, fingerprint: fingerprintOf(k.material) }]);
    await expect.poll(() => hub.latest("ep-bank")!.heartbeats, { timeout: 5_000 }).toBeGreaterThan(1);
  });

  it("never uses a pad byte twice, even after kill -9: a delivery at a used offset is refused and stores nothing", async () => {
    const dataDir = tmp("qecnet-agent-");
    const a = start("ep-pad", dataDir);
    const seen = hub.sessions.length;
    await hub.nextSession("ep-pad", seen);
    const k1 = newKey();
    const otp1 = hub.otp("ep-pad", k1.material);
    await hub.request("ep-pad", "deliver", { keyId: k1.keyId, sizeBits: 256, otp: otp1, fingerprint: fingerprintOf(k1.material), nodePath: [] });
    await kill9(a);
    const b = start("ep-pad", dataDir);
    await hub.nextSession("ep-pad", seen + 1);
    const k2 = newKey();
    const replayed = { ...hub.otp("ep-pad", k2.material), offset: otp1.offset };
    const err = await hub.request("ep-pad", "deliver", { keyId: k2.keyId, sizeBits: 256, otp: replayed, fingerprint: fingerprintOf(k2.material), nodePath: [] }).catch((e: unknown) => e);
    expect((err as AgentAnswerError).code).toBe("pad_refused");
    expect((err as AgentAnswerError).message).toMatch(/REUSE/);
    expect((await hub.request("ep-pad", "integrity", { keyIds: [k2.keyId] })).fingerprints[k2.keyId]).toBeNull();
    await kill9(b);
  });

  it("refuses material that does not match its fingerprint, and never receipts it", async () => {
    start("ep-grid", tmp("qecnet-agent-"));
    await hub.nextSession("ep-grid", 0);
    const k = newKey();
    const err = await hub.request("ep-grid", "deliver", { keyId: k.keyId, sizeBits: 256, otp: hub.otp("ep-grid", k.material), fingerprint: fingerprintOf(randomBytes(32)), nodePath: [] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentAnswerError);
    expect((err as AgentAnswerError).code).toBe("fingerprint_mismatch");
    expect((await hub.request("ep-grid", "integrity", { keyIds: [k.keyId] })).fingerprints[k.keyId]).toBeNull();
  });

  it("purge is durable across kill -9, and welcome.purge is applied at reconnect", async () => {
    const dataDir = tmp("qecnet-agent-");
    const a = start("ep-stock", dataDir);
    await hub.nextSession("ep-stock", 0);
    const [k1, k2, k3] = [newKey(), newKey(), newKey()];
    for (const k of [k1, k2, k3]) await deliver("ep-stock", k);
    const ghost = randomUUID();
    expect(await hub.request("ep-stock", "purge", { keyIds: [k1.keyId, ghost] })).toEqual({ purged: [k1.keyId], absent: [ghost] });
    await kill9(a);

    purgeBacklog.set("ep-stock", [k2.keyId]);
    let seen = hub.sessions.length;
    const b = start("ep-stock", dataDir);
    const s2 = await hub.nextSession("ep-stock", seen);
    expect(s2.hello.inventory.map((r) => r.keyId).sort()).toEqual([k2.keyId, k3.keyId].sort());
    purgeBacklog.delete("ep-stock");
    await expect.poll(async () => Object.keys((await hub.request("ep-stock", "usage", {})).totals), { timeout: 5_000 }).toEqual([k3.keyId]);
    await kill9(b);

    seen = hub.sessions.length;
    start("ep-stock", dataDir);
    const s3 = await hub.nextSession("ep-stock", seen);
    expect(s3.hello.inventory).toEqual([{ keyId: k3.keyId, fingerprint: fingerprintOf(k3.material) }]);
  });

  it("integrity with a nonce answers a fresh proof of possession; without one, the fingerprint", async () => {
    const k = newKey();
    await deliver("ep-stock", k);
    const absent = randomUUID();
    const plain = await hub.request("ep-stock", "integrity", { keyIds: [k.keyId, absent] });
    expect(plain.fingerprints).toEqual({ [k.keyId]: fingerprintOf(k.material), [absent]: null });
    const [n1, n2] = [randomBytes(16).toString("hex"), randomBytes(16).toString("hex")];
    const p1 = (await hub.request("ep-stock", "integrity", { keyIds: [k.keyId], nonce: n1 })).fingerprints[k.keyId]!;
    const p2 = (await hub.request("ep-stock", "integrity", { keyIds: [k.keyId], nonce: n2 })).fingerprints[k.keyId]!;
    expect(verifyIntegrityProof(k.material, k.keyId, "ep-stock", n1, p1)).toBe(true);
    expect(verifyIntegrityProof(k.material, k.keyId, "ep-stock", n2, p1)).toBe(false); // a replayed answer fails
    expect(p2).not.toBe(p1);
  });

  it("refuses faults without --allow-faults", async () => {
    const err = await hub.request("ep-stock", "fault", { kind: "drop" }).catch((e: unknown) => e);
    expect((err as AgentAnswerError).code).toBe("faults_disabled");
    const k = newKey();
    expect(verifyReceiptMac(k.material, k.keyId, "ep-stock", (await deliver("ep-stock", k)).receipt)).toBe(true);
  });

  it("with --allow-faults: wrong confirmation, drop (times), corrupt copy, silence, clear", async () => {
    const seen = hub.sessions.length;
    start("ep-port", tmp("qecnet-agent-"), { allowFaults: true });
    await hub.nextSession("ep-port", seen);

    await hub.request("ep-port", "fault", { kind: "wrongConfirmation", times: 1 });
    const k1 = newKey();
    expect(verifyReceiptMac(k1.material, k1.keyId, "ep-port", (await deliver("ep-port", k1)).receipt)).toBe(false);
    const k2 = newKey();
    expect(verifyReceiptMac(k2.material, k2.keyId, "ep-port", (await deliver("ep-port", k2)).receipt)).toBe(true); // times: 1 used up

    await hub.request("ep-port", "fault", { kind: "drop", times: 1 });
    await expect(deliver("ep-port", newKey(), 1_500)).rejects.toThrow(/not answered/);

    await hub.request("ep-port", "fault", { kind: "corrupt", keyId: k2.keyId });
    const fp = (await hub.request("ep-port", "integrity", { keyIds: [k2.keyId] })).fingerprints[k2.keyId];
    expect(fp).not.toBe(fingerprintOf(k2.material));
    expect(fp).toMatch(/^SHA256:/);

    await hub.request("ep-port", "fault", { kind: "silent" });
    const beats = hub.latest("ep-port")!.heartbeats;
    await expect(hub.request("ep-port", "usage", {}, 1_000)).rejects.toThrow(/not answered/);
    expect(hub.latest("ep-port")!.heartbeats).toBe(beats);
    await hub.request("ep-port", "fault", { kind: "clear" });
    await expect.poll(() => hub.latest("ep-port")!.heartbeats, { timeout: 5_000 }).toBeGreaterThan(beats);
  });
});

describe("agent start-up and shutdown", () => {
  it("exits 2 on a bad configuration, naming each problem on its own line", async () => {
    const a = spawnAgent(["--node", "Bad Node", "--hub", "https://x", "--bogus"], { QECNET_AGENT_STORE_KEY: "zz" });
    spawned.push(a);
    expect(await a.exited).toBe(2);
    const lines = a.output().trim().split("\n");
    expect(lines).toEqual(expect.arrayContaining([
      expect.stringMatching(/^--bogus: unknown flag/),
      expect.stringMatching(/^--node \/ QECNET_AGENT_NODE: must be a node id/),
      expect.stringMatching(/^--hub \/ QECNET_AGENT_HUB: must be a wss:\/\/ URL/),
      expect.stringMatching(/^--data \/ QECNET_AGENT_DATA: is required/),
      expect.stringMatching(/^QECNET_AGENT_STORE_KEY: must be 64 hex/),
    ]));
    expect(lines).toHaveLength(5);
  });

  it("exits 3 when the store was sealed under another key, naming both key ids", async () => {
    const dataDir = tmp("qecnet-agent-");
    const a = start("ep-grid", dataDir, { env: { QECNET_AGENT_STORE_KEY: "ab".repeat(32) } });
    await expect.poll(() => a.output(), { timeout: 15_000 }).toMatch(/agent started/);
    await kill9(a);
    const b = start("ep-grid", dataDir, { env: { QECNET_AGENT_STORE_KEY: "cd".repeat(32) } });
    expect(await b.exited).toBe(3);
    expect(b.output()).toMatch(/sealed under store key [0-9a-f]{16}.*store key [0-9a-f]{16}/);
    expect(b.output()).not.toContain("cd".repeat(32));
  });

  it("SIGTERM closes the link cleanly (1000) and exits 0", async () => {
    const seen = hub.sessions.length;
    const a = start("ep-bank", tmp("qecnet-agent-"));
    const s = await hub.nextSession("ep-bank", seen);
    a.child.kill("SIGTERM");
    expect(await a.exited).toBe(0);
    expect(await s.closed).toBe(1000);
  });
});
