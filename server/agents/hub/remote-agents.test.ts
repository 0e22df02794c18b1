/** RemoteAgents' startup grace: a node with no session is awaited (neither silent nor answering) until the agents had time to dial back in. */
import { describe, expect, it } from "vitest";
import { manualClock } from "../../time/clock";
import { AgentAwaitedError } from "../node-agent";
import { AgentSilentError, RemoteAgents, isRemoteAgents } from "./remote-agents";

describe("RemoteAgents startup grace", () => {
  it("counts a node without a session as awaited until the port listened for missedLimit × heartbeatMs + 10 s, then as silent", async () => {
    const clock = manualClock("2026-06-01T10:00:00Z");
    const agents = new RemoteAgents({ clock, receiptTimeoutMs: 500, heartbeatMs: 1000, missedLimit: 3 });
    await expect(agents.agent("ep-bank").heartbeat()).rejects.toBeInstanceOf(AgentAwaitedError); // not listening yet
    agents.markListening();
    clock.advance(12_999);
    await expect(agents.agent("ep-bank").heartbeat()).rejects.toBeInstanceOf(AgentAwaitedError);
    clock.advance(1);
    await expect(agents.agent("ep-bank").heartbeat()).rejects.toBeInstanceOf(AgentSilentError);
  });

  it("takes its grace from the options (0: silent as soon as the port listens)", async () => {
    const clock = manualClock("2026-06-01T10:00:00Z");
    const agents = new RemoteAgents({ clock, receiptTimeoutMs: 500, heartbeatMs: 100, missedLimit: 3, startupGraceMs: 0 });
    agents.markListening();
    await expect(agents.agent("node-a").heartbeat()).rejects.toThrow(/no agent connected/);
  });
});

describe("isRemoteAgents", () => {
  it("recognises the directory by its marker, so a second copy of the class (another Next.js bundle) still counts", () => {
    const agents = new RemoteAgents({ clock: manualClock(0), receiptTimeoutMs: 500, heartbeatMs: 1000, missedLimit: 3 });
    expect(isRemoteAgents(agents)).toBe(true);
    expect(isRemoteAgents({ ...agents, kind: agents.kind } as unknown as RemoteAgents)).toBe(true);
    expect(isRemoteAgents({ agent: () => { throw new Error("unused"); } })).toBe(false);
  });
});
