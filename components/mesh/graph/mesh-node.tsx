"use client";
/**
 * A node of the QKD mesh: a card of fixed size per role (the edge geometry
 * relies on it) with the role's shape, the name, the status and the keys it
 * holds. Zoomed out, only the coloured card and the hub's name remain.
 * Memoised: it re-renders only when its data object changes (see flow-elements.ts).
 */
import { Handle, Position, type NodeProps } from "@xyflow/react";
import { memo } from "react";
import { NODE_ROLE_STYLES, NODE_STATUS_STYLES } from "../mesh-styles";
import type { MeshFlowNode } from "./flow-elements";
import { RoleIcon } from "./role-icon";
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

function MeshNodeView({ id, data }: NodeProps<MeshFlowNode>) {
  const detail = useShowsDetail();
  const status = NODE_STATUS_STYLES[data.status];
  const role = NODE_ROLE_STYLES[data.role];
  const showText = detail || data.role === "HUB";
  return (
    <div
      data-testid="mesh-node"
      data-node-id={id}
      data-role={data.role}
      data-status={data.status}
      title={`${data.name} · ${data.site}${data.statusReason ? ` · ${data.statusReason}` : ""}`}
      className={`flex size-full cursor-pointer flex-col justify-center gap-1 overflow-hidden px-3 shadow-lg shadow-black/50 ${role.box} ${status.ring} ${
        data.selected ? "outline outline-4 outline-offset-4 outline-sky-400" : ""
      } ${data.status === "ISOLATED" || data.status === "OFFLINE" ? "opacity-80" : ""}`}
    >
      <Handle type="target" position={Position.Top} style={CENTRE} isConnectable={false} />
      <Handle type="source" position={Position.Top} style={CENTRE} isConnectable={false} />
      {showText ? (
        <>
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
        </>
      ) : (
        <span className="flex items-center justify-center">
          <RoleIcon role={data.role} size={36} className={status.text} />
          <span className="sr-only">{data.name}</span>
        </span>
      )}
    </div>
  );
}

export const MeshNodeComponent = memo(MeshNodeView);
