/**
 * How the Mesh page words a link's one-time pads (issue 18): sizes in bytes
 * and in 256-bit keys, the one-line summary an edge's tooltip carries, and the
 * desync sentence. Pure, so the wording is tested without a browser.
 */
import type { LinkPadsView } from "@/components/trpc/router-types";

export function formatPadBytes(bytes: number): string {
  if (bytes >= 1 << 20) return `${(bytes / (1 << 20)).toFixed(1)} MiB`;
  if (bytes >= 1 << 10) return `${(bytes / (1 << 10)).toFixed(1)} KiB`;
  return `${bytes} B`;
}

export function formatKeys(keys: number): string {
  return `${keys.toLocaleString("en-US")} ${keys === 1 ? "key" : "keys"}`;
}

export const PADS_DISAGREE = "pads disagree";
export const NO_PAD_REPORT = "no pad report from this link's ends yet";

/** The tooltip line of an edge: the bottleneck in keys, or that the ends disagree, or that nothing was reported. */
export function padSummary(pads: LinkPadsView | null): string {
  if (pads?.desync) return `${PADS_DISAGREE} (key ${pads.desync.keyId})`;
  if (!pads || pads.availableKeys === null) return NO_PAD_REPORT;
  return `pads: ${formatKeys(pads.availableKeys)} left on the emptiest stream`;
}

/** Which end's stream is which, for a person: "A>B" sent by A's end. */
export function directionLabel(direction: "A>B" | "B>A", names: { a: string; b: string }): string {
  return direction === "A>B" ? `${names.a} → ${names.b}` : `${names.b} → ${names.a}`;
}
