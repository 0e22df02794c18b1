"use client";
/**
 * The React Flow canvas of the mesh. Read-only (pan, zoom, click): nothing can
 * be dragged or connected, so a demo audience cannot break anything. The view
 * fits the mesh once, on first load; live updates change elements in place
 * and never move the viewport. For the keyboard the graph is one tab stop (its
 * nodes and links are not tab stops of their own): arrow keys move a visible
 * focus ring to the nearest node that way, or from link to link, and
 * Shift+arrow crosses from a node to one of its links and back
 * (graph-keyboard.ts); Enter or Space opens the focused element's panel as a
 * click does, and a polite live region says what has the focus.
 */
import { Background, BackgroundVariant, Controls, ReactFlow, type EdgeTypes, type NodeTypes, type ReactFlowInstance } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useCallback, useEffect, useId, useMemo, useRef, useState, type FocusEvent, type KeyboardEvent } from "react";
import type { MeshLinkView, MeshNodeView } from "@/components/trpc/router-types";
import { FlowElementCache, type MeshFlowEdge, type MeshFlowNode } from "./flow-elements";
import { isArrowKey, moveFocus, nearestTo, type GraphFocus } from "./graph-keyboard";
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
  const linkById = useMemo(() => new Map(links.map((l) => [l.id, l])), [links]);
  // The keyboard focus inside the graph (one tab stop): a node or a link, shown only while the graph has keyboard focus.
  const [keyFocus, setKeyFocus] = useState<GraphFocus | null>(null);
  const [ringShown, setRingShown] = useState(false);
  const exists = (f: GraphFocus | null): f is GraphFocus => f !== null && (f.kind === "node" ? byId.has(f.id) : linkById.has(f.id));
  const shownFocus = ringShown && exists(keyFocus) ? keyFocus : null;
  const shownKeyNode = shownFocus?.kind === "node" ? shownFocus.id : null;
  const shownKeyLink = shownFocus?.kind === "link" ? shownFocus.id : null;
  const flowNodes = useMemo(() => cache.toNodes(nodes, scale, selectedNode, sizes, shownKeyNode), [cache, nodes, scale, selectedNode, sizes, shownKeyNode]);
  const flowEdges = useMemo(() => cache.toEdges(links, byId, selectedLink, shownKeyLink), [cache, links, byId, selectedLink, shownKeyLink]);
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

  /** Flow-space points of the nodes (their centres) and the links' ends, for the arrow keys. */
  const points = useMemo(() => nodes.map((n) => ({ id: n.id, x: n.x * scale, y: n.y * scale })), [nodes, scale]);
  const linkEnds = useMemo(() => links.map((l) => ({ id: l.id, a: l.aNodeId, b: l.bNodeId })), [links]);

  /** Where the keyboard focus starts: the selection, the last focused element, else the node nearest the middle of the view. */
  function startFocus(): GraphFocus | null {
    if (selection && exists(selection)) return selection;
    if (exists(keyFocus)) return keyFocus;
    const el = containerRef.current;
    const v = flowRef.current?.getViewport() ?? { x: 0, y: 0, zoom: 1 };
    const cx = ((el?.clientWidth ?? 0) / 2 - v.x) / v.zoom;
    const cy = ((el?.clientHeight ?? 0) / 2 - v.y) / v.zoom;
    const id = nearestTo(cx, cy, points);
    return id ? { kind: "node", id } : null;
  }

  /** Flow-space centre of a focused element: a node's centre, a link's midpoint. */
  function centreOf(f: GraphFocus): { x: number; y: number } | null {
    if (f.kind === "node") {
      const n = byId.get(f.id);
      return n ? { x: n.x * scale, y: n.y * scale } : null;
    }
    const l = linkById.get(f.id);
    const a = l ? byId.get(l.aNodeId) : undefined;
    const b = l ? byId.get(l.bNodeId) : undefined;
    return a && b ? { x: ((a.x + b.x) / 2) * scale, y: ((a.y + b.y) / 2) * scale } : null;
  }

  /** Pans (at the same zoom) so the element that has the keyboard focus is on screen, with a margin. */
  function reveal(f: GraphFocus) {
    const flow = flowRef.current;
    const el = containerRef.current;
    const c = centreOf(f);
    if (!flow || !el || !c) return;
    const { x, y, zoom } = flow.getViewport();
    const sx = c.x * zoom + x;
    const sy = c.y * zoom + y;
    const margin = 80;
    if (sx < margin || sy < FIT_PADDING.top + margin || sx > el.clientWidth - margin || sy > el.clientHeight - margin) {
      void flow.setCenter(c.x, c.y, { zoom, duration: 250 });
    }
  }

  function showFocus(f: GraphFocus | null) {
    setKeyFocus(f);
    setRingShown(f !== null);
    if (f) reveal(f);
  }

  function onFocus(e: FocusEvent<HTMLDivElement>) {
    if (e.target !== e.currentTarget) return; // a button inside (the zoom controls) took focus
    // A ring only for keyboard focus (Tab, or focus given back by a closed panel), not for a mouse click.
    if (!e.currentTarget.matches(":focus-visible")) return;
    showFocus(startFocus());
  }

  function onBlur(e: FocusEvent<HTMLDivElement>) {
    if (e.target === e.currentTarget) setRingShown(false);
  }

  function onKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    // Keys on the graph itself; a button inside (zoom controls, a clicked label) handles its own.
    if (e.target !== e.currentTarget || e.altKey || e.ctrlKey || e.metaKey) return;
    const key = e.key;
    const arrow = isArrowKey(key);
    if (!arrow && key !== "Enter" && key !== " ") return;
    e.preventDefault();
    if (!shownFocus) {
      // No ring yet (focus came by a click or a script): the first key shows where the focus is.
      showFocus(startFocus());
    } else if (isArrowKey(key)) {
      const next = moveFocus(shownFocus, points, linkEnds, key, e.shiftKey);
      if (next) showFocus(next);
    } else {
      select(shownFocus.kind, shownFocus.id);
    }
  }

  const hintId = useId();
  const focusedNode = shownKeyNode ? byId.get(shownKeyNode) : undefined;
  const focusedLink = shownKeyLink ? flowEdges.find((e) => e.id === shownKeyLink) : undefined;
  const announcement = focusedNode
    ? `${focusedNode.name}, ${focusedNode.role.toLowerCase()}, ${focusedNode.status.toLowerCase()}`
    : focusedLink?.data
      ? `Link ${focusedLink.data.title}`
      : "";

  return (
    <div
      className={`relative overflow-hidden rounded-xl border border-line ${className}`}
      data-testid="mesh-graph"
      data-rendered={rendered}
      data-node-count={nodes.length}
      data-link-count={links.length}
      data-wall={wall}
      data-focus={focusKey || undefined}
      data-keyboard-node={shownKeyNode ?? undefined}
      data-keyboard-link={shownKeyLink ?? undefined}
      ref={containerRef}
    >
      <p id={hintId} className="sr-only">
        Arrow keys move between nodes, or between links; Shift with an arrow goes from a node to its link that way and back.
        Enter opens the focused node&apos;s or link&apos;s details, Escape closes them.
      </p>
      <p className="sr-only" aria-live="polite" data-testid="mesh-graph-announcer">
        {announcement}
      </p>
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
          nodesFocusable={false}
          edgesFocusable={false}
          disableKeyboardA11y
          panActivationKeyCode={null}
          elementsSelectable={false}
          edgesReconnectable={false}
          zoomOnDoubleClick={false}
          onInit={onInit}
          onMove={(_, viewport) => setInverseZoom(viewport.zoom)}
          onNodeClick={onNodeClick}
          onEdgeClick={onEdgeClick}
          proOptions={PRO_OPTIONS}
          aria-label="QKD mesh topology: nodes and quantum links"
          aria-describedby={hintId}
          tabIndex={0}
          onKeyDown={onKeyDown}
          onFocus={onFocus}
          onBlur={onBlur}
          data-testid="mesh-graph-canvas"
          className="focus-visible:outline focus-visible:outline-4 focus-visible:-outline-offset-4 focus-visible:outline-sky-400"
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
