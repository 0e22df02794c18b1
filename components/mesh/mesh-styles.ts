/**
 * Colours of the mesh: node status, node role size, link status, and the QBER
 * threshold that marks a link as compromised. Class strings are written out in
 * full for Tailwind's scanner; edge colours are hex because React Flow draws SVG.
 */
import type { MeshLink, MeshNode } from "@/components/trpc/router-types";

/**
 * BB84 must abort above about 11% QBER (Lo-Ma asymptotic bound, DOMAIN.md);
 * an intercept-resend eavesdropper pushes it to about 25%.
 */
export const QBER_ABORT_THRESHOLD = 0.11;
/** Typical links run at 1-4%; above this the link is worth watching. */
export const QBER_WARN_THRESHOLD = 0.05;

export const NODE_STATUS_STYLES: Record<MeshNode["status"], { ring: string; dot: string; text: string }> = {
  ONLINE: { ring: "ring-emerald-400", dot: "bg-emerald-400", text: "text-emerald-200" },
  DEGRADED: { ring: "ring-amber-400", dot: "bg-amber-400", text: "text-amber-200" },
  ISOLATED: { ring: "ring-red-500", dot: "bg-red-500", text: "text-red-200" },
  OFFLINE: { ring: "ring-zinc-500", dot: "bg-zinc-500", text: "text-zinc-300" },
};

export const NODE_ROLE_STYLES: Record<MeshNode["role"], { box: string; title: string }> = {
  HUB: { box: "min-w-48 px-5 py-4 rounded-2xl ring-4 bg-sky-950", title: "text-xl" },
  RELAY: { box: "min-w-40 px-4 py-3 rounded-xl ring-[3px] bg-panel-raised", title: "text-lg" },
  ENDPOINT: { box: "min-w-32 px-3 py-2 rounded-lg ring-2 bg-panel", title: "text-base" },
};

export const LINK_STATUS_COLOURS: Record<MeshLink["status"], string> = {
  UP: "#34d399",
  DEGRADED: "#fbbf24",
  DOWN: "#f87171",
};

/**
 * The API's QBER as a fraction (0.02 = 2%). A value above 1 can only be a
 * percentage already, so it is taken as one.
 */
export function qberFraction(qber: number): number {
  return qber > 1 ? qber / 100 : qber;
}

export function formatQber(qber: number): string {
  return `${(qberFraction(qber) * 100).toFixed(1)}%`;
}
