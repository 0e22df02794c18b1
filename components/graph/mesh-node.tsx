"use client";
/**
 * A node of the QKD mesh: a card of fixed size per role (the edge geometry
 * relies on it) with the role's shape, the name, the status and the keys it
 * holds. Zoomed out, a marker of fixed screen size replaces the card (the hub keeps its name).
 * Memoised: it re-renders only when its data object changes (see flow-elements.ts).
 */
import { Handle, Position, type NodeProps } from "@xyflow/react";
import { memo } from "react";
import { NODE_ROLE_STYLES, NODE_SIZES, NODE_STATUS_STYLES } from "./mesh-styles";
import type { MeshFlowNode } from "./flow-elements";
import { useIncidentMarked } from "./incident-highlight";
import { RoleIcon } from "./role-icon";
import { useWallMode, WALL_SCALE } from "./wall-mode";
import { useShowsDetail } from "./zoom-level";

/** Edges run centre to centre (the mesh has no direction): one invisible 1-px handle each way in the middle. */
const CENTRE = { top: "50%", left: "50%", width: 1, height: 1, minWidth: 0, minHeight: 0, border: 0, transform: "none", opacity: 0, pointerEvents: "none" } as const;

function KeyGlyph() {
  return (
    <svg aria-hidden="true" width="14" height="14" viewBox="0 0 24 24" className="shrink-0">
      <path fill="currentColor" d="M7 14a3 3 0 1 1 0-6 3 3 0 0 1 0 6Zm5.65-4A6 6 0 1 0 12.65 14H16v3h3v-3h2v-4Z" />
    </svg>
  );
}

/** Zoomed out: a status-coloured marker (and the hub's name) that keeps its size on screen whatever the zoom. */
function FarMarker({ data, wall }: { data: MeshFlowNode["data"]; wall: boolean }) {
  const status = NODE_STATUS_STYLES[data.status];
  return (
    <span className="flex flex-col items-center gap-1" style={{ transform: "scale(var(--mesh-inverse-zoom, 1))" }}>
      <RoleIcon role={data.role} size={FAR_MARKER_PX[data.role]} className={status.text} />
      {data.role === "HUB" || wall ? (
        <span className={`whitespace-nowrap rounded bg-panel/90 px-1.5 font-bold text-white ${wall ? "text-xl" : "text-sm"}`}>{data.name}</span>
      ) : (
        <span className="sr-only">{data.name}</span>
      )}
    </span>
  );
}

const FAR_MARKER_PX = { HUB: 22, RELAY: 14, ENDPOINT: 9 } as const;

/** The graph's keyboard focus: a thick dashed white ring, unlike the selection (sky) and an incident (rose). */
const FOCUS_RING = "outline-dashed outline-4 outline-white";

function MeshNodeView({ id, data }: NodeProps<MeshFlowNode>) {
  const detail = useShowsDetail();
  const wall = useWallMode();
  const incident = useIncidentMarked("node", id);
  const status = NODE_STATUS_STYLES[data.status];
  const role = NODE_ROLE_STYLES[data.role];
  const common = {
    "data-testid": "mesh-node",
    "data-node-id": id,
    "data-role": data.role,
    "data-status": data.status,
    "data-incident": incident,
    "data-wall": wall,
    "data-keyboard-focus": data.focused,
    title: `${data.name} · ${data.site}${data.statusReason ? ` · ${data.statusReason}` : ""}`,
  };
  const handles = (
    <>
      <Handle type="target" position={Position.Top} style={CENTRE} isConnectable={false} />
      <Handle type="source" position={Position.Top} style={CENTRE} isConnectable={false} />
    </>
  );
  if (!detail) {
    return (
      <div {...common} className={`flex size-full cursor-pointer items-center justify-center ${data.focused ? FOCUS_RING : data.selected ? "outline outline-4 outline-sky-400" : incident ? "outline outline-4 outline-rose-500" : ""}`}>
        {handles}
        <FarMarker data={data} wall={wall} />
      </div>
    );
  }
  return (
    <div
      {...common}
      className={`flex size-full cursor-pointer flex-col justify-center gap-1 overflow-hidden px-3 shadow-lg shadow-black/50 ${role.box} ${status.ring} ${
        data.focused ? `${FOCUS_RING} outline-offset-4` : data.selected ? "outline outline-4 outline-offset-4 outline-sky-400" : incident ? "outline outline-4 outline-offset-4 outline-rose-500 motion-safe:animate-pulse" : ""
      } ${data.status === "ISOLATED" || data.status === "OFFLINE" ? "opacity-80" : ""}`}
      // Wall mode: the desk card's content drawn WALL_SCALE times bigger (the card's box is the wall size already).
      style={wall ? { ...NODE_SIZES[data.role], transform: `scale(${WALL_SCALE})`, transformOrigin: "0 0" } : undefined}
    >
      {handles}
      <span className="flex min-w-0 items-center gap-2">
        <RoleIcon role={data.role} className={status.text} />
        <span className={`truncate font-bold leading-tight text-white ${role.title}`}>{data.name}</span>
      </span>
      <span className="flex items-center justify-between gap-2 text-sm font-semibold">
        <span className="flex items-center gap-1.5 uppercase tracking-wider">
          <span aria-hidden="true" className={`inline-block size-2.5 rounded-full ${status.dot}`} />
          <span className={status.text}>{status.label}</span>
        </span>
        <span className="flex items-center gap-1 tabular-nums text-slate-300" data-testid="node-held-keys" title="keys held at this node">
          <KeyGlyph />
          {data.heldKeys}
        </span>
      </span>
    </div>
  );
}

export const MeshNodeComponent = memo(MeshNodeView);
