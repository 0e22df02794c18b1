/** An incident's status and its signal in words a SOC operator reads at a glance. */
import type { IncidentStatus } from "@/server/domain/incidents/incident-status";
import type { CompromiseSignal } from "@/server/domain/policies/compromise-signals";

const STYLE: Record<IncidentStatus, { label: string; cls: string }> = {
  DETECTED: { label: "Detected", cls: "bg-red-600/25 text-red-100 border-red-400/60" },
  AWAITING_APPROVAL: { label: "Awaiting approval", cls: "bg-amber-400/20 text-amber-200 border-amber-400/50" },
  RECOVERING: { label: "Recovering", cls: "bg-sky-500/20 text-sky-200 border-sky-400/50" },
  RESOLVED: { label: "Integrity restored", cls: "bg-emerald-500/20 text-emerald-200 border-emerald-400/50" },
  FAILED: { label: "Recovery failed", cls: "bg-red-600/30 text-red-100 border-red-400/70" },
  DISMISSED: { label: "Dismissed", cls: "bg-slate-600/30 text-slate-300 border-slate-500/50" },
};

export { OPEN_STATUSES } from "@/server/domain/incidents/incident-status";

export function IncidentStatusBadge({ status }: { status: IncidentStatus }) {
  const s = STYLE[status];
  return (
    <span data-testid="incident-status" data-status={status} className={`inline-flex whitespace-nowrap rounded-md border px-2 py-0.5 text-sm font-semibold ${s.cls}`}>
      {s.label}
    </span>
  );
}

export const SIGNAL_LABELS: Record<CompromiseSignal, string> = {
  QBER_ABORT: "QBER over the abort threshold",
  OPERATOR_REPORT: "Operator report",
  INTEGRITY_MISMATCH: "Integrity mismatch at a holder",
};

/** "850 ms", "2.4 s", "3 min 5 s". */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const s = Math.round(ms / 1_000);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}
