"use client";
/**
 * The strip above the graph, for a wall screen: nodes by status, links by
 * health, the key in all pools together, and the simulation clock. A figure
 * turns amber or red when something needs eyes on it.
 */
import type { ReactNode } from "react";
import type { MeshLinkView, MeshNodeView, SimulationView } from "@/components/trpc/router-types";
import { formatDateTime } from "@/components/ui/format";
import { formatBits, formatPercent, LINK_HEALTHS, LINK_HEALTH_STYLES, NODE_STATUSES, NODE_STATUS_STYLES } from "../graph/mesh-styles";

type Tone = "ok" | "warn" | "alarm";

const TONES: Record<Tone, string> = {
  ok: "border-line bg-panel",
  warn: "border-amber-500/70 bg-amber-950/30",
  alarm: "border-red-500/70 bg-red-950/40",
};

function Tile({ title, tone, testId, children }: { title: string; tone: Tone; testId: string; children: ReactNode }) {
  return (
    <section className={`flex min-w-0 flex-col gap-1 rounded-xl border px-4 py-3 ${TONES[tone]}`} data-testid={testId} data-tone={tone}>
      <h2 className="text-sm font-semibold uppercase tracking-wider text-slate-400">{title}</h2>
      {children}
    </section>
  );
}

function Count({ value, label, dot, testId }: { value: number; label: string; dot: string; testId: string }) {
  return (
    <span className="flex items-center gap-1.5" data-testid={testId} data-count={value}>
      <span aria-hidden="true" className="inline-block size-3 rounded-full" style={{ backgroundColor: dot }} />
      <span className="text-2xl font-bold tabular-nums text-white">{value}</span>
      <span className="text-sm text-slate-300">{label}</span>
    </span>
  );
}

interface Props {
  nodes: readonly MeshNodeView[];
  links: readonly MeshLinkView[];
  /** Absent for a generated mesh, which has no clock. */
  simulation?: SimulationView | null;
}

export function MeshSummary({ nodes, links, simulation }: Props) {
  const byStatus = Object.fromEntries(NODE_STATUSES.map((s) => [s, 0])) as Record<(typeof NODE_STATUSES)[number], number>;
  for (const n of nodes) byStatus[n.status]++;
  const byHealth = Object.fromEntries(LINK_HEALTHS.map((h) => [h, 0])) as Record<(typeof LINK_HEALTHS)[number], number>;
  let pool = 0;
  let capacity = 0;
  for (const l of links) {
    byHealth[l.health]++;
    if (l.status === "DOWN") continue;
    pool += l.poolBits;
    capacity += l.poolCapacityBits;
  }
  const poolLevel = capacity > 0 ? pool / capacity : 0;
  const nodeTone: Tone = byStatus.ISOLATED + byStatus.OFFLINE > 0 ? "alarm" : byStatus.DEGRADED > 0 ? "warn" : "ok";
  const linkTone: Tone = byHealth.compromised > 0 ? "alarm" : byHealth.warning + byHealth.down > 0 ? "warn" : "ok";
  const poolTone: Tone = capacity > 0 && poolLevel < 0.1 ? "alarm" : capacity > 0 && poolLevel < 0.25 ? "warn" : "ok";

  return (
    <div className="grid grid-cols-1 gap-3 md:grid-cols-2 2xl:grid-cols-[1.3fr_1.3fr_1fr_1fr]" data-testid="mesh-summary">
      <Tile title="Nodes" tone={nodeTone} testId="summary-nodes">
        <p className="text-sm text-slate-300">
          <span className="text-3xl font-bold tabular-nums text-white" data-testid="summary-nodes-total">{nodes.length}</span> in the mesh
        </p>
        <div className="flex flex-wrap gap-x-4 gap-y-1">
          {NODE_STATUSES.map((s) => (
            <Count key={s} value={byStatus[s]} label={NODE_STATUS_STYLES[s].label} dot={NODE_STATUS_STYLES[s].hex} testId={`summary-node-${s}`} />
          ))}
        </div>
      </Tile>
      <Tile title="Links" tone={linkTone} testId="summary-links">
        <p className="text-sm text-slate-300">
          <span className="text-3xl font-bold tabular-nums text-white" data-testid="summary-links-total">{links.length}</span> quantum channels
        </p>
        <div className="flex flex-wrap gap-x-4 gap-y-1">
          {LINK_HEALTHS.map((h) => (
            <Count key={h} value={byHealth[h]} label={LINK_HEALTH_STYLES[h].label} dot={LINK_HEALTH_STYLES[h].hex} testId={`summary-link-${h}`} />
          ))}
        </div>
      </Tile>
      <Tile title="Key pools" tone={poolTone} testId="summary-pool">
        <p className="text-3xl font-bold tabular-nums text-white">{formatPercent(poolLevel)}</p>
        <div className="h-2 overflow-hidden rounded-full bg-line" aria-hidden="true">
          <div className="h-full rounded-full bg-sky-400" style={{ width: `${Math.round(poolLevel * 100)}%` }} />
        </div>
        <p className="text-sm tabular-nums text-slate-300">
          {formatBits(pool)} of {formatBits(capacity)} in links that are up
        </p>
      </Tile>
      <Tile title="Simulation" tone={simulation && !simulation.running ? "warn" : "ok"} testId="summary-simulation">
        {simulation ? (
          <>
            <p className="flex items-center gap-2 text-2xl font-bold text-white" data-running={simulation.running}>
              <span aria-hidden="true" className={`inline-block size-3 rounded-full ${simulation.running ? "bg-emerald-400" : "bg-amber-400"}`} />
              {simulation.running ? "Running" : "Stopped"}
              <span className="text-base font-medium text-slate-300">× {simulation.speed}</span>
            </p>
            <p className="text-sm tabular-nums text-slate-300" data-testid="summary-tick" data-tick={simulation.tick}>
              {simulation.simTime ? <>sim time {formatDateTime(simulation.simTime)}</> : "no tick yet"} · tick {simulation.tick}
            </p>
          </>
        ) : (
          <p className="text-base text-slate-300">A generated mesh: a still picture, no clock and no traffic.</p>
        )}
      </Tile>
    </div>
  );
}
