/**
 * Button looks shared by every page. Tones carry meaning: primary moves a key
 * forward, neutral is safe, danger destroys or revokes.
 */
export type ButtonTone = "primary" | "neutral" | "danger" | "ghost";

const BASE =
  "inline-flex items-center justify-center gap-2 rounded-lg px-4 py-2 text-base font-semibold transition-colors " +
  "disabled:cursor-not-allowed disabled:opacity-50";

const TONES: Record<ButtonTone, string> = {
  primary: "bg-sky-500 text-slate-950 hover:bg-sky-400",
  neutral: "border border-line-strong bg-panel-raised text-slate-100 hover:border-slate-400 hover:bg-line",
  danger: "bg-red-700 text-white hover:bg-red-800",
  ghost: "text-sky-300 hover:bg-panel-raised hover:text-sky-200",
};

export function buttonClass(tone: ButtonTone, extra = ""): string {
  return `${BASE} ${TONES[tone]} ${extra}`.trim();
}

/** Shared look of text inputs and selects. */
export const inputClass =
  "w-full rounded-lg border border-line-strong bg-canvas px-3 py-2 text-base text-slate-100 placeholder:text-slate-400 " +
  "focus:border-sky-400 aria-[invalid=true]:border-red-400";
