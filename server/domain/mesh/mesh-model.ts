/**
 * The mesh as the pure code sees it: plain numbers (bits fit in a double far
 * beyond any pool), no database types. Loaded by mesh-rows.ts, written back by
 * the runner's mesh flush.
 */
import type { LinkParameters } from "./link-rate";

export type NodeRole = "HUB" | "RELAY" | "ENDPOINT";
export type NodeStatus = "ONLINE" | "DEGRADED" | "ISOLATED" | "OFFLINE";
export type LinkStatus = "UP" | "DEGRADED" | "DOWN";
export type LinkKind = "FIBRE" | "BYPASS";

export interface MeshNode {
  id: string;
  name: string;
  role: NodeRole;
  status: NodeStatus;
  statusReason: string | null;
  site: string;
  x: number;
  y: number;
}

/** A link of the mesh: its stated parameters (LinkParameters, link-rate.ts) and its state. */
export interface MeshLink extends LinkParameters {
  id: string;
  aNodeId: string;
  bNodeId: string;
  status: LinkStatus;
  kind: LinkKind;
  viaNodeId: string | null;
  /** QBER at the operating point, from the model (link-rate.ts). */
  baselineQber: number;
  qber: number;
  /** Rate at the current QBER (bit/s). */
  secretKeyRateBps: number;
  poolBits: number;
  poolCapacityBits: number;
  eavesdropper: boolean;
  downReason: string | null;
  bitsConsumed: number;
}

export interface Mesh {
  nodes: Map<string, MeshNode>;
  links: Map<string, MeshLink>;
}

/** Nodes that can forward keys (trusted nodes). Endpoints only receive. */
export function canRelay(n: MeshNode): boolean {
  return n.role !== "ENDPOINT";
}

/** Nodes that are part of the live mesh. */
export function isReachableStatus(s: NodeStatus): boolean {
  return s === "ONLINE" || s === "DEGRADED";
}

export function otherEnd(l: MeshLink, nodeId: string): string {
  return l.aNodeId === nodeId ? l.bNodeId : l.aNodeId;
}

export function hubOf(mesh: Mesh): MeshNode | null {
  for (const n of mesh.nodes.values()) if (n.role === "HUB") return n;
  return null;
}

/** Canonical id of the link between two nodes (order-independent). */
export function linkIdFor(a: string, b: string, kind: LinkKind = "FIBRE"): string {
  const [x, y] = a < b ? [a, b] : [b, a];
  return kind === "BYPASS" ? `bypass:${x}--${y}` : `${x}--${y}`;
}

export function cloneMesh(m: Mesh): Mesh {
  return {
    nodes: new Map([...m.nodes].map(([k, v]) => [k, { ...v }])),
    links: new Map([...m.links].map(([k, v]) => [k, { ...v }])),
  };
}
