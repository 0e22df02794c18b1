/**
 * One colour per key state, used by chips, badges and the timeline. Every
 * state also has a distinct dot shape and its name in text, so colour is never
 * the only signal. Class strings are written out in full for Tailwind's scanner.
 */
import type { KeyState } from "@/server/domain/lifecycle/key-states";

export interface KeyStateStyle {
  /** Badge: tinted background, light text, coloured ring. */
  badge: string;
  /** Filter chip when selected. */
  chipOn: string;
  /** The coloured marker (dot, bar). */
  dot: string;
  /** Large count text. */
  text: string;
}

export const KEY_STATE_STYLES: Record<KeyState, KeyStateStyle> = {
  GENERATED: {
    badge: "bg-violet-500/15 text-violet-200 ring-violet-400/70",
    chipOn: "bg-violet-500/25 ring-violet-300",
    dot: "bg-violet-400",
    text: "text-violet-200",
  },
  DISTRIBUTED: {
    badge: "bg-sky-500/15 text-sky-200 ring-sky-400/70",
    chipOn: "bg-sky-500/25 ring-sky-300",
    dot: "bg-sky-400",
    text: "text-sky-200",
  },
  ACTIVE: {
    badge: "bg-emerald-500/15 text-emerald-200 ring-emerald-400/70",
    chipOn: "bg-emerald-500/25 ring-emerald-300",
    dot: "bg-emerald-400",
    text: "text-emerald-200",
  },
  ROTATING: {
    badge: "bg-amber-500/15 text-amber-200 ring-amber-400/70",
    chipOn: "bg-amber-500/25 ring-amber-300",
    dot: "bg-amber-400",
    text: "text-amber-200",
  },
  RETIRED: {
    badge: "bg-slate-500/20 text-slate-200 ring-slate-400/70",
    chipOn: "bg-slate-500/30 ring-slate-300",
    dot: "bg-slate-400",
    text: "text-slate-200",
  },
  REVOKED: {
    badge: "bg-red-500/20 text-red-200 ring-red-400/80",
    chipOn: "bg-red-500/30 ring-red-300",
    dot: "bg-red-500",
    text: "text-red-200",
  },
  DESTROYED: {
    badge: "bg-zinc-800 text-zinc-300 ring-zinc-500/70",
    chipOn: "bg-zinc-600/40 ring-zinc-300",
    dot: "bg-transparent ring-2 ring-inset ring-zinc-400",
    text: "text-zinc-300",
  },
};

/** Readable name of a state ("Active"), for sentences. */
export function stateName(state: KeyState): string {
  return state.charAt(0) + state.slice(1).toLowerCase();
}
