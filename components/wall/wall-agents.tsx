"use client";
/**
 * The node agents on the wall (issue 17), from `mesh.agents` (one read for
 * all nodes, refreshed with the live figures): with agent processes, "agents
 * connected N/M" as a figure and, when some are not, the nodes whose agent is
 * silent (heartbeats late) or disconnected, named in words; with the
 * in-process test double, only that the agents are simulated.
 */
import { useQuery } from "@tanstack/react-query";
import { LIVE_REFETCH_MS } from "@/components/trpc/query-client";
import { useTRPC } from "@/components/trpc/trpc-context";
import { Figure } from "./wall-figures";

/** Names shown before "and N more": the wall is read, not scrolled. */
const NAMED = 6;

function names(list: ReadonlyArray<{ name: string }>): string {
  const shown = list.slice(0, NAMED).map((n) => n.name).join(", ");
  return list.length > NAMED ? `${shown} and ${list.length - NAMED} more` : shown;
}

export function WallAgents() {
  const trpc = useTRPC();
  const agents = useQuery(trpc.mesh.agents.queryOptions(undefined, { refetchInterval: LIVE_REFETCH_MS }));
  if (agents.isPending) return null;
  if (agents.isError) {
    return (
      <p role="alert" className="rounded-lg bg-canvas/85 px-3 py-1.5 text-base font-medium text-red-300" data-testid="wall-agents" data-mode="error">
        Agent status unavailable: {agents.error.message}
      </p>
    );
  }
  const o = agents.data;
  if (o.mode === "in-process") {
    return (
      <p className="w-fit rounded-lg bg-canvas/85 px-3 py-1.5 text-base text-slate-200" data-testid="wall-agents" data-mode="in-process">
        Node agents: simulated in-process ({o.nodes} nodes)
      </p>
    );
  }
  const down = o.total - o.connected;
  return (
    <div className="flex flex-col gap-2" data-testid="wall-agents" data-mode="process" data-connected={o.connected} data-total={o.total}>
      <div className="flex flex-wrap gap-3">
        <Figure label="agents connected" value={`${o.connected}/${o.total}`} tone={down === 0 ? "ok" : o.connected === 0 ? "alarm" : "warn"} testId="wall-figure-agents" />
      </div>
      {down > 0 ? (
        <ul className="w-fit max-w-[40rem] rounded-lg border-2 border-amber-400 bg-amber-950/85 px-3 py-2 text-base text-white" data-testid="wall-agents-attention">
          {o.silent.length > 0 ? <li data-testid="wall-agents-silent"><span className="font-semibold">▲ Silent:</span> {names(o.silent)}</li> : null}
          {o.disconnected.length > 0 ? <li data-testid="wall-agents-disconnected"><span className="font-semibold">▲ Disconnected:</span> {names(o.disconnected)}</li> : null}
        </ul>
      ) : null}
    </div>
  );
}
