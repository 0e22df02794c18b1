"use client";
/**
 * The mesh, small and read-only, with what a request touches highlighted: the
 * participant nodes (outlined amber, the ones that must purge in red) and the
 * links that carry the key; everything else dimmed. Reuses the mesh graph's nodes.
 */
import { Background, BackgroundVariant, ReactFlow, type NodeTypes } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { MeshNodeComponent } from "@/components/mesh/mesh-node";
import { toFlowEdges, toFlowNodes } from "@/components/mesh/to-flow-elements";
import { useTRPC } from "@/components/trpc/trpc-context";
import { SkeletonRows } from "@/components/ui/skeleton-rows";
import { InlineError } from "@/components/ui/inline-error";

const nodeTypes: NodeTypes = { qkd: MeshNodeComponent };
const NODE_ORIGIN: [number, number] = [0.5, 0.5];

export function ImpactGraph({ nodeIds, linkIds, purge }: { nodeIds: string[]; linkIds: string[]; purge: string[] }) {
  const trpc = useTRPC();
  const nodes = useQuery(trpc.nodes.list.queryOptions());
  const links = useQuery(trpc.nodes.links.queryOptions());
  const hitNodes = useMemo(() => new Set(nodeIds), [nodeIds]);
  const hitLinks = useMemo(() => new Set(linkIds), [linkIds]);
  const purging = useMemo(() => new Set(purge), [purge]);
  const flowNodes = useMemo(
    () =>
      toFlowNodes(nodes.data ?? []).map((n) => ({
        ...n,
        style: hitNodes.has(n.id)
          ? { outline: `4px solid ${purging.has(n.id) ? "#f87171" : "#fbbf24"}`, outlineOffset: 6, borderRadius: 12 }
          : { opacity: 0.3 },
      })),
    [nodes.data, hitNodes, purging],
  );
  const flowEdges = useMemo(
    () =>
      toFlowEdges(links.data ?? [], new Set((nodes.data ?? []).map((n) => n.id))).map((e) =>
        hitLinks.has(e.id) ? { ...e, style: { ...e.style, stroke: "#fbbf24", strokeWidth: 6 } } : { ...e, label: undefined, style: { ...e.style, opacity: 0.25 } },
      ),
    [links.data, nodes.data, hitLinks],
  );
  if (nodes.isPending || links.isPending) return <SkeletonRows rows={4} label="Loading the mesh" />;
  if (nodes.isError || links.isError) return <InlineError message="The mesh could not be loaded; the lists beside show the impact." />;
  return (
    <div className="h-[22rem] overflow-hidden rounded-xl border border-line" data-testid="impact-graph" data-affected-nodes={[...hitNodes].sort().join(",")} data-affected-links={[...hitLinks].sort().join(",")}>
      <ReactFlow
        nodes={flowNodes}
        edges={flowEdges}
        nodeTypes={nodeTypes}
        nodeOrigin={NODE_ORIGIN}
        colorMode="dark"
        fitView
        fitViewOptions={{ padding: 0.1 }}
        nodesDraggable={false}
        nodesConnectable={false}
        elementsSelectable={false}
        edgesFocusable={false}
        panOnDrag={false}
        zoomOnScroll={false}
        aria-label="Mesh with the request's impact highlighted"
      >
        <Background variant={BackgroundVariant.Dots} gap={24} size={1.5} color="#25324d" />
      </ReactFlow>
    </div>
  );
}
