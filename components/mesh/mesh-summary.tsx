/**
 * Headline figures of the mesh for a wall screen: nodes online, links up, links
 * over the QBER threshold. Amber when something is degraded, red when a node is
 * cut off, a link is down or a link's QBER says it is compromised.
 */
import type { MeshLink, MeshNode } from "@/components/trpc/router-types";
import { QBER_ABORT_THRESHOLD, qberFraction } from "./mesh-styles";

type Tone = "ok" | "warn" | "alarm";

const TONES: Record<Tone, { box: string; value: string }> = {
  ok: { box: "border-line bg-panel", value: "text-white" },
  warn: { box: "border-amber-500/70 bg-amber-950/30", value: "text-amber-200" },
  alarm: { box: "border-red-500/70 bg-red-950/40", value: "text-red-200" },
};

function Figure({ label, value, of, testId, tone }: { label: string; value: number; of?: number; testId: string; tone: Tone }) {
  const t = TONES[tone];
  return (
    <div className={`flex flex-col rounded-xl border px-4 py-3 ${t.box}`} data-tone={tone}>
      <span className="text-sm font-semibold uppercase tracking-wider text-slate-400">{label}</span>
      <span data-testid={testId} className={`text-4xl font-bold tabular-nums ${t.value}`}>
        {value}
        {of !== undefined ? <span className="text-xl font-medium text-slate-400"> / {of}</span> : null}
      </span>
    </div>
  );
}

export function MeshSummary({ nodes, links }: { nodes: MeshNode[]; links: MeshLink[] }) {
  const online = nodes.filter((n) => n.status === "ONLINE").length;
  const cutOff = nodes.some((n) => n.status === "ISOLATED" || n.status === "OFFLINE");
  const up = links.filter((l) => l.status === "UP").length;
  const down = links.some((l) => l.status === "DOWN");
  const overThreshold = links.filter((l) => qberFraction(l.qber) > QBER_ABORT_THRESHOLD).length;
  return (
    <div className="grid grid-cols-1 gap-3 sm:grid-cols-3">
      <Figure label="Nodes online" value={online} of={nodes.length} testId="mesh-nodes-online" tone={cutOff ? "alarm" : online < nodes.length ? "warn" : "ok"} />
      <Figure label="Links up" value={up} of={links.length} testId="mesh-links-up" tone={down ? "alarm" : up < links.length ? "warn" : "ok"} />
      <Figure label="Links over QBER threshold" value={overThreshold} testId="mesh-links-compromised" tone={overThreshold > 0 ? "alarm" : "ok"} />
    </div>
  );
}
