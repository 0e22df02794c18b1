"use client";
/**
 * Deliveries per minute (issue 17): key copies delivered to node agents
 * (confirmed receipts) in each whole minute of the last half hour, as bars,
 * with failed deliveries stacked on top in red, from `trends.deliveries`
 * (re-read every 15 s). The last whole minute is also a big figure, for a
 * wall seen from across the room. One image for screen readers, named with
 * the figures; loading, empty and error states say so in words.
 * `size="desk"` draws it smaller, for the Keys page under the key states.
 */
import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { useTRPC } from "@/components/trpc/trpc-context";

const MINUTES = 30;
const REFRESH_MS = 15_000;
const TIME = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const AGENTS_HEX = "#38bdf8";
const FAILED_HEX = "#f43f5e";

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export function DeliveriesChart({ size = "wall" }: { size?: "wall" | "desk" }) {
  const trpc = useTRPC();
  const history = useQuery(trpc.trends.deliveries.queryOptions({ minutes: MINUTES }, { refetchInterval: REFRESH_MS }));
  const data = useMemo(() => (history.data?.points ?? []).map((p) => ({ t: new Date(p.at).getTime(), ...p.counts })), [history.data]);
  const wall = size === "wall";
  const box = wall ? "rounded-xl border-2 border-line bg-canvas/85 px-4 py-3 backdrop-blur" : "rounded-lg border border-line bg-panel px-4 py-3";
  const chartHeight = wall ? "h-24 min-[1800px]:h-36 min-[3000px]:h-52" : "h-36";
  const small = wall ? "text-base min-[3000px]:text-xl" : "text-sm";
  const axis = { stroke: "#3a4a6b", tick: { fill: "#cbd5e1", fontSize: wall ? 14 : 12 } } as const;
  const title = (
    <h2 className={wall ? "text-base font-semibold uppercase tracking-wider text-slate-200 min-[3000px]:text-xl" : "text-lg font-semibold text-slate-100"}>Deliveries per minute</h2>
  );

  if (history.isPending) {
    return (
      <section className={box} data-testid="deliveries-chart" data-status="loading" aria-busy="true">
        {title}
        <div className={`${chartHeight} mt-2 animate-pulse rounded-lg bg-panel`} aria-label="Loading deliveries per minute" />
      </section>
    );
  }
  if (history.isError) {
    return (
      <section className={box} data-testid="deliveries-chart" data-status="error">
        {title}
        <p role="alert" className="mt-2 text-base font-medium text-red-300">Deliveries unavailable: {history.error.message}</p>
      </section>
    );
  }
  const h = history.data;
  const last = h.points[h.points.length - 1]?.counts ?? { toAgents: 0, failed: 0 };
  const empty = h.totals.toAgents + h.totals.failed + h.thisMinute.toAgents + h.thisMinute.failed === 0;
  const summary =
    `Key copies delivered to node agents, per minute over the last ${MINUTES} minutes: ${plural(h.totals.toAgents, "copy", "copies")} in all, ` +
    `${last.toAgents} in the last whole minute, ${h.thisMinute.toAgents} so far this minute; ${plural(h.totals.failed, "failed delivery", "failed deliveries")}`;
  return (
    <section className={box} data-testid="deliveries-chart" data-status={empty ? "empty" : "ready"} data-points={h.points.length} data-total={h.totals.toAgents} data-this-minute={h.thisMinute.toAgents} data-failed={h.totals.failed}>
      <div className="flex items-baseline justify-between gap-3">
        {title}
        <p className={`text-slate-300 ${wall ? "text-sm min-[3000px]:text-lg" : "text-xs"}`}>last {MINUTES} min</p>
      </div>
      <div className="mt-1 flex flex-wrap items-baseline gap-x-5 gap-y-1">
        <p className={`flex items-baseline gap-2 font-semibold text-slate-200 ${small}`} data-testid="deliveries-last-minute">
          <span aria-hidden className="inline-block size-3 self-center rounded-sm" style={{ backgroundColor: AGENTS_HEX }} />
          <span className={`font-bold tabular-nums text-white ${wall ? "text-4xl min-[3000px]:text-5xl" : "text-2xl"}`}>{last.toAgents}</span>
          copies to agents last minute
        </p>
        <p className={`flex items-baseline gap-2 font-semibold ${h.totals.failed > 0 ? "text-rose-300" : "text-slate-300"} ${small}`} data-testid="deliveries-failed">
          <span aria-hidden className="inline-block size-3 self-center rounded-sm" style={{ backgroundColor: FAILED_HEX }} />
          {h.totals.failed > 0 ? "⚠ " : ""}
          {h.totals.failed} failed
        </p>
      </div>
      {empty ? (
        <p className={`${chartHeight} mt-2 flex items-center justify-center rounded-lg border border-dashed border-line text-base text-slate-300`} data-testid="deliveries-empty">
          No key deliveries in the last {MINUTES} minutes
        </p>
      ) : (
        <div role="img" aria-label={summary} className={`${chartHeight} mt-2 w-full`} data-testid="deliveries-chart-image">
          <ResponsiveContainer width="100%" height="100%">
            <BarChart data={data} margin={{ top: 4, right: 4, bottom: 0, left: 0 }} accessibilityLayer={false} barCategoryGap={1}>
              <CartesianGrid stroke="#25324d" vertical={false} />
              <XAxis dataKey="t" tickFormatter={(t: number) => TIME.format(t)} minTickGap={48} {...axis} />
              <YAxis allowDecimals={false} width={wall ? 40 : 32} {...axis} />
              <Tooltip
                labelFormatter={(t) => TIME.format(Number(t))}
                contentStyle={{ background: "#0f172a", border: "1px solid #3a4a6b", color: "#e2e8f0" }}
                cursor={{ fill: "#25324d" }}
              />
              <Bar dataKey="toAgents" name="Delivered to node agents" stackId="d" fill={AGENTS_HEX} isAnimationActive={false} />
              <Bar dataKey="failed" name="Failed deliveries" stackId="d" fill={FAILED_HEX} isAnimationActive={false} />
            </BarChart>
          </ResponsiveContainer>
        </div>
      )}
    </section>
  );
}
