"use client";
/**
 * A QKD link: a straight line coloured by health, as thick as its key pool is
 * full; bypass channels dashed, down links dotted. Its label (QBER, key rate,
 * pool bar, "via X" for a bypass) sits between the two cards, shrinks or
 * hides when the link is too short for it, and is dropped when zoomed out
 * (and for a link that is down, unless it is selected: its dotted grey line says it).
 * While a key travels over the link, a dot runs along it (SVG animation).
 * On the live Mesh page its tooltip also gives the link's pad level (issue 18),
 * and a link whose two ends' pads disagree is drawn dashed red, its label saying
 * "pads disagree" instead of the pool bar.
 * Memoised: it re-renders only when its data or its ends move.
 */
import { EdgeLabelRenderer, type EdgeProps } from "@xyflow/react";
import { memo } from "react";
import { BYPASS_DASH, DOWN_DASH, LINK_HEALTH_STYLES } from "./mesh-styles";
import { placeLabel } from "./edge-label-geometry";
import type { MeshEdgeData, MeshFlowEdge } from "./flow-elements";
import { useSelectElement } from "./graph-select-context";
import { useIncidentMarked } from "./incident-highlight";
import { useRouteEnteredFrom } from "./route-activity";
import { useLinkPadMarks, useShowsPads } from "./pad-marks";
import { PADS_DISAGREE, padSummary } from "./pad-format";
import { useLabelPlacement } from "./label-placements";
import { DESK_LABELS, nodeSizes, useWallMode, WALL_LABELS, WALL_SCALE } from "./wall-mode";
import { useShowsDetail } from "./zoom-level";

/** Pads that disagree: red (rose-500) in short dashes, unlike a bypass's long ones. */
const PADS_DISAGREE_HEX = "#f43f5e";
const PADS_DISAGREE_DASH = "6 5";

function RouteFlow({ path, reverse }: { path: string; reverse: boolean }) {
  return (
    <g data-testid="edge-routing" pointerEvents="none">
      <path d={path} fill="none" stroke="#e0f2fe" strokeOpacity={0.35} strokeWidth={10} strokeLinecap="round" />
      <circle r={8} fill="#e0f2fe" className="motion-reduce:hidden">
        <animateMotion dur="1.1s" repeatCount="indefinite" path={path} keyPoints={reverse ? "1;0" : "0;1"} keyTimes="0;1" calcMode="linear" />
      </circle>
    </g>
  );
}

function EdgeLabel({ id, d, x, y, compact, wall, desync }: { id: string; d: MeshEdgeData; x: number; y: number; compact: boolean; wall: boolean; desync: boolean }) {
  const select = useSelectElement();
  const style = LINK_HEALTH_STYLES[d.health];
  return (
    <EdgeLabelRenderer>
      <button
        type="button"
        tabIndex={-1}
        onClick={() => select("link", id)}
        data-testid="mesh-edge-label"
        data-link-id={id}
        data-fit={compact ? "compact" : "full"}
        // Scaled about its centre in wall mode; the geometry was given the scaled size.
        style={{ transform: `translate(-50%, -50%) translate(${x}px, ${y}px)${wall ? ` scale(${WALL_SCALE})` : ""}`, borderColor: style.hex, pointerEvents: "all" }}
        className={`nodrag nopan absolute flex cursor-pointer flex-col items-stretch gap-1 rounded-md border bg-panel/95 px-2 py-1 text-left text-[13px] font-semibold leading-tight text-slate-100 shadow shadow-black/60 ${
          d.selected ? "ring-2 ring-sky-400" : d.focused ? "outline-dashed outline-2 outline-offset-2 outline-sky-300" : ""
        }`}
      >
        <span className={`whitespace-nowrap tabular-nums ${d.health === "compromised" ? "text-rose-200" : ""}`}>
          {d.health === "compromised" || d.eavesdropper || desync ? "⚠ " : d.health === "warning" ? "▲ " : d.status === "DOWN" ? "✕ " : ""}
          {d.qberText}
          {compact ? null : <span className="font-medium text-slate-300"> · {d.status === "DOWN" ? "down" : d.rateText}</span>}
        </span>
        {compact ? null : desync ? (
          <span className="whitespace-nowrap text-[12px] font-semibold text-rose-200" data-testid="edge-pads-disagree">⚠ {PADS_DISAGREE}</span>
        ) : (
          <span className="flex items-center gap-1.5" title={`key pool ${d.poolPercent}% full`}>
            <span className="h-1.5 flex-1 overflow-hidden rounded-full bg-line">
              <span className="block h-full rounded-full" style={{ width: `${d.poolPercent}%`, backgroundColor: style.hex }} />
            </span>
            <span className="text-[11px] font-medium tabular-nums text-slate-300">{d.poolPercent}%</span>
          </span>
        )}
        {!compact && d.viaName ? <span className="whitespace-nowrap text-[11px] font-medium text-slate-300">bypass via {d.viaName}</span> : null}
      </button>
    </EdgeLabelRenderer>
  );
}

function MeshEdgeView({ id, source, sourceX, sourceY, targetX, targetY, data, style: override }: EdgeProps<MeshFlowEdge>) {
  const detail = useShowsDetail();
  const wall = useWallMode();
  const enteredFrom = useRouteEnteredFrom(id);
  const placed = useLabelPlacement(id);
  const incident = useIncidentMarked("link", id);
  const pads = useLinkPadMarks(id);
  const showsPads = useShowsPads();
  if (!data) return null;
  const desync = pads?.desync != null;
  const style = LINK_HEALTH_STYLES[data.health];
  const down = data.status === "DOWN";
  const path = `M${sourceX},${sourceY}L${targetX},${targetY}`;
  // Zoomed out, strokes are in screen pixels (non-scaling) so a 500-node mesh still shows its links.
  const width = detail ? (down ? 2 : 2 + (5 * data.poolPercent) / 100) : down ? 1 : 1 + (2 * data.poolPercent) / 100;
  const vectorEffect = detail ? undefined : "non-scaling-stroke";
  const sizes = nodeSizes(wall);
  const labels = wall ? WALL_LABELS : DESK_LABELS;
  // The graph's placement avoids every card; outside a MeshGraph (no placements) only the link's own two.
  const label = !detail || (down && !data.selected) ? null : placed ?? placeLabel(
        { cx: sourceX, cy: sourceY, ...sizes[data.sourceRole] },
        { cx: targetX, cy: targetY, ...sizes[data.targetRole] },
        data.viaName ? labels.withVia : labels.full,
        labels.compact,
      );
  return (
    <>
      <g data-testid="mesh-edge" data-link-id={id} data-health={data.health} data-status={data.status} data-kind={data.kind} data-routing={enteredFrom !== null} data-incident={incident} data-keyboard-focus={data.focused || undefined} data-pads={showsPads ? (desync ? "disagree" : pads?.availableKeys ?? "none") : undefined}>
        <title>{showsPads ? `${data.title}; ${padSummary(pads)}` : data.title}</title>
        {incident ? (
          <path d={path} fill="none" stroke="#f43f5e" strokeOpacity={0.6} strokeWidth={detail ? width + 16 : 9} strokeLinecap="round" vectorEffect={vectorEffect} className="motion-safe:animate-pulse" data-testid="edge-incident" />
        ) : null}
        {data.selected ? <path d={path} fill="none" stroke="#38bdf8" strokeOpacity={0.45} strokeWidth={detail ? width + 10 : 6} vectorEffect={vectorEffect} /> : null}
        {data.focused ? (
          // The keyboard focus ring: dashed, like a focused node's outline, wide enough to see beside any health colour.
          <path d={path} fill="none" stroke="#7dd3fc" strokeWidth={detail ? width + 14 : 8} strokeDasharray="10 6" strokeOpacity={0.9} vectorEffect={vectorEffect} data-testid="edge-keyboard-focus" />
        ) : null}
        <path
          d={path}
          fill="none"
          stroke={desync ? PADS_DISAGREE_HEX : style.hex}
          strokeOpacity={down ? 0.75 : 1}
          strokeWidth={width}
          strokeDasharray={down ? DOWN_DASH : desync ? PADS_DISAGREE_DASH : data.kind === "BYPASS" ? BYPASS_DASH : undefined}
          strokeLinecap="round"
          vectorEffect={vectorEffect}
          style={override /* an edge's own style wins, e.g. an approval's impact highlight */}
        />
        {enteredFrom !== null ? <RouteFlow path={path} reverse={enteredFrom !== "" && enteredFrom !== source} /> : null}
        {detail ? <path d={path} fill="none" strokeOpacity={0} strokeWidth={22} className="react-flow__edge-interaction" /> : null}
      </g>
      {label && label.fit !== "none" ? <EdgeLabel id={id} d={data} x={label.x} y={label.y} compact={label.fit === "compact"} wall={wall} desync={desync} /> : null}
    </>
  );
}

export const MeshEdgeComponent = memo(MeshEdgeView);
