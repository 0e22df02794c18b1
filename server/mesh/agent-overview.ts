/**
 * The node agents at a glance (the wall's summary, `mesh.agents`): when
 * agents are processes, how many of the mesh's nodes have one connected and
 * heard from, and which nodes' agents are silent (connected, heartbeats late)
 * or disconnected; with the in-process test double, only that. Built from the
 * same per-node status as the Mesh node panel (agentStatusOf), in one read
 * for all nodes instead of one `mesh.node` per node. Browser-safe facts only.
 */
import { agentStatusOf, type AgentStatusView } from "../agents/hub/agent-status";
import { RemoteAgents } from "../agents/hub/remote-agents";
import type { AgentDirectory } from "../agents/node-agent";

/** A node whose agent needs a look. */
export interface AgentAttention {
  nodeId: string;
  name: string;
  /** Silent: its last heartbeat; disconnected: null (nothing is connected to say when). */
  lastHeartbeatAt: Date | null;
}

export type AgentOverview =
  | { mode: "in-process"; nodes: number }
  | {
      mode: "process";
      /** Nodes in the mesh (each has an agent of its own). */
      total: number;
      /** Agents connected and heard from within the heartbeat limit. */
      connected: number;
      /** Connected, but no heartbeat within the limit; oldest heartbeat first. */
      silent: AgentAttention[];
      /** No agent connected to this or another console instance; by name. */
      disconnected: AgentAttention[];
    };

/** Pure: the overview from each node's status. */
export function summarizeAgents(mode: AgentOverview["mode"], nodes: ReadonlyArray<{ id: string; name: string; agent: AgentStatusView }>): AgentOverview {
  if (mode === "in-process") return { mode, nodes: nodes.length };
  let connected = 0;
  const silent: AgentAttention[] = [];
  const disconnected: AgentAttention[] = [];
  for (const n of nodes) {
    const a = n.agent;
    if (a.mode !== "process" || !a.connected) disconnected.push({ nodeId: n.id, name: n.name, lastHeartbeatAt: null });
    else if (!a.healthy) silent.push({ nodeId: n.id, name: n.name, lastHeartbeatAt: a.lastHeartbeatAt });
    else connected++;
  }
  silent.sort((x, y) => x.lastHeartbeatAt!.getTime() - y.lastHeartbeatAt!.getTime() || x.name.localeCompare(y.name));
  disconnected.sort((x, y) => x.name.localeCompare(y.name));
  return { mode, total: nodes.length, connected, silent, disconnected };
}

export function agentOverview(agents: AgentDirectory, nodes: ReadonlyArray<{ id: string; name: string }>): AgentOverview {
  const mode = agents instanceof RemoteAgents ? "process" : "in-process";
  return summarizeAgents(mode, nodes.map((n) => ({ id: n.id, name: n.name, agent: agentStatusOf(agents, n.id) })));
}
