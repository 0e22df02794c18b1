/** The node agents at a glance (summarizeAgents, pure): counted, the silent and the disconnected named. */
import { describe, expect, it } from "vitest";
import type { AgentStatusView } from "../agents/hub/agent-status";
import { summarizeAgents } from "./agent-overview";

const at = (s: number) => new Date(Date.UTC(2026, 5, 1, 10, 0, s));
const up = (healthy: boolean, lastS: number): AgentStatusView => ({
  mode: "process", connected: true, healthy, agentVersion: "1.0.0", storeId: "s", connectedAt: at(0), lastHeartbeatAt: at(lastS), heldKeys: 3, viaOtherInstance: false,
});
const down: AgentStatusView = { mode: "process", connected: false };

describe("summarizeAgents", () => {
  it("counts connected and heard-from agents, names the silent (oldest heartbeat first) and the disconnected (by name)", () => {
    const o = summarizeAgents("process", [
      { id: "hub", name: "Hub", agent: up(true, 50) },
      { id: "z", name: "Zurich", agent: down },
      { id: "b", name: "Bern", agent: up(false, 20) },
      { id: "a", name: "Aarau", agent: down },
      { id: "g", name: "Geneva", agent: up(false, 10) },
      { id: "l", name: "Lugano", agent: up(true, 55) },
    ]);
    expect(o).toEqual({
      mode: "process",
      total: 6,
      connected: 2,
      silent: [{ nodeId: "g", name: "Geneva", lastHeartbeatAt: at(10) }, { nodeId: "b", name: "Bern", lastHeartbeatAt: at(20) }],
      disconnected: [{ nodeId: "a", name: "Aarau", lastHeartbeatAt: null }, { nodeId: "z", name: "Zurich", lastHeartbeatAt: null }],
    });
  });

  it("all connected: nothing to name", () => {
    expect(summarizeAgents("process", [{ id: "a", name: "A", agent: up(true, 1) }])).toEqual({ mode: "process", total: 1, connected: 1, silent: [], disconnected: [] });
  });

  it("with in-process agents says only that, and how many nodes", () => {
    expect(summarizeAgents("in-process", [{ id: "a", name: "A", agent: { mode: "in-process" } }, { id: "b", name: "B", agent: { mode: "in-process" } }])).toEqual({ mode: "in-process", nodes: 2 });
  });
});
