"use client";
/**
 * The read-only React Flow canvas of the mesh. Pan and zoom only: nothing here
 * can be moved or connected, so a demo audience cannot break anything.
 */
import { Background, BackgroundVariant, Controls, ReactFlow, type NodeTypes } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useMemo } from "react";
import type { MeshLink, MeshNode } from "@/components/trpc/router-types";
import { MeshNodeComponent } from "./mesh-node";
import { toFlowEdges, toFlowNodes } from "./to-flow-elements";

/** At module scope so React Flow never sees a new object and re-mounts every node. */
const nodeTypes: NodeTypes = { qkd: MeshNodeComponent };
/** Stored x/y is the node's centre. */
const NODE_ORIGIN: [number, number] = [0.5, 0.5];

export function MeshGraph({ nodes, links }: { nodes: MeshNode[]; links: MeshLink[] }) {
  const flowNodes = useMemo(() => toFlowNodes(nodes), [nodes]);
  const flowEdges = useMemo(() => toFlowEdges(links, new Set(nodes.map((n) => n.id))), [links, nodes]);
  return (
    <div className="h-[68vh] min-h-[32rem] overflow-hidden rounded-xl border border-line" data-testid="mesh-graph">
      <ReactFlow
        nodes={flowNodes}
        edges={flowEdges}
        nodeTypes={nodeTypes}
        nodeOrigin={NODE_ORIGIN}
        colorMode="dark"
        fitView
        fitViewOptions={{ padding: 0.15 }}
        minZoom={0.2}
        maxZoom={2.5}
        nodesDraggable={false}
        nodesConnectable={false}
        elementsSelectable={false}
        edgesFocusable={false}
        aria-label="QKD mesh topology"
      >
        <Background variant={BackgroundVariant.Dots} gap={24} size={1.5} color="#25324d" />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
