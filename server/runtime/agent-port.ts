/**
 * Starts the hub's agent port in this console process when agents are
 * processes (QECNET_AGENTS=process): the mTLS WebSocket listener that agents
 * dial (server/agents/hub/agent-listener.ts), with its PEM files from the
 * environment (default <data dir>/pki/, as `npm run pki:dev` writes them), and
 * a periodic duty that pings every session (dropping half-open sockets) and
 * reports the connected agents on /api/ready; and the agent relay, through
 * which this instance reaches agents connected to other console instances of
 * the same database, and they reach this one's (server/agents/hub/agent-relay.ts).
 */
import path from "node:path";
import type { Logger } from "pino";
import { AgentListener, readAgentTls } from "../agents/hub/agent-listener";
import { AgentRelay } from "../agents/hub/agent-relay";
import { poolOf } from "../db/client";
import { isRemoteAgents } from "../agents/hub/remote-agents";
import { startPeriodicDuty } from "../background/periodic-duty";
import type { TEnv } from "../config/env";
import type { HubAgents, Services } from "./services";
import { metrics } from "../ops/metrics";

/** The PEM paths of the agent port: each from its variable, else the dev PKI layout under <data dir>/pki. */
export function agentTlsPaths(e: TEnv): { ca: string; cert: string; key: string } {
  const dir = path.join(e.dataDir, "pki");
  return {
    ca: e.QECNET_AGENT_CA ?? path.join(dir, "agent-ca.crt"),
    cert: e.QECNET_AGENT_HUB_CERT ?? path.join(dir, "agent-hub.crt"),
    key: e.QECNET_AGENT_HUB_KEY ?? path.join(dir, "agent-hub.key"),
  };
}

/** Listens for agents; resolves with the function that stops the port. Throws (with the file to fix) when the PEM files are missing. */
export async function startAgentPort(s: Services<HubAgents>, e: TEnv, log: Logger): Promise<() => void> {
  if (!isRemoteAgents(s.agents)) throw new Error("the agent port needs QECNET_AGENTS=process (the services were built with in-process agents)");
  const agents = s.agents;
  const listener = new AgentListener({
    db: s.db,
    runner: s.keys.runner,
    agents,
    clock: s.keys.clock,
    tls: readAgentTls(agentTlsPaths(e)),
    onIntegrityLoss: (nodeId, loss) => s.recovery.integrityLoss(nodeId, loss),
    kme: s.kme,
    onKmeCounts: (nodeId, counts) => {
      for (const c of counts) metrics().etsi014Requests.inc({ kme: nodeId, method: c.endpoint ?? "other", status: String(c.status), reason: c.reason ?? "ok" }, c.n);
    },
    log,
  });
  const port = await listener.start(e.QECNET_AGENT_PORT, e.QECNET_AGENT_HOST);
  log.info({ port, host: e.QECNET_AGENT_HOST }, "agent port listening (wss, mutual TLS)");
  const relay = new AgentRelay({ db: s.db, url: poolOf(s.db).options.connectionString ?? "", agents, vault: s.keys.vault, clock: s.keys.clock, log });
  await relay.start();
  const stopDuty = startPeriodicDuty({
    name: "agent-port",
    everyMs: Math.max(1_000, e.QECNET_AGENT_HEARTBEAT_MS * e.QECNET_AGENT_MISSED_LIMIT),
    round: async () => {
      listener.checkLiveness();
      await relay.sessions(); // keeps the cache the node panel and this report read
    },
    log,
    clock: s.keys.clock,
    status: (state) => {
      const nodes = agents.connected().map((x) => x.nodeId).sort();
      const elsewhere = [...relay.cachedSessions()].filter((p) => p.instanceId !== relay.instanceId).length;
      return {
        ok: state.lastError === null,
        detail: state.lastError
          ? `last round failed: ${state.lastError}`
          : `listening on ${e.QECNET_AGENT_HOST}:${port}; ${nodes.length} agent(s) connected${nodes.length ? ` (${nodes.join(", ")})` : ""}; ${elsewhere} reached through other console instances`,
        lastSuccessAt: state.lastSuccessAt,
      };
    },
  });
  return () => {
    stopDuty();
    void relay.stop().then(() => listener.stop());
  };
}
