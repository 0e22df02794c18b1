/**
 * What the Mesh node panel shows about a node's agent: for agent processes,
 * whether one is connected, its version and store, when it connected, its
 * last heartbeat and how many keys it says it holds; for the in-process test
 * double, only that. Browser-safe facts only (no key ids, no material).
 */
import type { AgentDirectory } from "../node-agent";
import { isRemoteAgents } from "./remote-agents";

export type AgentStatusView =
  | { mode: "in-process" }
  | { mode: "process"; connected: false }
  | { mode: "process"; connected: true; healthy: boolean; agentVersion: string; storeId: string; connectedAt: Date; lastHeartbeatAt: Date; heldKeys: number; viaOtherInstance: boolean };

export function agentStatusOf(agents: AgentDirectory, nodeId: string): AgentStatusView {
  // Not instanceof: Next.js bundles the tRPC routes apart from instrumentation.ts, which built the services, so the
  // RemoteAgents class a route sees is another copy of it. The directory says what it is.
  if (!isRemoteAgents(agents)) return { mode: "in-process" };
  const s = agents.session(nodeId);
  if (!s) {
    // Connected to another console instance of this database: what that instance last published.
    const p = agents.relay?.cachedSession(nodeId);
    if (!p || p.instanceId === agents.relay?.instanceId) return { mode: "process", connected: false };
    const silentMs = agents.opts.clock().getTime() - p.lastHeartbeatAt.getTime();
    return {
      mode: "process", connected: true, healthy: silentMs <= (agents.opts.missedLimit + 1) * agents.opts.heartbeatMs + 500, agentVersion: p.agentVersion, storeId: p.storeId,
      connectedAt: p.connectedAt, lastHeartbeatAt: p.lastHeartbeatAt, heldKeys: p.heldKeys, viaOtherInstance: true,
    };
  }
  return {
    mode: "process", connected: true, healthy: agents.healthy(s), agentVersion: s.info.agentVersion, storeId: s.info.storeId,
    connectedAt: s.info.connectedAt, lastHeartbeatAt: s.lastHeartbeatAt, heldKeys: s.heldKeys, viaOtherInstance: false,
  };
}
