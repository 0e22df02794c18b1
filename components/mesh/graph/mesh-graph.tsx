"use client";
/**
 * The React Flow canvas of the mesh. Read-only (pan, zoom, click): nothing can
 * be dragged or connected, so a demo audience cannot break anything. The view
 * fits the mesh once, on first load; live updates change elements in place
 * and never move the viewport. Enter on a focused node or link opens its panel.
 */
import { Background, BackgroundVariant, Controls, ReactFlow, type EdgeTypes, type NodeTypes } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent } from "react";
import type { MeshLinkView, MeshNodeView } from "@/server/mesh/mesh-views";
import { FlowElementCache } from "./flow-elements";
import { GraphSelectContext, type SelectElement } from "./graph-select-context";
import { MeshEdgeComponent } from "./mesh-edge";
import { layoutScale } from "./mesh-layout";
import { MeshNodeComponent } from "./mesh-node";

/** At module scope so React Flow never sees new objects and re-mounts every element. */
const nodeTypes: NodeTypes = { qkd: MeshNodeComponent };
const edgeTypes: EdgeTypes = { qkd: MeshEdgeComponent };
/** Stored x/y is the node's centre. */
const NODE_ORIGIN: [number, number] = [0.5, 0.5];
const FIT_VIEW_OPTIONS = { padding: 0.08 };
const PRO_OPTIONS = { hideAttribution: false };

export interface GraphSelection {
  kind: "node" | "link";
  id: string;
}

interface Props {
  nodes: readonly MeshNodeView[];
  links: readonly MeshLinkView[];
  selection: GraphSelection | null;
  onSelect: SelectElement;
  className?: string;
}

export function MeshGraph({ nodes, links, selection, onSelect, className = "" }: Props) {
  const [cache] = useState(() => new FlowElementCache());
  // One stable callback for React Flow and the edge labels, whatever the caller passes on each render.
  const latestSelect = useRef(onSelect);
  useEffect(() => {
    latestSelect.current = onSelect;
  });
  const select = useCallback<SelectElement>((kind, id) => latestSelect.current(kind, id), []);
  const [rendered, setRendered] = useState(false);
  const scale = useMemo(() => layoutScale(nodes), [nodes]);
  const byId = useMemo(() => new Map(nodes.map((n) => [n.id, n])), [nodes]);
  const selectedNode = selection?.kind === "node" ? selection.id : null;
  const selectedLink = selection?.kind === "link" ? selection.id : null;
  const flowNodes = useMemo(() => cache.toNodes(nodes, scale, selectedNode), [cache, nodes, scale, selectedNode]);
  const flowEdges = useMemo(() => cache.toEdges(links, byId, selectedLink), [cache, links, byId, selectedLink]);
  const minZoom = useMemo(() => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const n of nodes) {
      lo = Math.min(lo, n.x, n.y);
      hi = Math.max(hi, n.x, n.y);
    }
    const extent = Number.isFinite(lo) ? (hi - lo) * scale + 400 : 1000;
    return Math.min(0.25, Math.max(0.005, 500 / extent));
  }, [nodes, scale]);

  const onNodeClick = useCallback((_: unknown, n: { id: string }) => select("node", n.id), [select]);
  const onEdgeClick = useCallback((_: unknown, e: { id: string }) => select("link", e.id), [select]);

  function onKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    if (e.key !== "Enter" && e.key !== " ") return;
    const target = e.target as HTMLElement;
    const node = target.closest<HTMLElement>(".react-flow__node");
    const edge = node ? null : target.closest<SVGElement>(".react-flow__edge");
    const id = (node ?? edge)?.getAttribute("data-id");
    if (!id) return;
    e.preventDefault();
    select(node ? "node" : "link", id);
  }

  return (
    <div
      className={`relative overflow-hidden rounded-xl border border-line ${className}`}
      data-testid="mesh-graph"
      data-rendered={rendered}
      data-node-count={nodes.length}
      data-link-count={links.length}
      onKeyDown={onKeyDown}
    >
      <GraphSelectContext.Provider value={select}>
        <ReactFlow
          nodes={flowNodes}
          edges={flowEdges}
          nodeTypes={nodeTypes}
          edgeTypes={edgeTypes}
          nodeOrigin={NODE_ORIGIN}
          colorMode="dark"
          fitView
          fitViewOptions={FIT_VIEW_OPTIONS}
          minZoom={minZoom}
          maxZoom={2}
          onlyRenderVisibleElements
          nodesDraggable={false}
          nodesConnectable={false}
          elementsSelectable={false}
          edgesReconnectable={false}
          zoomOnDoubleClick={false}
          onInit={() => setRendered(true)}
          onNodeClick={onNodeClick}
          onEdgeClick={onEdgeClick}
          proOptions={PRO_OPTIONS}
          aria-label="QKD mesh topology: nodes and quantum links"
        >
          <Background variant={BackgroundVariant.Dots} gap={28} size={1.5} color="#25324d" />
          <Controls showInteractive={false} position="bottom-left" />
        </ReactFlow>
      </GraphSelectContext.Provider>
    </div>
  );
}
