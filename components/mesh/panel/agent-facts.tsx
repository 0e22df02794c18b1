/** The node's agent as the hub sees it: an agent process (connected or not, version, store, last heartbeat, keys it holds) or the in-process test double. */
import type { RouterOutputs } from "@/components/trpc/router-types";
import { RelativeTime } from "@/components/ui/relative-time";
import { Facts, PanelSection } from "./panel-section";

export type AgentStatus = RouterOutputs["mesh"]["node"]["agent"];

export function AgentFacts({ agent }: { agent: AgentStatus }) {
  if (agent.mode === "in-process") {
    return (
      <PanelSection title="Agent" testId="node-agent">
        <p className="text-base text-slate-300" data-testid="node-agent-state" data-state="in-process">Simulated in the console process (no agent process).</p>
      </PanelSection>
    );
  }
  if (!agent.connected) {
    return (
      <PanelSection title="Agent" testId="node-agent">
        <p className="text-base text-amber-300" data-testid="node-agent-state" data-state="disconnected">No agent process is connected: the node cannot receive keys.</p>
      </PanelSection>
    );
  }
  return (
    <PanelSection title="Agent" testId="node-agent">
      <Facts
        items={[
          ["Process", <span key="p" data-testid="node-agent-state" data-state={agent.healthy ? "connected" : "silent"}>{agent.healthy ? "connected" : "connected, heartbeats missing"}{agent.viaOtherInstance ? " (to another console instance)" : ""}</span>],
          ["Version", agent.agentVersion, "node-agent-version"],
          ["Store", <span key="s" className="font-mono text-sm">{agent.storeId}</span>],
          ["Connected", <RelativeTime key="c" date={agent.connectedAt} />],
          ["Last heartbeat", <RelativeTime key="h" date={agent.lastHeartbeatAt} />, "node-agent-heartbeat"],
          ["Keys held", agent.heldKeys, "node-agent-held"],
        ]}
      />
    </PanelSection>
  );
}
