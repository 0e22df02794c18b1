/**
 * Seeds the demo with its keys delivered to the demo's agent processes
 * (KEY-DELIVERY.md §6.7): the launcher runs a hub listener of its own on the
 * agent port, with the Agent PKI's hub certificate, before the console
 * starts. The seed creates the mesh, waits until the agents of the nodes that
 * hold its keys (and any others the caller names) have connected, then delivers every key through the real
 * distribution path and RemoteAgents, so the agents' sealed stores hold the
 * demo's ACTIVE keys with the fingerprints the console lists. The listener's
 * audit entries (AGENT_CONNECTED, AGENT_DISCONNECTED) go through the seed's
 * runner and join its history. When the seed is done the listener stops and
 * the agents dial the console's own listener (they reconnect by themselves).
 */
import type { Db } from "../db/client";
import type { KeyVault } from "../keys/key-vault";
import type { TransitionRunner } from "../commit/transition-runner";
import { AgentListener, type AgentTls } from "../agents/hub/agent-listener";
import { RemoteAgents } from "../agents/hub/remote-agents";
import { systemClock } from "../time/clock";
import { seedDemo } from "./demo-seed";

export interface SeedThroughAgentsOptions {
  /** The agent port's PEM files (the dev Agent PKI's CA, hub certificate and key). */
  tls: AgentTls;
  port: number;
  host: string;
  /**
   * The nodes whose agents must have connected before the first key (default: the key holders). The launchers name
   * every agent they started: once all have booted, they dial the console back within their backoff after the seed.
   */
  awaitNodes?: readonly string[];
  /** How long to wait for the agents to connect (default 120 s: agents start slowly on a busy machine). */
  connectTimeoutMs?: number;
  /** Where a line of progress goes (the launcher's console). */
  progress?(line: string): void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Seeds an empty database with the demo, delivering its keys to the agent processes that dial host:port. */
export async function seedDemoThroughAgents(db: Db, vault: KeyVault, o: SeedThroughAgentsOptions): Promise<{ nodes: number; links: number; keys: number; waitedMs: number }> {
  const agents = new RemoteAgents({ clock: systemClock, receiptTimeoutMs: 10_000, heartbeatMs: 1_000, missedLimit: 3 });
  let listener: AgentListener | null = null;
  let runner: TransitionRunner | null = null;
  let waitedMs = 0;
  try {
    const r = await seedDemo(db, vault, {
      agents,
      receiptTimeoutMs: 10_000,
      agentsReady: async (seedRunner, holders) => {
        runner = seedRunner;
        listener = new AgentListener({ db, runner: seedRunner, agents, clock: systemClock, tls: o.tls });
        await listener.start(o.port, o.host);
        const started = performance.now();
        const deadline = started + (o.connectTimeoutMs ?? 120_000);
        let told = started;
        for (;;) {
          const missing = [...new Set([...holders, ...(o.awaitNodes ?? [])])].filter((n) => !agents.session(n));
          if (missing.length === 0) break;
          const now = performance.now();
          if (now > deadline) {
            throw new Error(`the agents of ${missing.join(", ")} did not connect within ${Math.round((now - started) / 1000)} s (see their logs under the data folder's agents/)`);
          }
          if (now - told >= 5_000) {
            told = now;
            o.progress?.(`Seeding the demo: waiting for ${missing.length} agent(s) to connect (${missing.slice(0, 6).join(", ")}${missing.length > 6 ? ", …" : ""})`);
          }
          await sleep(100);
        }
        waitedMs = Math.round(performance.now() - started);
      },
    });
    return { ...r, waitedMs };
  } finally {
    const l = listener as AgentListener | null;
    if (l) {
      await l.stop();
      // Each closed session is audited (AGENT_DISCONNECTED) from its close event: let those land before the caller
      // disconnects the database. A no-op job queued after them commits after them.
      for (let i = 0; i < 50 && agents.connected().length > 0; i++) await sleep(20);
      const r = runner as TransitionRunner | null;
      await r?.submit({ keyIds: [], run: () => undefined }).catch(() => undefined);
    }
  }
}
