/**
 * How the mesh looks: node status and role styles, link health colours, the
 * fixed card sizes the edge geometry relies on, and number formats (QBER,
 * key rate, pool bits). Class strings are written out in full for Tailwind's
 * scanner; edge colours are hex because React Flow draws SVG.
 */
import type { MeshLinkView, MeshNodeView } from "@/components/trpc/router-types";
import { QBER_ABORT, QBER_WARNING } from "@/server/domain/mesh/link-physics";

export { QBER_ABORT, QBER_WARNING };

export type NodeStatus = MeshNodeView["status"];
export type NodeRole = MeshNodeView["role"];
export type LinkHealth = MeshLinkView["health"];

export const NODE_STATUSES: NodeStatus[] = ["ONLINE", "DEGRADED", "ISOLATED", "OFFLINE"];
export const LINK_HEALTHS: LinkHealth[] = ["healthy", "warning", "compromised", "down"];

export const NODE_STATUS_STYLES: Record<NodeStatus, { ring: string; dot: string; text: string; label: string; hex: string }> = {
  ONLINE: { ring: "ring-emerald-400", dot: "bg-emerald-400", text: "text-emerald-200", label: "online", hex: "#34d399" },
  DEGRADED: { ring: "ring-amber-400", dot: "bg-amber-400", text: "text-amber-200", label: "degraded", hex: "#fbbf24" },
  ISOLATED: { ring: "ring-red-500", dot: "bg-red-500", text: "text-red-200", label: "isolated", hex: "#ef4444" },
  OFFLINE: { ring: "ring-zinc-500", dot: "bg-zinc-500", text: "text-zinc-300", label: "offline", hex: "#71717a" },
};

/**
 * Card sizes in flow units, fixed per role: the edge labels are placed
 * between the cards from these sizes, without measuring the DOM.
 */
export const NODE_SIZES: Record<NodeRole, { width: number; height: number }> = {
  HUB: { width: 244, height: 84 },
  RELAY: { width: 216, height: 72 },
  ENDPOINT: { width: 216, height: 64 },
};

export const NODE_ROLE_STYLES: Record<NodeRole, { box: string; title: string; label: string }> = {
  HUB: { box: "rounded-2xl ring-4 bg-sky-950", title: "text-lg", label: "hub" },
  RELAY: { box: "rounded-xl ring-[3px] bg-panel-raised", title: "text-base", label: "trusted relay" },
  ENDPOINT: { box: "rounded-lg ring-2 bg-panel", title: "text-base", label: "endpoint" },
};

export const LINK_HEALTH_STYLES: Record<LinkHealth, { hex: string; text: string; label: string }> = {
  healthy: { hex: "#34d399", text: "text-emerald-200", label: "healthy" },
  warning: { hex: "#fbbf24", text: "text-amber-200", label: "QBER warning" },
  compromised: { hex: "#f43f5e", text: "text-rose-200", label: "compromised" },
  down: { hex: "#64748b", text: "text-slate-300", label: "down" },
};

/** Dashes: a bypass is a spliced channel through an isolated site; a down link is dotted. */
export const BYPASS_DASH = "12 7";
export const DOWN_DASH = "3 8";

export function formatQber(qber: number): string {
  return `${(qber * 100).toFixed(1)}%`;
}

export function formatRate(bps: number): string {
  if (bps >= 1e6) return `${(bps / 1e6).toFixed(bps >= 1e7 ? 0 : 1)} Mb/s`;
  if (bps >= 1e3) return `${(bps / 1e3).toFixed(bps >= 1e5 ? 0 : 1)} kb/s`;
  return `${Math.round(bps)} b/s`;
}

export function formatBits(bits: number): string {
  if (bits >= 1 << 20) return `${(bits / (1 << 20)).toFixed(1)} Mbit`;
  if (bits >= 1 << 10) return `${(bits / (1 << 10)).toFixed(1)} kbit`;
  return `${Math.round(bits)} bit`;
}

export function formatPercent(fraction: number): string {
  return `${Math.round(fraction * 100)}%`;
}
