/**
 * Turns the API's nodes and links into React Flow nodes and edges: nodes at
 * their stored positions, edges coloured by link status and labelled with QBER
 * (red and marked when over the BB84 abort threshold).
 */
import type { Edge } from "@xyflow/react";
import type { MeshLink, MeshNode } from "@/components/trpc/router-types";
import type { MeshFlowNode } from "./mesh-node";
import { LINK_STATUS_COLOURS, QBER_ABORT_THRESHOLD, formatQber, qberFraction } from "./mesh-styles";

/**
 * Stored positions are a layout sketch (roughly 1000 x 500 units); spreading
 * them out gives the labelled node cards and QBER labels room once fitView
 * scales the whole graph to the screen.
 */
const POSITION_SCALE = 1.4;

export function toFlowNodes(nodes: MeshNode[]): MeshFlowNode[] {
  return nodes.map((n) => ({
    id: n.id,
    type: "qkd",
    position: { x: n.x * POSITION_SCALE, y: n.y * POSITION_SCALE },
    data: { name: n.name, role: n.role, status: n.status, site: n.site },
    draggable: false,
    connectable: false,
    ariaLabel: `${n.name} (${n.id}), ${n.role.toLowerCase()}, ${n.status.toLowerCase()}`,
  }));
}

export function toFlowEdges(links: MeshLink[], nodeIds: ReadonlySet<string>): Edge[] {
  return links
    .filter((l) => nodeIds.has(l.aNodeId) && nodeIds.has(l.bNodeId))
    .map((l) => {
      const compromised = qberFraction(l.qber) > QBER_ABORT_THRESHOLD;
      const colour = compromised ? LINK_STATUS_COLOURS.DOWN : LINK_STATUS_COLOURS[l.status];
      return {
        id: l.id,
        source: l.aNodeId,
        target: l.bNodeId,
        type: "straight",
        selectable: false,
        focusable: false,
        data: { status: l.status, qber: l.qber },
        label: `${compromised ? "⚠ " : ""}QBER ${formatQber(l.qber)} · ${Math.round(l.lengthKm)} km`,
        labelStyle: { fill: compromised ? "#fecaca" : "#e2e8f0", fontSize: 14, fontWeight: 600 },
        labelBgStyle: { fill: "#0d1424", stroke: colour, strokeWidth: 1 },
        labelBgPadding: [8, 4] as [number, number],
        labelBgBorderRadius: 6,
        style: {
          stroke: colour,
          strokeWidth: l.status === "UP" && !compromised ? 3 : 4,
          strokeDasharray: l.status === "DOWN" ? "8 6" : undefined,
        },
      };
    });
}
