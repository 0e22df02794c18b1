/**
 * The demo seed through agent processes (server/demo/demo-seed-agents.ts): the
 * key holders' agents are started as the demo launcher starts them, the seed
 * waits for them on its own listener, and afterwards every ACTIVE or ROTATING
 * key is in each confirmed holder's sealed store with the fingerprint the hub
 * recorded; keys that were never delivered are in no store; the listener's
 * connections are in the audit chain, in time order.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { readAgentTls } from "../agents/hub/agent-listener";
import { agentPkiPaths } from "../agents/pki/agent-pki-paths";
import { testVault } from "../testing/fixtures";
import { createTestDatabase, type TestDatabase } from "../testing/test-database";
import { demoAgentPaths, issueDemoPki, startDemoAgents } from "./demo-agents";
import { DEMO_KEY_HOLDERS, DEMO_RELAYS } from "./demo-seed";
import { seedDemoThroughAgents } from "./demo-seed-agents";

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });

describe("the demo seed delivers its keys to agent processes", () => {
  let t: TestDatabase;
  let dir: string;
  let agents: ReturnType<typeof startDemoAgents> | null = null;
  beforeAll(async () => {
    t = await createTestDatabase(inject("adminUrl"), "demo_agents");
    dir = mkdtempSync(path.join(tmpdir(), "demo-seed-agents-"));
  });
  afterAll(async () => {
    await agents?.stop();
    await t.dispose();
  });

  it("the holders' sealed stores hold every live key with its recorded fingerprint, and nothing else", async () => {
    await issueDemoPki(dir);
    const port = await freePort();
    agents = startDemoAgents({ root: path.join(import.meta.dirname, "..", ".."), dataDir: dir, hubPort: port, nodeIds: [...DEMO_KEY_HOLDERS, ...DEMO_RELAYS], env: { QECNET_AGENT_LOG_LEVEL: "warn" } });
    for (const n of DEMO_KEY_HOLDERS) expect(Number(readFileSync(demoAgentPaths(dir, n).pid, "utf8"))).toBe(agents.children.get(n)!.pid);
    const pki = agentPkiPaths(path.join(dir, "pki"));
    const r = await seedDemoThroughAgents(t.db, testVault(), { tls: readAgentTls({ ca: pki.caCert, cert: pki.hubCert, key: pki.hubKey }), port, host: "127.0.0.1", connectTimeoutMs: 60_000 });
    expect(r.keys).toBeGreaterThan(5);

    const stored = (node: string) => {
      const keys = path.join(demoAgentPaths(dir, node).data, "keys");
      return new Map(readdirSync(keys).filter((f) => f.endsWith(".sealed")).map((f) => {
        const rec = JSON.parse(readFileSync(path.join(keys, f), "utf8")) as { keyId: string; fingerprint: string };
        return [rec.keyId, rec.fingerprint] as const;
      }));
    };
    const live = await t.db.key.findMany({ where: { state: { in: ["ACTIVE", "ROTATING"] } }, include: { participants: true } });
    expect(live.length).toBeGreaterThanOrEqual(3);
    for (const k of live) {
      for (const p of k.participants) expect(stored(p.nodeId).get(k.id), `${k.label} at ${p.nodeId}`).toBe(k.fingerprint);
    }
    // A key routed but never delivered (dc-backup-stream, waiting for receipts) or failed before delivery is in no store.
    const undelivered = await t.db.key.findMany({ where: { OR: [{ label: "dc-backup-stream" }, { label: "hospital-records", distributionAttempt: 1 }] }, select: { id: true } });
    for (const n of DEMO_KEY_HOLDERS) for (const k of undelivered) expect(stored(n).has(k.id)).toBe(false);
    // The key in mid-rotation: its successor was delivered to ep-ministry only, with the agent's own receipt.
    const ministry2 = await t.db.key.findFirstOrThrow({ where: { label: "ministry-voice", state: "DISTRIBUTED" }, include: { participants: true } });
    expect(stored("ep-ministry").get(ministry2.id)).toBe(ministry2.fingerprint);
    expect(ministry2.participants.find((p) => p.nodeId === "ep-bank")!.confirmedAt).toBeNull();

    const connected = await t.db.auditEntry.findMany({ where: { action: { in: ["AGENT_CONNECTED", "AGENT_DISCONNECTED"] } }, orderBy: { seq: "asc" } });
    expect(connected.filter((e) => e.action === "AGENT_CONNECTED").map((e) => e.subjectId).sort()).toEqual([...DEMO_KEY_HOLDERS, ...DEMO_RELAYS].sort());
    expect(connected.filter((e) => e.action === "AGENT_DISCONNECTED")).toHaveLength(DEMO_KEY_HOLDERS.length + DEMO_RELAYS.length);
    const all = await t.db.auditEntry.findMany({ orderBy: { seq: "asc" }, select: { at: true } });
    for (let i = 1; i < all.length; i++) expect(all[i]!.at.getTime()).toBeGreaterThanOrEqual(all[i - 1]!.at.getTime());
    expect(existsSync(path.join(dir, "agents", "ep-bank", "store.json"))).toBe(true);
  }, 120_000);
});
