"use client";
/**
 * Key states over the last hours (the Keys page): one line per state, in the
 * states' own colours, from `trends.keyStates` (rebuilt from the audit chain
 * in 5-minute steps, re-read every minute). Terminal states (revoked,
 * destroyed) only ever grow and would dwarf the rest, so they are off unless
 * switched on. One image for screen readers, named with the latest counts;
 * the legend's switches are real buttons.
 */
import { useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { KEY_STATES, type KeyState } from "@/server/domain/lifecycle/key-states";
import { useTRPC } from "@/components/trpc/trpc-context";
import { InlineError } from "@/components/ui/inline-error";
import { stateName } from "./key-state-style";

/** Line colours: the hex of each state's dot colour (key-state-style.ts). */
const STATE_HEX: Record<KeyState, string> = {
  GENERATED: "#a78bfa",
  DISTRIBUTED: "#38bdf8",
  ACTIVE: "#34d399",
  ROTATING: "#fbbf24",
  RETIRED: "#94a3b8",
  REVOKED: "#ef4444",
  DESTROYED: "#a1a1aa",
};
const SHOWN_FIRST: ReadonlySet<KeyState> = new Set(["GENERATED", "DISTRIBUTED", "ACTIVE", "ROTATING", "RETIRED"]);
const HOURS = 6;
const REFRESH_MS = 60_000;
const TIME = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const AXIS = { stroke: "#3a4a6b", tick: { fill: "#94a3b8", fontSize: 12 } } as const;

export function KeyStateChart() {
  const trpc = useTRPC();
  const history = useQuery(trpc.trends.keyStates.queryOptions({ hours: HOURS }, { refetchInterval: REFRESH_MS }));
  const [shown, setShown] = useState<ReadonlySet<KeyState>>(SHOWN_FIRST);
  const data = useMemo(
    () => (history.data?.points ?? []).map((p) => ({ t: new Date(p.at).getTime(), ...p.counts })),
    [history.data],
  );

  const title = <h2 className="text-lg font-semibold text-slate-100">Key states, last {HOURS} hours</h2>;
  if (history.isPending) {
    return (
      <section className="flex flex-col gap-2" data-testid="key-state-chart" data-status="loading">
        {title}
        <div className="h-[180px] animate-pulse rounded-lg border border-line bg-panel" aria-label="Loading the key state chart" />
      </section>
    );
  }
  if (history.isError) {
    return (
      <section className="flex flex-col gap-2" data-testid="key-state-chart" data-status="error">
        {title}
        <InlineError message={`Key state history unavailable: ${history.error.message}`} />
      </section>
    );
  }
  const latest = history.data.points[history.data.points.length - 1]?.counts;
  const label = latest
    ? `Keys per state over the last ${HOURS} hours; now ${KEY_STATES.map((s) => `${latest[s]} ${stateName(s).toLowerCase()}`).join(", ")}`
    : "No keys yet";
  const toggle = (s: KeyState) => setShown((prev) => {
    const next = new Set(prev);
    if (next.has(s)) next.delete(s);
    else next.add(s);
    return next;
  });
  return (
    <section className="flex flex-col gap-2" data-testid="key-state-chart" data-status="ready" data-points={data.length}>
      <div className="flex flex-wrap items-baseline justify-between gap-3">
        {title}
        {history.data.complete ? null : (
          <p className="text-sm text-amber-200" data-testid="key-state-chart-partial">
            A busy window: drawn from {TIME.format(new Date(history.data.from))}.
          </p>
        )}
      </div>
      <ul className="flex flex-wrap gap-2" aria-label="States drawn">
        {KEY_STATES.map((s) => (
          <li key={s}>
            <button
              type="button"
              aria-pressed={shown.has(s)}
              onClick={() => toggle(s)}
              data-testid={`key-state-line-${s}`}
              className={`flex items-center gap-2 rounded-full border px-3 py-1 text-sm ${shown.has(s) ? "border-slate-400 text-slate-100" : "border-line text-slate-400"}`}
            >
              <span aria-hidden className="inline-block h-0.5 w-4" style={{ backgroundColor: STATE_HEX[s], opacity: shown.has(s) ? 1 : 0.4 }} />
              {stateName(s)} {latest ? <span className="tabular-nums">{latest[s]}</span> : null}
            </button>
          </li>
        ))}
      </ul>
      <div role="img" aria-label={label} className="h-[180px] w-full rounded-lg border border-line bg-canvas" data-testid="key-state-chart-image">
        <ResponsiveContainer width="100%" height={180}>
          <LineChart data={data} margin={{ top: 8, right: 12, bottom: 0, left: 0 }} accessibilityLayer={false}>
            <CartesianGrid stroke="#25324d" vertical={false} />
            <XAxis dataKey="t" type="number" scale="time" domain={["dataMin", "dataMax"]} tickFormatter={(t: number) => TIME.format(t)} minTickGap={48} {...AXIS} />
            <YAxis allowDecimals={false} width={48} {...AXIS} />
            <Tooltip
              labelFormatter={(t) => TIME.format(Number(t))}
              contentStyle={{ background: "#0f172a", border: "1px solid #3a4a6b", color: "#e2e8f0" }}
            />
            {KEY_STATES.filter((s) => shown.has(s)).map((s) => (
              <Line key={s} dataKey={s} name={stateName(s)} type="stepAfter" stroke={STATE_HEX[s]} strokeWidth={2} dot={false} isAnimationActive={false} />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
    </section>
  );
}
