"use client";
/**
 * The mesh, small and read-only, with what a request touches highlighted: the
 * participant nodes (outlined amber, the ones that must purge in red) and the
 * links that carry the key; everything else dimmed. Reuses the mesh graph's nodes.
 */
import { Background, BackgroundVariant, ReactFlow, type EdgeTypes, type NodeTypes } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { FlowElementCache } from "@/components/graph/flow-elements";
import { layoutScale } from "@/components/graph/mesh-layout";
import { MeshEdgeComponent } from "@/components/graph/mesh-edge";
import { MeshNodeComponent } from "@/components/graph/mesh-node";
import { useTRPC } from "@/components/trpc/trpc-context";
import { SkeletonRows } from "@/components/ui/skeleton-rows";
import { InlineError } from "@/components/ui/inline-error";

const nodeTypes: NodeTypes = { qkd: MeshNodeComponent };
const edgeTypes: EdgeTypes = { qkd: MeshEdgeComponent };

export function ImpactGraph({ nodeIds, linkIds, purge }: { nodeIds: string[]; linkIds: string[]; purge: string[] }) {
  const trpc = useTRPC();
  const mesh = useQuery(trpc.mesh.state.queryOptions());
  const [cache] = useState(() => new FlowElementCache());
  const hitNodes = useMemo(() => new Set(nodeIds), [nodeIds]);
  const hitLinks = useMemo(() => new Set(linkIds), [linkIds]);
  const purging = useMemo(() => new Set(purge), [purge]);
  const flowNodes = useMemo(() => {
    const views = mesh.data?.nodes ?? [];
    return cache.toNodes(views, layoutScale(views), null).map((n) => ({
      ...n,
      style: hitNodes.has(n.id)
        ? { outline: `4px solid ${purging.has(n.id) ? "#f87171" : "#fbbf24"}`, outlineOffset: 6, borderRadius: 12 }
        : { opacity: 0.3 },
    }));
  }, [cache, mesh.data, hitNodes, purging]);
  const flowEdges = useMemo(() => {
    const byId = new Map((mesh.data?.nodes ?? []).map((n) => [n.id, n]));
    return cache.toEdges(mesh.data?.links ?? [], byId, null).map((e) =>
      hitLinks.has(e.id) ? { ...e, style: { stroke: "#fbbf24", strokeWidth: 6 } } : { ...e, style: { opacity: 0.25 } },
    );
  }, [cache, mesh.data, hitLinks]);
  if (mesh.isPending) return <SkeletonRows rows={4} label="Loading the mesh" />;
  if (mesh.isError) return <InlineError message="The mesh could not be loaded; the lists beside show the impact." />;
  return (
    // A picture of what the lists beside it say: out of the tab order and hidden from screen readers (inert).
    <div className="h-[22rem] overflow-hidden rounded-xl border border-line" inert aria-hidden="true" data-testid="impact-graph" data-affected-nodes={[...hitNodes].sort().join(",")} data-affected-links={[...hitLinks].sort().join(",")}>
      <ReactFlow
        nodes={flowNodes}
        edges={flowEdges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        colorMode="dark"
        fitView
        fitViewOptions={{ padding: 0.1 }}
        nodesDraggable={false}
        nodesConnectable={false}
        elementsSelectable={false}
        edgesFocusable={false}
        nodesFocusable={false}
        panOnDrag={false}
        zoomOnScroll={false}
        aria-label="Mesh with the request's impact highlighted"
      >
        <Background variant={BackgroundVariant.Dots} gap={24} size={1.5} color="#25324d" />
      </ReactFlow>
    </div>
  );
}
