"use client";
/**
 * Keys per state as large, clickable filter chips (several may be on). The
 * counts follow the search box, so they always match what the table could show.
 */
import { KEY_STATES, KEY_STATE_DESCRIPTIONS, type KeyState } from "@/server/domain/lifecycle/key-states";
import { formatCount } from "@/components/ui/format";
import { KEY_STATE_STYLES } from "./key-state-style";

interface Props {
  counts: Record<KeyState, number> | undefined;
  selected: KeyState[];
  onChange: (states: KeyState[]) => void;
}

export function StateChips({ counts, selected, onChange }: Props) {
  const on = new Set(selected);
  const total = counts ? KEY_STATES.reduce((n, s) => n + counts[s], 0) : undefined;

  function toggle(state: KeyState) {
    const next = new Set(on);
    if (next.has(state)) next.delete(state);
    else next.add(state);
    onChange(KEY_STATES.filter((s) => next.has(s)));
  }

  return (
    <div role="group" aria-label="Filter by state" className="grid grid-cols-2 gap-3 sm:grid-cols-4 xl:grid-cols-[8.5rem_repeat(7,minmax(0,1fr))]">
      <button
        type="button"
        data-testid="state-chip-ALL"
        aria-pressed={on.size === 0}
        onClick={() => onChange([])}
        className={`flex min-w-0 flex-col items-start rounded-xl px-3 py-3 text-left ring-1 transition-colors ${
          on.size === 0 ? "bg-sky-500/20 ring-2 ring-sky-300" : "bg-panel ring-line hover:bg-panel-raised"
        }`}
      >
        <span className="text-[0.8rem] font-semibold uppercase text-slate-300">All states</span>
        <span data-testid="state-count-ALL" className="text-4xl font-bold tabular-nums text-white">
          {total === undefined ? "–" : formatCount(total)}
        </span>
      </button>
      {KEY_STATES.map((state) => {
        const s = KEY_STATE_STYLES[state];
        const pressed = on.has(state);
        return (
          <button
            key={state}
            type="button"
            data-testid={`state-chip-${state}`}
            data-state={state}
            aria-pressed={pressed}
            title={KEY_STATE_DESCRIPTIONS[state]}
            onClick={() => toggle(state)}
            className={`flex min-w-0 flex-col items-start rounded-xl px-3 py-3 text-left transition-colors ${
              pressed ? `ring-2 ${s.chipOn}` : "bg-panel ring-1 ring-line hover:bg-panel-raised"
            }`}
          >
            <span className="max-w-full truncate text-[0.8rem] font-semibold uppercase text-slate-200">{state}</span>
            <span className="flex items-center gap-2">
              <span aria-hidden="true" className={`inline-block size-3 shrink-0 rounded-full ${s.dot}`} />
              <span data-testid={`state-count-${state}`} className={`text-4xl font-bold tabular-nums ${s.text}`}>
                {counts ? formatCount(counts[state]) : "–"}
              </span>
            </span>
          </button>
        );
      })}
    </div>
  );
}
