"use client";
/**
 * The wall's summary figures, laid over the graph: nodes up, links healthy,
 * links in trouble, key pools. Each figure says its state in words as well as
 * colour, in type big enough to read from across the room.
 */
import type { MeshLinkView, MeshNodeView } from "@/components/trpc/router-types";
import { formatPercent } from "@/components/graph/mesh-styles";

export function Figure({ label, value, tone, testId }: { label: string; value: string; tone: "ok" | "warn" | "alarm"; testId: string }) {
  const cls = tone === "alarm" ? "border-rose-500 bg-rose-950/85" : tone === "warn" ? "border-amber-400 bg-amber-950/85" : "border-line bg-canvas/85";
  return (
    <div className={`flex flex-col rounded-xl border-2 px-4 py-2 backdrop-blur ${cls}`} data-testid={testId} data-tone={tone}>
      <span className="text-4xl font-bold tabular-nums text-white">{value}</span>
      <span className="text-base font-semibold uppercase tracking-wider text-slate-200">
        {tone === "alarm" ? "⚠ " : tone === "warn" ? "▲ " : ""}
        {label}
      </span>
    </div>
  );
}

export function WallFigures({ nodes, links }: { nodes: readonly MeshNodeView[]; links: readonly MeshLinkView[] }) {
  const online = nodes.filter((n) => n.status === "ONLINE").length;
  const healthy = links.filter((l) => l.health === "healthy").length;
  const compromised = links.filter((l) => l.health === "compromised").length;
  const troubled = links.length - healthy;
  let pool = 0;
  let capacity = 0;
  for (const l of links) {
    if (l.status === "DOWN") continue;
    pool += l.poolBits;
    capacity += l.poolCapacityBits;
  }
  const level = capacity > 0 ? pool / capacity : 0;
  return (
    <div className="flex flex-wrap gap-3" data-testid="wall-figures">
      <Figure label="nodes online" value={`${online}/${nodes.length}`} tone={online === nodes.length ? "ok" : "warn"} testId="wall-figure-nodes" />
      <Figure label="links healthy" value={`${healthy}/${links.length}`} tone={compromised > 0 ? "alarm" : troubled > 0 ? "warn" : "ok"} testId="wall-figure-links" />
      <Figure label="compromised" value={String(compromised)} tone={compromised > 0 ? "alarm" : "ok"} testId="wall-figure-compromised" />
      <Figure label="key pools" value={formatPercent(level)} tone={level < 0.1 ? "alarm" : level < 0.25 ? "warn" : "ok"} testId="wall-figure-pool" />
    </div>
  );
}
