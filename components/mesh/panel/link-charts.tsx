"use client";
/**
 * QBER and key pool level of a link over the panel's window, from the link's
 * samples, drawn with recharts: QBER against the 5% warning and 11% abort
 * lines, pool level as a filled area from empty to full. The live stream
 * appends each tick's sample to the cached samples (mesh-tick-delta.ts), so
 * the charts grow as the simulation runs. Each chart is one image for screen
 * readers, named with its latest value and range (no tab stops inside).
 */
import { useMemo } from "react";
import { Area, AreaChart, CartesianGrid, Line, LineChart, ReferenceLine, ResponsiveContainer, XAxis, YAxis } from "recharts";
import type { LinkSampleView } from "@/components/trpc/router-types";
import { formatPercent, formatQber, QBER_ABORT, QBER_WARNING } from "../../graph/mesh-styles";
import { PanelSection } from "./panel-section";

const HEIGHT = 150;
const TIME = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
/** A short window (a fresh simulation) needs seconds, or every tick reads the same minute. */
const TIME_S = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
const SECONDS_BELOW_MS = 10 * 60_000;
const AXIS = { stroke: "#3a4a6b", tick: { fill: "#94a3b8", fontSize: 12 } } as const;
const GRID = "#25324d";
const MARGIN = { top: 8, right: 12, bottom: 0, left: 0 };

interface Point {
  t: number;
  qber: number;
  pool: number;
}

function ChartBox({ label, testId, points, children }: { label: string; testId: string; points: number; children: React.ReactElement }) {
  return (
    <div role="img" aria-label={label} data-testid={testId} data-points={points} className="h-[150px] w-full rounded-lg border border-line bg-canvas">
      <ResponsiveContainer width="100%" height={HEIGHT}>
        {children}
      </ResponsiveContainer>
    </div>
  );
}

const timeTick = (t: number) => TIME.format(t);
const timeTickSeconds = (t: number) => TIME_S.format(t);

export function LinkCharts({ samples, capacityBits, minutes }: { samples: LinkSampleView[]; capacityBits: number; minutes: number }) {
  const data = useMemo<Point[]>(
    () => samples.map((s) => ({ t: s.at.getTime(), qber: s.qber, pool: capacityBits > 0 ? s.poolBits / capacityBits : 0 })),
    [samples, capacityBits],
  );
  if (data.length < 2) {
    return (
      <PanelSection title={`Last ${minutes} minutes`}>
        <p className="text-base text-slate-300" data-testid="charts-empty">
          Not enough samples yet to draw a trend ({samples.length} in the last {minutes} minutes). The simulation records them as it runs.
        </p>
      </PanelSection>
    );
  }
  const qbers = data.map((p) => p.qber);
  const pools = data.map((p) => p.pool);
  const qNow = qbers[qbers.length - 1]!;
  const poolNow = pools[pools.length - 1]!;
  const qMax = Math.max(0.14, Math.max(...qbers) * 1.15);
  const qLabel = `QBER over the last ${minutes} minutes: now ${formatQber(qNow)}, between ${formatQber(Math.min(...qbers))} and ${formatQber(Math.max(...qbers))} over ${data.length} samples; warning at ${formatQber(QBER_WARNING)}, abort at ${formatQber(QBER_ABORT)}`;
  const poolLabel = `Key pool level over the last ${minutes} minutes: now ${formatPercent(poolNow)}, between ${formatPercent(Math.min(...pools))} and ${formatPercent(Math.max(...pools))} over ${data.length} samples`;
  const xAxis = <XAxis dataKey="t" type="number" scale="time" domain={["dataMin", "dataMax"]} tickFormatter={data[data.length - 1]!.t - data[0]!.t < SECONDS_BELOW_MS ? timeTickSeconds : timeTick} minTickGap={40} {...AXIS} />;
  return (
    <PanelSection title={`Last ${minutes} minutes`}>
      <p className="text-sm text-slate-300" data-testid="qber-now">QBER (now {formatQber(qNow)})</p>
      <ChartBox label={qLabel} testId="qber-chart" points={data.length}>
        <LineChart data={data} margin={MARGIN} accessibilityLayer={false}>
          <CartesianGrid stroke={GRID} vertical={false} />
          {xAxis}
          <YAxis domain={[0, qMax]} ticks={[0, QBER_WARNING, QBER_ABORT]} tickFormatter={formatQber} width={48} {...AXIS} />
          <ReferenceLine y={QBER_WARNING} stroke="#fbbf24" strokeDasharray="5 4" strokeWidth={1.5} />
          <ReferenceLine y={QBER_ABORT} stroke="#f43f5e" strokeDasharray="5 4" strokeWidth={1.5} />
          <Line dataKey="qber" type="linear" stroke="#e2e8f0" strokeWidth={2} dot={false} isAnimationActive={false} />
        </LineChart>
      </ChartBox>
      <p className="text-sm text-slate-300" data-testid="pool-now">Key pool level (now {formatPercent(poolNow)})</p>
      <ChartBox label={poolLabel} testId="pool-chart" points={data.length}>
        <AreaChart data={data} margin={MARGIN} accessibilityLayer={false}>
          <CartesianGrid stroke={GRID} vertical={false} />
          {xAxis}
          <YAxis domain={[0, 1]} ticks={[0, 0.5, 1]} tickFormatter={formatPercent} width={48} {...AXIS} />
          <Area dataKey="pool" type="linear" stroke="#38bdf8" strokeWidth={2} fill="#38bdf8" fillOpacity={0.25} dot={false} isAnimationActive={false} />
        </AreaChart>
      </ChartBox>
    </PanelSection>
  );
}
