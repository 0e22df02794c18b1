"use client";
/**
 * The React Flow canvas of the mesh. Read-only (pan, zoom, click): nothing can
 * be dragged or connected, so a demo audience cannot break anything. The view
 * fits the mesh once, on first load; live updates change elements in place
 * and never move the viewport. Enter on a focused node or link opens its panel.
 */
import { Background, BackgroundVariant, Controls, ReactFlow, type EdgeTypes, type NodeTypes, type ReactFlowInstance } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent } from "react";
import type { MeshLinkView, MeshNodeView } from "@/server/mesh/mesh-views";
import { FlowElementCache, type MeshFlowEdge, type MeshFlowNode } from "./flow-elements";
import { GraphSelectContext, type SelectElement } from "./graph-select-context";
import { MeshEdgeComponent } from "./mesh-edge";
import { layoutScale } from "./mesh-layout";
import { MeshNodeComponent } from "./mesh-node";
import { geometryKey, LabelPlacementContext, placeAllLabels } from "./label-placements";
import { DESK_LABELS, nodeSizes, WALL_LABELS, WallModeContext } from "./wall-mode";

/** At module scope so React Flow never sees new objects and re-mounts every element. */
const nodeTypes: NodeTypes = { qkd: MeshNodeComponent };
const edgeTypes: EdgeTypes = { qkd: MeshEdgeComponent };
/** Stored x/y is the node's centre. */
const NODE_ORIGIN: [number, number] = [0.5, 0.5];
/** Room at the top for the toolbar over the graph, and a margin elsewhere. */
const FIT_PADDING = { top: 64, bottom: 24, left: 24, right: 24 };
const MAX_ZOOM = 2;
const PRO_OPTIONS = { hideAttribution: false };

/** Room around an incident's nodes when the view focuses on them, in flow units. */
const FOCUS_MARGIN = 160;

interface Bounds {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The box around these nodes' cards (from the known card sizes: no DOM measurement, so it works with onlyRenderVisibleElements). */
function boundsOf(nodes: readonly MeshNodeView[], scale: number, sizes: ReturnType<typeof nodeSizes>, margin = 0): Bounds {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const n of nodes) {
    const { width, height } = sizes[n.role];
    x0 = Math.min(x0, n.x * scale - width / 2 - margin);
    y0 = Math.min(y0, n.y * scale - height / 2 - margin);
    x1 = Math.max(x1, n.x * scale + width / 2 + margin);
    y1 = Math.max(y1, n.y * scale + height / 2 + margin);
  }
  return Number.isFinite(x0) ? { x: x0, y: y0, width: x1 - x0, height: y1 - y0 } : { x: 0, y: 0, width: 1000, height: 600 };
}

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
  /** Wall mode: bigger cards and labels, readable from across the room (wall-mode.ts). */
  wall?: boolean;
  /** Nodes to pan and zoom to (an incident's); back to the whole mesh when it turns null. */
  focusNodeIds?: readonly string[] | null;
}

export function MeshGraph({ nodes, links, selection, onSelect, className = "", wall = false, focusNodeIds = null }: Props) {
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
  const sizes = nodeSizes(wall);
  const flowNodes = useMemo(() => cache.toNodes(nodes, scale, selectedNode, sizes), [cache, nodes, scale, selectedNode, sizes]);
  const flowEdges = useMemo(() => cache.toEdges(links, byId, selectedLink), [cache, links, byId, selectedLink]);
  // The whole mesh, from the known card sizes: fitting it needs no DOM measurement, so it works with
  // onlyRenderVisibleElements (React Flow's own fitView only sees the cards it has rendered).
  const bounds = useMemo(() => boundsOf(nodes, scale, sizes), [nodes, scale, sizes]);
  // Label places change only with the geometry, so live figure updates do not re-render every edge.
  const geometry = geometryKey(nodes, links, wall);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const placements = useMemo(() => placeAllLabels(nodes, links, scale, sizes, wall ? WALL_LABELS : DESK_LABELS), [geometry, scale]);
  const minZoom = Math.min(0.25, Math.max(0.005, 400 / Math.max(bounds.width, bounds.height)));
  const flowRef = useRef<ReactFlowInstance<MeshFlowNode, MeshFlowEdge> | null>(null);

  /** The viewport that shows `box` whole inside the container, within the zoom limits. */
  function viewportFor(box: Bounds) {
    const el = containerRef.current;
    const w = (el?.clientWidth ?? 1200) - FIT_PADDING.left - FIT_PADDING.right;
    const h = (el?.clientHeight ?? 600) - FIT_PADDING.top - FIT_PADDING.bottom;
    const zoom = Math.min(MAX_ZOOM, Math.max(minZoom, Math.min(w / box.width, h / box.height)));
    const x = FIT_PADDING.left + (w - box.width * zoom) / 2 - box.x * zoom;
    const y = FIT_PADDING.top + (h - box.height * zoom) / 2 - box.y * zoom;
    return { x, y, zoom };
  }

  // Incident focus: pan and zoom to the affected nodes, and back to the whole mesh when it ends.
  const focusKey = focusNodeIds ? focusNodeIds.join(",") : "";
  const focused = useRef(false);
  useEffect(() => {
    const flow = flowRef.current;
    if (!flow || !rendered) return;
    const wanted = focusKey ? nodes.filter((n) => focusKey.split(",").includes(n.id)) : [];
    if (wanted.length === 0 && !focused.current) return;
    focused.current = wanted.length > 0;
    const target = wanted.length > 0 ? boundsOf(wanted, scale, sizes, FOCUS_MARGIN) : bounds;
    const v = viewportFor(target);
    void flow.setViewport(v, { duration: 800 }).then(() => setInverseZoom(v.zoom));
    // Only a change of the focus moves the view; live updates of the mesh do not.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [focusKey, rendered]);
  /** Fit the mesh once, when the viewport is ready; live updates never move it again. */
  function onInit(flow: ReactFlowInstance<MeshFlowNode, MeshFlowEdge>) {
    flowRef.current = flow;
    const v = viewportFor(bounds);
    void flow.setViewport(v).then(() => {
      setInverseZoom(v.zoom);
      requestAnimationFrame(() => setRendered(true));
    });
  }

  /**
   * Zoomed out, node markers keep a readable size on screen: they scale by a
   * CSS variable written straight to the container on every move (no React
   * render per frame).
   */
  const containerRef = useRef<HTMLDivElement>(null);
  const appliedZoom = useRef(0);
  function setInverseZoom(zoom: number) {
    // Panning keeps the zoom: leave the variable alone, or every marker's style is recalculated each frame.
    if (zoom === appliedZoom.current) return;
    appliedZoom.current = zoom;
    containerRef.current?.style.setProperty("--mesh-inverse-zoom", String(1 / Math.max(zoom, 0.001)));
  }

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
      data-wall={wall}
      data-focus={focusKey || undefined}
      onKeyDown={onKeyDown}
      ref={containerRef}
    >
      <WallModeContext.Provider value={wall}>
      <LabelPlacementContext.Provider value={placements}>
      <GraphSelectContext.Provider value={select}>
        <ReactFlow
          nodes={flowNodes}
          edges={flowEdges}
          nodeTypes={nodeTypes}
          edgeTypes={edgeTypes}
          nodeOrigin={NODE_ORIGIN}
          colorMode="dark"
          minZoom={minZoom}
          maxZoom={MAX_ZOOM}
          onlyRenderVisibleElements
          nodesDraggable={false}
          nodesConnectable={false}
          elementsSelectable={false}
          edgesReconnectable={false}
          zoomOnDoubleClick={false}
          onInit={onInit}
          onMove={(_, viewport) => setInverseZoom(viewport.zoom)}
          onNodeClick={onNodeClick}
          onEdgeClick={onEdgeClick}
          proOptions={PRO_OPTIONS}
          aria-label="QKD mesh topology: nodes and quantum links"
        >
          <Background variant={BackgroundVariant.Dots} gap={28} size={1.5} color="#25324d" />
          <Controls showInteractive={false} position="bottom-left" />
        </ReactFlow>
      </GraphSelectContext.Provider>
      </LabelPlacementContext.Provider>
      </WallModeContext.Provider>
    </div>
  );
}
