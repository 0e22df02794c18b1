"use client";
/**
 * A node of the QKD mesh on the graph: name, id, role and status. Size follows
 * the role (hub > relay > endpoint), the ring colour follows the status.
 * Memoised: React Flow re-renders nodes often and these only change with data.
 */
import { Handle, Position, type Node, type NodeProps } from "@xyflow/react";
import { memo } from "react";
import type { MeshNode } from "@/components/trpc/router-types";
import { NODE_ROLE_STYLES, NODE_STATUS_STYLES } from "./mesh-styles";

export type MeshNodeData = Pick<MeshNode, "name" | "role" | "status" | "site">;
export type MeshFlowNode = Node<MeshNodeData, "qkd">;

/** Edges run centre to centre: the mesh has no direction, so one hidden handle each way sits in the middle. */
const CENTRE = { top: "50%", left: "50%", transform: "translate(-50%, -50%)", opacity: 0, pointerEvents: "none" } as const;

function MeshNodeView({ id, data }: NodeProps<MeshFlowNode>) {
  const status = NODE_STATUS_STYLES[data.status];
  const role = NODE_ROLE_STYLES[data.role];
  return (
    <div
      data-testid="mesh-node"
      data-node-id={id}
      data-role={data.role}
      data-status={data.status}
      className={`flex flex-col items-center text-center shadow-lg shadow-black/50 ${role.box} ${status.ring}`}
    >
      <Handle type="target" position={Position.Top} style={CENTRE} isConnectable={false} />
      <Handle type="source" position={Position.Top} style={CENTRE} isConnectable={false} />
      <span className={`font-bold leading-tight text-white ${role.title}`}>{data.name}</span>
      <span className="font-mono text-xs text-slate-300">{id}</span>
      <span className="mt-1 flex items-center gap-1.5 text-xs font-semibold uppercase tracking-wider">
        <span aria-hidden="true" className={`inline-block size-2 rounded-full ${status.dot}`} />
        <span className="text-slate-300">{data.role.toLowerCase()}</span>
        <span className={status.text}>{data.status.toLowerCase()}</span>
      </span>
    </div>
  );
}

export const MeshNodeComponent = memo(MeshNodeView);
