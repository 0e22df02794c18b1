/**
 * QBER and key pool level of a link over time, from the link's samples, as
 * two small hand-drawn SVG charts: QBER against the 5% warning and 11% abort
 * lines, pool level as a filled area from empty to full.
 */
import type { ReactNode } from "react";
import type { LinkSampleView } from "@/server/mesh/mesh-views";
import { formatPercent, formatQber, QBER_ABORT, QBER_WARNING } from "../mesh-styles";
import { PanelSection } from "./panel-section";

const W = 480;
const H = 150;
const PAD = { left: 44, right: 10, top: 10, bottom: 22 };
const PLOT_W = W - PAD.left - PAD.right;
const PLOT_H = H - PAD.top - PAD.bottom;
const TIME = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });

interface Series {
  t: number[];
  v: number[];
}

function toPoints({ t, v }: Series, yMax: number): string {
  const t0 = t[0]!;
  const span = Math.max(1, t[t.length - 1]! - t0);
  return t.map((ti, i) => `${(PAD.left + ((ti - t0) / span) * PLOT_W).toFixed(1)},${(PAD.top + PLOT_H * (1 - Math.min(1, v[i]! / yMax))).toFixed(1)}`).join(" ");
}

function yOf(value: number, yMax: number): number {
  return PAD.top + PLOT_H * (1 - value / yMax);
}

function Frame({ label, testId, start, end, children }: { label: string; testId: string; start: Date; end: Date; children: ReactNode }) {
  return (
    <svg viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-label={label} data-testid={testId} className="rounded-lg border border-line bg-canvas">
      <line x1={PAD.left} y1={PAD.top + PLOT_H} x2={W - PAD.right} y2={PAD.top + PLOT_H} stroke="#3a4a6b" />
      <text x={PAD.left} y={H - 6} fill="#94a3b8" fontSize="12">{TIME.format(start)}</text>
      <text x={W - PAD.right} y={H - 6} fill="#94a3b8" fontSize="12" textAnchor="end">{TIME.format(end)}</text>
      {children}
    </svg>
  );
}

function YTick({ value, yMax, text, colour = "#94a3b8", line }: { value: number; yMax: number; text: string; colour?: string; line?: string }) {
  const y = yOf(value, yMax);
  return (
    <g>
      {line ? <line x1={PAD.left} y1={y} x2={W - PAD.right} y2={y} stroke={line} strokeDasharray="5 4" strokeWidth={1.5} /> : null}
      <text x={PAD.left - 6} y={y + 4} fill={colour} fontSize="12" textAnchor="end">{text}</text>
    </g>
  );
}

export function LinkCharts({ samples, capacityBits, minutes }: { samples: LinkSampleView[]; capacityBits: number; minutes: number }) {
  if (samples.length < 2) {
    return (
      <PanelSection title={`Last ${minutes} minutes`}>
        <p className="text-base text-slate-300" data-testid="charts-empty">
          Not enough samples yet to draw a trend ({samples.length} in the last {minutes} minutes). The simulation records them as it runs.
        </p>
      </PanelSection>
    );
  }
  const t = samples.map((s) => s.at.getTime());
  const qber = samples.map((s) => s.qber);
  const pool = samples.map((s) => (capacityBits > 0 ? s.poolBits / capacityBits : 0));
  const qMax = Math.max(0.14, Math.max(...qber) * 1.15);
  const start = samples[0]!.at;
  const end = samples[samples.length - 1]!.at;
  const poolPts = toPoints({ t, v: pool }, 1);
  const last = pool[pool.length - 1]!;
  return (
    <PanelSection title={`Last ${minutes} minutes`}>
      <p className="text-sm text-slate-300">QBER (now {formatQber(qber[qber.length - 1]!)})</p>
      <Frame label={`QBER over the last ${minutes} minutes, with the 5% warning and 11% abort thresholds`} testId="qber-chart" start={start} end={end}>
        <YTick value={0} yMax={qMax} text="0%" />
        <YTick value={QBER_WARNING} yMax={qMax} text={formatQber(QBER_WARNING)} colour="#fbbf24" line="#fbbf24" />
        <YTick value={QBER_ABORT} yMax={qMax} text={formatQber(QBER_ABORT)} colour="#f43f5e" line="#f43f5e" />
        <polyline points={toPoints({ t, v: qber }, qMax)} fill="none" stroke="#e2e8f0" strokeWidth={2} strokeLinejoin="round" />
      </Frame>
      <p className="text-sm text-slate-300">Key pool level (now {formatPercent(last)})</p>
      <Frame label={`Key pool level over the last ${minutes} minutes`} testId="pool-chart" start={start} end={end}>
        <YTick value={0} yMax={1} text="0%" />
        <YTick value={1} yMax={1} text="100%" line="#3a4a6b" />
        <polygon points={`${PAD.left},${PAD.top + PLOT_H} ${poolPts} ${W - PAD.right},${PAD.top + PLOT_H}`} fill="#38bdf8" fillOpacity={0.25} />
        <polyline points={poolPts} fill="none" stroke="#38bdf8" strokeWidth={2} strokeLinejoin="round" />
      </Frame>
    </PanelSection>
  );
}
