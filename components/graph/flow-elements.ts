/**
 * Turns the mesh views into React Flow nodes and edges with structural
 * sharing: an element whose visible data did not change keeps its previous
 * object, so React Flow re-renders only what changed when the mesh refreshes
 * every few seconds. Edge data holds what the edge draws (QBER to 0.1%, pool
 * level to 1%), so simulation noise below that precision re-renders nothing.
 */
import { Position, type Edge, type Node, type NodeHandle } from "@xyflow/react";
import type { MeshLinkView, MeshNodeView } from "@/components/trpc/router-types";
import { formatQber, formatRate, NODE_SIZES, type LinkHealth, type NodeRole, type NodeStatus } from "./mesh-styles";

export interface MeshNodeData extends Record<string, unknown> {
  name: string;
  role: NodeRole;
  status: NodeStatus;
  statusReason: string | null;
  site: string;
  heldKeys: number;
  selected: boolean;
  /** Has the graph's keyboard focus (arrow keys move it; graph-keyboard.ts): drawn with a focus ring. */
  focused: boolean;
}

export interface MeshEdgeData extends Record<string, unknown> {
  health: LinkHealth;
  status: MeshLinkView["status"];
  kind: MeshLinkView["kind"];
  viaName: string | null;
  qberText: string;
  rateText: string;
  /** Pool level in whole percent. */
  poolPercent: number;
  eavesdropper: boolean;
  sourceRole: NodeRole;
  targetRole: NodeRole;
  selected: boolean;
  /** Has the graph's keyboard focus (arrow keys move it; graph-keyboard.ts): drawn with a focus ring. */
  focused: boolean;
  /** Hover text and accessible name: ends, kind, health, figures. */
  title: string;
}

export type MeshFlowNode = Node<MeshNodeData, "qkd">;
export type MeshFlowEdge = Edge<MeshEdgeData, "qkd">;

/** One centre handle each way, declared up front so edges draw before (or without) the DOM being measured. */
function centreHandles(size: { width: number; height: number }): NodeHandle[] {
  const at = { x: size.width / 2 - 0.5, y: size.height / 2, width: 1, height: 1, position: Position.Top };
  return [{ ...at, type: "source" }, { ...at, type: "target" }];
}
type Sizes = Record<NodeRole, { width: number; height: number }>;
/** Handles per size table (desk or wall), built once per table. */
const HANDLES = new WeakMap<Sizes, Record<NodeRole, NodeHandle[]>>();
function handlesFor(sizes: Sizes): Record<NodeRole, NodeHandle[]> {
  let h = HANDLES.get(sizes);
  if (!h) {
    h = { HUB: centreHandles(sizes.HUB), RELAY: centreHandles(sizes.RELAY), ENDPOINT: centreHandles(sizes.ENDPOINT) };
    HANDLES.set(sizes, h);
  }
  return h;
}

function sameFields<T extends Record<string, unknown>>(a: T, b: T): boolean {
  for (const k in a) if (a[k] !== b[k]) return false;
  return true;
}

export class FlowElementCache {
  private nodes = new Map<string, MeshFlowNode>();
  private edges = new Map<string, MeshFlowEdge>();

  toNodes(views: readonly MeshNodeView[], scale: number, selectedId: string | null, sizes: Sizes = NODE_SIZES, focusedId: string | null = null): MeshFlowNode[] {
    const handles = handlesFor(sizes);
    const next = new Map<string, MeshFlowNode>();
    const out = views.map((n) => {
      const data: MeshNodeData = {
        name: n.name, role: n.role, status: n.status, statusReason: n.statusReason, site: n.site, heldKeys: n.heldKeys,
        selected: n.id === selectedId, focused: n.id === focusedId,
      };
      const x = n.x * scale;
      const y = n.y * scale;
      const prev = this.nodes.get(n.id);
      const node: MeshFlowNode =
        prev && prev.width === sizes[n.role].width && prev.position.x === x && prev.position.y === y && sameFields(prev.data, data)
          ? prev
          : {
              id: n.id, type: "qkd", position: { x, y }, data, ...sizes[n.role], handles: handles[n.role],
              draggable: false, connectable: false, selectable: false,
              // Not a tab stop of its own (the graph is one, with arrow keys), but still a named group for screen readers.
              ariaRole: "group",
              ariaLabel: `${n.name}, ${n.role.toLowerCase()}, ${n.status.toLowerCase()}. Press Enter for details.`,
            };
      next.set(n.id, node);
      return node;
    });
    this.nodes = next;
    return out;
  }

  toEdges(links: readonly MeshLinkView[], nodes: ReadonlyMap<string, MeshNodeView>, selectedId: string | null, focusedId: string | null = null): MeshFlowEdge[] {
    const next = new Map<string, MeshFlowEdge>();
    const out: MeshFlowEdge[] = [];
    for (const l of links) {
      const a = nodes.get(l.aNodeId);
      const b = nodes.get(l.bNodeId);
      if (!a || !b) continue;
      const data: MeshEdgeData = {
        health: l.health, status: l.status, kind: l.kind,
        viaName: l.viaNodeId ? (nodes.get(l.viaNodeId)?.name ?? l.viaNodeId) : null,
        qberText: formatQber(l.qber), rateText: formatRate(l.secretKeyRateBps), poolPercent: Math.round(l.poolLevel * 100),
        eavesdropper: l.eavesdropper, sourceRole: a.role, targetRole: b.role, selected: l.id === selectedId, focused: l.id === focusedId, title: "",
      };
      data.title = `${a.name} ↔ ${b.name}${data.viaName ? `, bypass via ${data.viaName}` : ""}: ${data.health}, QBER ${data.qberText}, ${
        l.status === "DOWN" ? "down" : `${data.rateText}, pool ${data.poolPercent}%`
      }${l.eavesdropper ? ", simulated eavesdropper" : ""}`;
      const prev = this.edges.get(l.id);
      const edge: MeshFlowEdge =
        prev && sameFields(prev.data!, data)
          ? prev
          : {
              id: l.id, type: "qkd", source: l.aNodeId, target: l.bNodeId, data, selectable: false,
              ariaLabel: `Link ${data.title}. Press Enter for details.`,
            };
      next.set(l.id, edge);
      out.push(edge);
    }
    this.edges = next;
    return out;
  }
}
