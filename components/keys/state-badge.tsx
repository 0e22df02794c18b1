/** A key's state as a coloured pill with a marker and the state's name; its description in the tooltip. */
import { KEY_STATE_DESCRIPTIONS, isKeyState, type KeyState } from "@/server/domain/lifecycle/key-states";
import { KEY_STATE_STYLES } from "./key-state-style";

const SIZES = {
  sm: "gap-1.5 px-2 py-0.5 text-xs",
  md: "gap-2 px-2.5 py-1 text-sm",
  lg: "gap-2.5 px-4 py-1.5 text-lg",
} as const;

export function StateBadge({ state, size = "md", testId }: { state: KeyState; size?: keyof typeof SIZES; testId?: string }) {
  const s = KEY_STATE_STYLES[state];
  return (
    <span
      data-testid={testId}
      data-state={state}
      title={KEY_STATE_DESCRIPTIONS[state]}
      className={`inline-flex items-center whitespace-nowrap rounded-full font-semibold tracking-wide ring-1 ${s.badge} ${SIZES[size]}`}
    >
      <span aria-hidden="true" className={`inline-block size-2 rounded-full ${s.dot}`} />
      {state}
    </span>
  );
}

/** A state name that may not be a key state (audit entries of other subjects): badge if it is, plain text if not. */
export function MaybeStateBadge({ value }: { value: string | null }) {
  if (value === null) return <span className="text-slate-400">—</span>;
  return isKeyState(value) ? <StateBadge state={value} size="sm" /> : <span className="font-mono text-sm text-slate-200">{value}</span>;
}
