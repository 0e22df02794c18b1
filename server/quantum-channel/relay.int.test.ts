/**
 * The quantum channel made concrete (issue 18), against real agent processes
 * over mTLS and a real PostgreSQL: keys relayed hop by hop with one-time pads
 * over a route of three hops (hub → r1 → r2 → ep-far), each endpoint holding
 * exactly the hub's bytes, pad used per hop equal at both ends of it and no
 * offset used twice; a leaking relay's notes equal the blast radius the hub
 * computes from the recorded routes; a desynchronised link fails keys (never
 * ACTIVE with other bytes) and is marked in PadLevels.
 */
import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { buildServices, type Services } from "../runtime/services";
import { systemClock } from "../time/clock";
import { testCheckpointService } from "../testing/checkpoint-fixtures";
import { ACTOR, testVault } from "../testing/fixtures";
import { createTestDatabase, type TestDatabase } from "../testing/test-database";
import { issueAgentPki, agentPkiPaths } from "../agents/pki/agent-pki";
import { agentStarter, waitUntil } from "../testing/agent-process";
import { AGENT_PATH, AgentListener, readAgentTls } from "../agents/hub/agent-listener";
import { RemoteAgents } from "../agents/hub/remote-agents";
import { buildLink } from "../domain/mesh/mesh-builder";
import { poolOf } from "../db/client";
import { blastRadius } from "../recovery/blast-radius";
import { fingerprintOf } from "../keys/material";

const NODES = [
  { id: "hub-sov", role: "HUB" as const },
  { id: "r1", role: "RELAY" as const },
  { id: "r2", role: "RELAY" as const },
  { id: "ep-far", role: "ENDPOINT" as const },
  { id: "ep-near", role: "ENDPOINT" as const },
  { id: "ep-side", role: "ENDPOINT" as const },
];
// r2--r1 has r2 as its A end: the hop r1 → r2 runs B>A.
const LINKS = [["hub-sov", "r1"], ["r2", "r1"], ["r2", "ep-far"], ["hub-sov", "ep-near"], ["hub-sov", "ep-side"]] as const;
const AGENTS = ["r1", "r2", "ep-far", "ep-near", "ep-side"];

describe("one-time-pad relay with real agent processes", () => {
  let t: TestDatabase; let s: Services<RemoteAgents>; let listener: AgentListener; let port: number; let dir: string;
  const agents = agentStarter({ port: () => port, dir: () => dir, hubPath: AGENT_PATH, allowFaults: true });
  const linkId = (a: string, b: string) => buildLink({ aNodeId: a, bNodeId: b, lengthKm: 10 }).id;

  beforeAll(async () => {
    t = await createTestDatabase(inject("adminUrl"), "otp_relay");
    await t.db.node.createMany({ data: NODES.map((n, i) => ({ id: n.id, name: n.id.toUpperCase(), role: n.role, site: `Site ${i}`, x: i * 100, y: 0 })) });
    await t.db.link.createMany({
      data: LINKS.map(([a, b]) => {
        const l = buildLink({ aNodeId: a, bNodeId: b, lengthKm: 10 });
        return { ...l, poolBits: BigInt(l.poolBits), poolCapacityBits: BigInt(l.poolCapacityBits), bitsConsumed: 0n };
      }),
    });
    dir = mkdtempSync(path.join(tmpdir(), "otp-relay-"));
    await issueAgentPki(path.join(dir, "pki"), AGENTS);
    // Heartbeats every 1 s: an agent drops a hub that leaves 3 beats unanswered, and 3 × 500 ms failed once under load (AgentGoneError mid-relay).
    const remote = new RemoteAgents({ clock: systemClock, receiptTimeoutMs: 5000, heartbeatMs: 1000, missedLimit: 6 });
    s = buildServices(t.db, t.url, testVault(), testCheckpointService(t.db), { agents: remote, receiptTimeoutMs: 5000, backoffMs: () => 0 });
    const p = agentPkiPaths(path.join(dir, "pki"));
    listener = new AgentListener({ db: t.db, runner: s.keys.runner, agents: remote, clock: systemClock, tls: readAgentTls({ ca: p.caCert, cert: p.hubCert, key: p.hubKey }) });
    port = await listener.start(0);
    for (const n of AGENTS) agents.start(n);
    await waitUntil(() => AGENTS.every((n) => !!s.agents.session(n)), 30_000);
  });
  afterAll(async () => { agents.killAll(); await listener?.stop(); await t?.dispose(); });

  const distribute = async (label: string, participants: string[]) => {
    const k = await s.keys.create({ label, purpose: "otp relay", policy: "standard", participants }, ACTOR);
    return s.distribution.distribute(k.id, ACTOR);
  };
  const leakedBy = (node: string): string[] => {
    const file = path.join(dir, node, "leaked.jsonl");
    return existsSync(file) ? readFileSync(file, "utf8").trim().split("\n").filter(Boolean).map((l) => (JSON.parse(l) as { keyId: string }).keyId) : [];
  };

  it("relays keys over three hops; endpoints hold the hub's bytes; pad use agrees at both ends; offsets never repeat; r1's leak is exactly its blast radius", async () => {
    await s.agents.setFault("r1", { leak: true });
    const keys = [];
    for (let i = 0; i < 3; i++) keys.push(await distribute(`far-${i}`, ["ep-far", "ep-near"]));
    for (let i = 0; i < 2; i++) keys.push(await distribute(`side-${i}`, ["ep-near", "ep-side"]));
    for (const r of keys) expect(r.attempts.map((a) => a.outcome)).toEqual(["active"]);
    const far = keys.slice(0, 3).map((r) => r.finalKey.id);
    const side = keys.slice(3).map((r) => r.finalKey.id);

    // The route to ep-far is the three hops, recorded with one pad offset per hop.
    const routes = await t.db.$queryRawUnsafe<Array<{ key_id: string; node_id: string; node_path: string[]; link_path: string[]; pad_offsets: string[] }>>(
      `SELECT key_id::text, node_id, node_path, link_path, pad_offsets::text[] FROM key_routes`);
    for (const id of far) expect(routes.find((r) => r.key_id === id && r.node_id === "ep-far")!.node_path).toEqual(["hub-sov", "r1", "r2", "ep-far"]);
    const used = new Set<string>();
    for (const r of routes) {
      expect(r.pad_offsets).toHaveLength(r.link_path.length);
      r.link_path.forEach((l, i) => {
        const at = `${l}@${r.pad_offsets[i]}`;
        expect(used.has(at), `offset used twice: ${at}`).toBe(false);
        used.add(at);
      });
    }

    // Each endpoint holds exactly what the hub sent (its fingerprint).
    for (const r of keys) {
      const row = await t.db.key.findUniqueOrThrow({ where: { id: r.finalKey.id }, select: { id: true, fingerprint: true, participants: { select: { nodeId: true } } } });
      for (const p of row.participants) expect(await s.agents.agent(p.nodeId).integrity(row.id)).toBe(row.fingerprint);
    }

    // Pad used per hop at both ends, from the levels they report (agents with their heartbeats, the hub directly).
    const usedAt = (link: string, node: string, direction: string) => s.padLevels.get(link).ends.find((e) => e.nodeId === node && e.direction === direction)?.usedBytes;
    const hops: Array<[string, string, string, string, number]> = [
      [linkId("hub-sov", "r1"), "hub-sov", "r1", "A>B", 3 * 32],
      [linkId("r2", "r1"), "r1", "r2", "B>A", 3 * 32],
      [linkId("r2", "ep-far"), "r2", "ep-far", "A>B", 3 * 32],
      [linkId("hub-sov", "ep-near"), "hub-sov", "ep-near", "A>B", 5 * 32],
      [linkId("hub-sov", "ep-side"), "hub-sov", "ep-side", "A>B", 2 * 32],
    ];
    await waitUntil(() => hops.every(([l, from, to, d, n]) => usedAt(l, from, d) === n && usedAt(l, to, d) === n), 10_000);
    for (const [l] of hops) expect(s.padLevels.get(l).desync).toBeNull();

    // The leak: exactly the keys the hub's blast radius for r1 names (and only keys routed through it).
    const client = await poolOf(t.db).connect();
    try {
      const radius = (await blastRadius(client, { type: "node", id: "r1" })).map((k) => k.keyId).sort();
      expect(leakedBy("r1").sort()).toEqual(radius);
      expect(radius).toEqual([...far].sort());
      expect(radius.some((id) => side.includes(id))).toBe(false);
    } finally {
      client.release();
    }
    // What leaked names keys, never their bytes.
    const note = readFileSync(path.join(dir, "r1", "leaked.jsonl"), "utf8");
    expect(note).toMatch(/"fingerprint":"SHA256:/);
    await s.agents.setFault("r1", null);
  });

  it("a desynchronised hop fails its keys (never ACTIVE with other bytes) and marks the link", async () => {
    const last = linkId("r2", "ep-far");
    await s.agents.padSkip("ep-far", last, 7);
    const r = await distribute("far-desync", ["ep-far", "ep-near"]);
    expect(r.attempts[0]!.outcome).toBe("failed");
    expect(r.attempts[0]!.reason).toMatch(new RegExp(`pads of link ${last} \\(A>B\\) disagree`));
    // Marked by the first failure, then by each retry over the same link (the mark names the latest key).
    expect(s.padLevels.get(last).desync).toMatchObject({ linkId: last, direction: "A>B" });
    expect(r.attempts.map((a) => a.keyId)).toContain(s.padLevels.get(last).desync!.keyId);
    // The failed key is nowhere: ep-far stored nothing under it, and it is DESTROYED.
    expect(await s.agents.agent("ep-far").integrity(r.attempts[0]!.keyId)).toBeNull();
    expect((await t.db.key.findUniqueOrThrow({ where: { id: r.attempts[0]!.keyId } })).state).toBe("DESTROYED");
    // The retries end cleanly: ACTIVE with the right bytes, or FAILED (every attempt over the desynchronised link).
    expect(["ACTIVE", "DESTROYED", "FAILED"]).toContain(r.finalKey.state);
    if (r.finalKey.state === "ACTIVE") {
      const row = await t.db.key.findUniqueOrThrow({ where: { id: r.finalKey.id }, select: { fingerprint: true } });
      expect(await s.agents.agent("ep-far").integrity(r.finalKey.id)).toBe(row.fingerprint);
    }

    // Routes avoid the link while its ends disagree: ep-far, behind it alone, cannot be reached.
    const cut = await distribute("far-while-desync", ["ep-far"]);
    expect(cut.attempts[0]!.reason).toMatch(/no path from hub-sov to ep-far/);
    // Resynchronised (both ends realign, audited), keys reach ep-far again with the hub's bytes.
    const rs = await s.padResync.resync(last, "test: devices realigned", ACTOR);
    expect(rs.ends).toEqual([{ nodeId: "r2", realigned: true }, { nodeId: "ep-far", realigned: true }]);
    expect(s.padLevels.get(last).desync).toBeNull();
    await expect(s.padResync.resync(last, "again", ACTOR)).rejects.toThrow(/agree: there is nothing to resynchronise/);
    const audit = await t.db.auditEntry.findFirstOrThrow({ where: { action: "LINK_PADS_RESYNCED", subjectId: last } });
    expect(audit.details).toMatchObject({ direction: "A>B", ends: ["r2", "ep-far"] });
    const back = await distribute("far-after-resync", ["ep-far"]);
    expect(back.finalKey.state).toBe("ACTIVE");
    const backRow = await t.db.key.findUniqueOrThrow({ where: { id: back.finalKey.id }, select: { fingerprint: true } });
    expect(await s.agents.agent("ep-far").integrity(back.finalKey.id)).toBe(backRow.fingerprint);

    // A relay's end out of step: the hub localises it from r1's hop tag.
    const first = linkId("hub-sov", "r1");
    await s.agents.padSkip("r1", first, 3);
    const r2 = await distribute("far-desync-relay", ["ep-far", "ep-near"]);
    expect(r2.attempts[0]!.reason).toMatch(new RegExp(`pads of link ${first} \\(A>B\\) disagree at offset \\d+: relay r1 decrypted other bytes`));
    expect(r2.attempts.map((a) => a.keyId)).toContain(s.padLevels.get(first).desync?.keyId);
    expect(r2.finalKey.state).not.toBe("ACTIVE");
  });

  it("the hub's pool of a link between two agent processes is what their heartbeats reported", async () => {
    const id = linkId("r2", "r1");
    const row = await t.db.link.findUniqueOrThrow({ where: { id } });
    const cap = Number(row.poolCapacityBits);
    // Both ends are agent processes: only their heartbeats (every second) tell the hub their levels.
    await waitUntil(() => s.padLevels.get(id).ends.filter((e) => e.nodeId === "r1" || e.nodeId === "r2").length === 4, 15_000);
    await t.db.link.update({ where: { id }, data: { poolBits: 123n } }); // not what the ends hold
    await s.simulator.tickOnce();
    const pool = Number((await t.db.link.findUniqueOrThrow({ where: { id } })).poolBits);
    const reported = s.padLevels.poolBits(id, cap, new Date());
    expect(reported).not.toBeNull();
    expect(pool).toBeGreaterThan(123);
    // The reports may move on between the tick and this read (a heartbeat lands): a second's production at most.
    expect(Math.abs(pool - reported!)).toBeLessThanOrEqual(row.secretKeyRateBps * 2);
  });

  it("no agent log line holds key material", async () => {
    const logs = agents.procs.map((p) => p.output()).join("\n");
    expect(logs).toMatch(/key relayed/);
    const rows = await t.db.key.findMany({ where: { state: "ACTIVE" }, select: { id: true, materialCiphertext: true, materialNonce: true } });
    expect(rows.length).toBeGreaterThan(0);
    for (const k of rows) {
      const [hex, b64] = s.keys.vault.withMaterial(k.id, { ciphertext: k.materialCiphertext!, nonce: k.materialNonce! }, (m) => [m.toString("hex"), m.toString("base64")]);
      expect(logs).not.toContain(hex);
      expect(logs).not.toContain(b64);
      expect(fingerprintOf(Buffer.from(hex!, "hex"))).toMatch(/^SHA256:/);
    }
  });
});
