/**
 * The ETSI 014 end-to-end rig that tests and `bench:kme` share: a fresh
 * database with the demo mesh, the real hub (KmeHub behind the AgentListener),
 * one real agent process per site hosting that site's KME on an ephemeral
 * port, one per trusted relay next to a site (keys reach the sites hop by hop
 * through them, with link pads), the Agent and KME PKIs, registered and paired applications, and the
 * pools filled through real distribution. It can also break things the way a
 * crash would: SIGKILL an agent and start it again on the same store, or drop
 * the hub (its sockets cut without a close frame, its services and database
 * connections thrown away) and build a new one on the same database and port,
 * to which the agents reconnect on their own.
 *
 * Agents log to files in the run's folder (not through this process's pipes,
 * which a long bench would pay for); `output()` reads the file.
 */
import { spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Agent } from "node:https";
import { AGENT_PATH, AgentListener, readAgentTls } from "../agents/hub/agent-listener";
import { RemoteAgents } from "../agents/hub/remote-agents";
import { agentPkiPaths, issueAgentPki } from "../agents/pki/agent-pki";
import { createPrismaClient, poolOf, type Db } from "../db/client";
import { dropDatabase } from "../db/database-admin";
import { demoMesh } from "../demo/demo-topology";
import type { KmeHub } from "../kme/hub/kme-hub";
import { poolStock } from "../kme/hub/pool-queries";
import { PoolReplenisher } from "../kme/hub/pool-replenisher";
import { issueKmePki, kmePkiPaths } from "../kme/pki/kme-pki";
import { SaeRegistry } from "../kme/registry/sae-registry";
import type { KeyVault } from "../keys/key-vault";
import { buildServices, type Services } from "../runtime/services";
import { systemClock, type Clock } from "../time/clock";
import { waitUntil, type AgentProcess } from "./agent-process";
import { testCheckpointService } from "./checkpoint-fixtures";
import { etsi014Agent, etsi014Request, type Etsi014ClientResponse, type Etsi014ClientTls } from "./etsi014-client";
import { ACTOR, testVault, writeMesh } from "./fixtures";
import { createTestDatabase } from "./test-database";

const ROOT = path.join(import.meta.dirname, "..", "..");

export interface KmeHarnessOptions {
  adminUrl: string;
  /** Database name tag. */
  tag: string;
  sites?: readonly string[];
  saes: ReadonlyArray<{ saeId: string; nodeId: string }>;
  /** [a, b] pairs to register (either may be master). */
  pairs: ReadonlyArray<readonly [string, string]>;
  /** max_key_count and the replenisher's target. */
  poolTarget: number;
  /** New keys per pool per replenisher round (default: poolTarget). */
  perRound?: number;
  clock?: Clock;
  /** Agents started with --allow-faults, and extra environment for them (test hooks). */
  allowFaults?: boolean;
  agentEnv?: Record<string, string>;
  /** Tell holders to purge right after each batch that ends keys, as the server does (default off, as in tests). */
  purgeOnCommit?: boolean;
  /** Where the run's folder goes (default the OS temp folder). */
  tmp?: string;
  /** Runs once the demo mesh is written, before any key exists (a bench enlarges the links' pads here). */
  onDatabase?(db: Db): Promise<void>;
}

export type KmeHarnessServices = Services<RemoteAgents>;

export class KmeHarness {
  readonly sites: readonly string[];
  /** The trusted relays next to the sites: keys reach the sites hop by hop through their agents (issue 18). */
  relays: string[] = [];
  readonly agents = new Map<string, AgentProcess>();
  readonly kmePort = new Map<string, number>();
  s!: KmeHarnessServices;
  hub!: KmeHub;
  replenisher!: PoolReplenisher;
  registry!: SaeRegistry;
  hubPort = 0;
  private listener: AgentListener | null = null;
  private readonly vault: KeyVault = testVault();
  private readonly tlsCache = new Map<string, Etsi014ClientTls>();
  private agentRuns = 0;

  private constructor(
    readonly o: KmeHarnessOptions,
    readonly url: string,
    public db: Db,
    readonly dir: string,
  ) {
    this.sites = o.sites ?? ["ep-bank", "ep-stock"];
  }

  /** Database, PKI, hub, one agent (with its KME) per site, the registry and pairs, and full pools. */
  static async start(o: KmeHarnessOptions): Promise<KmeHarness> {
    const t = await createTestDatabase(o.adminUrl, o.tag);
    const h = new KmeHarness(o, t.url, t.db, mkdtempSync(path.join(o.tmp ?? tmpdir(), "qecnet-kme-")));
    try {
      await writeMesh(h.db, demoMesh());
      await o.onDatabase?.(h.db);
      h.relays = await relaysNextTo(h.db, h.sites);
      await issueAgentPki(h.pkiDir, [...h.sites, ...h.relays]);
      await issueKmePki(h.pkiDir, { nodeIds: [...h.sites], saeIds: o.saes.map((x) => x.saeId) });
      await h.startHub(0);
      await Promise.all([...h.sites.map((n) => h.startAgent(n)), ...h.relays.map((n) => h.startAgent(n, {}, { kme: false }))]);
      const registry = new SaeRegistry(h.db, h.s.keys.runner);
      for (const x of o.saes) await registry.register(x, ACTOR);
      for (const [a, b] of o.pairs) await registry.pair(a, b, ACTOR);
      await h.fill();
      return h;
    } catch (e) {
      await h.dispose();
      throw e;
    }
  }

  get pkiDir(): string {
    return path.join(this.dir, "pki");
  }

  /** The SAE's TLS identity: its SAE-CA certificate and key, and the KME CA to check the server. */
  tlsOf(saeId: string): Etsi014ClientTls {
    let tls = this.tlsCache.get(saeId);
    if (!tls) {
      const p = kmePkiPaths(this.pkiDir);
      tls = { ca: readFileSync(p.kmeCaCert), cert: readFileSync(p.saeCert(saeId)), key: readFileSync(p.saeKey(saeId)) };
      this.tlsCache.set(saeId, tls);
    }
    return tls;
  }

  /** A keep-alive client agent for one SAE. */
  clientAgent(saeId: string, maxSockets = 4): Agent {
    return etsi014Agent(this.tlsOf(saeId), maxSockets);
  }

  /** One ETSI 014 call of `saeId` to `site`'s KME: `pathAndQuery` follows /api/v1/keys/. */
  call(site: string, saeId: string, method: string, pathAndQuery: string, body?: object | string, agent?: Agent): Promise<Etsi014ClientResponse> {
    return etsi014Request({ url: `https://127.0.0.1:${this.kmePort.get(site)}/api/v1/keys/${pathAndQuery}`, method, body, tls: this.tlsOf(saeId), agent });
  }

  /** One replenisher round after another until no pool gets new keys (each pool at its target, or the links dry). */
  async fill(): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const r = await this.replenisher.round();
      if (r && r.every((p) => p.created === 0)) return;
    }
  }

  /** Keys of a pool ready to hand out now (ACTIVE, unassigned). */
  async servable(sites: readonly string[] = this.sites): Promise<number> {
    return (await poolStock(poolOf(this.db), sites)).servable;
  }

  // ------------------------------------------------------------------ agents

  /** Starts the site's agent (on its existing store, if any) and waits for its KME port (a relay has none) and its hub session. */
  async startAgent(nodeId: string, env: Record<string, string> = {}, o: { kme?: boolean } = {}): Promise<AgentProcess> {
    const kme = o.kme ?? true;
    const log = path.join(this.dir, `${nodeId}.${++this.agentRuns}.log`);
    const fd = openSync(log, "a");
    const args = ["--node", nodeId, "--hub", `wss://127.0.0.1:${this.hubPort}${AGENT_PATH}`, "--data", path.join(this.dir, nodeId), "--pki", this.pkiDir, ...(kme ? ["--kme", "127.0.0.1:0"] : []),
      ...(this.o.allowFaults ? ["--allow-faults"] : [])];
    const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts", "agent.ts"), ...args], {
      cwd: ROOT,
      env: { ...process.env, QECNET_AGENT_LOG_LEVEL: "info", ...this.o.agentEnv, ...env },
      stdio: ["ignore", fd, fd],
    });
    closeSync(fd);
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    const p: AgentProcess = { child, exited, output: () => readFileSync(log, "utf8") };
    this.agents.set(nodeId, p);
    if (kme) {
      await waitUntil(() => /"kmePort":(\d+)/.test(p.output()), 30_000);
      this.kmePort.set(nodeId, Number(/"kmePort":(\d+)/.exec(p.output())![1]));
    }
    // This process's own link, welcomed by the hub: right after a kill -9 the hub may still hold the old process's
    // session for a moment, so a session for the node alone does not say that this agent can serve yet.
    await waitUntil(() => /"msg":"connected to the hub"/.test(p.output()), 30_000);
    await waitUntil(() => !!this.s.agents.session(nodeId), 30_000);
    return p;
  }

  /** kill -9 of the site's agent; resolves once the process is gone. */
  async killAgent(nodeId: string): Promise<void> {
    const p = this.agents.get(nodeId);
    if (!p) return;
    p.child.kill("SIGKILL");
    await p.exited;
  }

  /** Every log line the site's agent runs wrote so far. */
  agentLogs(): string {
    return [...this.agents.values()].map((a) => a.output()).join("\n");
  }

  // ------------------------------------------------------------------ hub

  private async startHub(port: number): Promise<void> {
    const remote = new RemoteAgents({ clock: systemClock, receiptTimeoutMs: 5000, heartbeatMs: 1000, missedLimit: 3 });
    this.s = buildServices(this.db, this.url, this.vault, testCheckpointService(this.db), {
      agents: remote, receiptTimeoutMs: 5000, backoffMs: () => 0, clock: this.o.clock, purgeOnCommit: this.o.purgeOnCommit,
      kme: { poolTarget: this.o.poolTarget },
    });
    this.hub = this.s.kme;
    this.registry = this.s.saes;
    this.replenisher = new PoolReplenisher(this.s.keys, this.s.distribution, { poolTarget: this.o.poolTarget, perRound: this.o.perRound ?? this.o.poolTarget });
    const p = agentPkiPaths(this.pkiDir);
    this.listener = new AgentListener({
      db: this.db, runner: this.s.keys.runner, agents: remote, clock: systemClock,
      tls: readAgentTls({ ca: p.caCert, cert: p.hubCert, key: p.hubKey }), kme: this.hub,
    });
    this.hubPort = await this.listener.start(port);
  }

  /**
   * The hub dies as a killed process would: every agent socket cut without a close frame, the port closed, and the
   * services with everything they held in memory (runner, sessions, caches) and their database connections dropped.
   */
  async crashHub(): Promise<void> {
    for (const session of this.s.agents.connected()) session.ws.terminate();
    await this.listener?.stop();
    this.listener = null;
    await this.db.$disconnect();
  }

  /** A new hub process on the same database and port: fresh services and listener; waits until every agent is back. */
  async restartHub(): Promise<void> {
    const welcomed = (n: string) => (this.agents.get(n)?.output().match(/"msg":"connected to the hub"/g) ?? []).length;
    const all = [...this.sites, ...this.relays];
    const before = new Map(all.map((n) => [n, welcomed(n)]));
    this.db = createPrismaClient(this.url);
    await this.startHub(this.hubPort);
    await waitUntil(() => all.every((n) => !!this.s.agents.session(n)), 30_000);
    // The hub holds a session from the agent's hello on; the agent's KME serves only once it has the welcome.
    await waitUntil(() => all.every((n) => welcomed(n) > before.get(n)!), 30_000);
  }

  async dispose(): Promise<void> {
    for (const a of this.agents.values()) a.child.kill("SIGKILL");
    await this.listener?.stop().catch(() => undefined);
    await this.db.$disconnect().catch(() => undefined);
    await dropDatabase(this.url).catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The RELAY nodes linked to any of the sites (the last hop of their routes from the hub). */
async function relaysNextTo(db: Db, sites: readonly string[]): Promise<string[]> {
  const links = await db.link.findMany({ where: { OR: [{ aNodeId: { in: [...sites] } }, { bNodeId: { in: [...sites] } }] }, select: { aNodeId: true, bNodeId: true } });
  const peers = [...new Set(links.flatMap((l) => [l.aNodeId, l.bNodeId]))].filter((n) => !sites.includes(n));
  const relays = await db.node.findMany({ where: { id: { in: peers }, role: "RELAY" }, select: { id: true } });
  return relays.map((r) => r.id).sort();
}
