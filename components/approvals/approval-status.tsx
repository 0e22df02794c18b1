/** A request's status as a coloured badge, in words an officer reads at a glance. */
import type { ApprovalStatus } from "@/server/domain/approvals/approval-rules";

const STYLE: Record<ApprovalStatus, { label: string; cls: string }> = {
  PENDING: { label: "Pending", cls: "bg-amber-400/20 text-amber-200 border-amber-400/50" },
  EXECUTING: { label: "Executing", cls: "bg-sky-500/20 text-sky-200 border-sky-400/50" },
  EXECUTED: { label: "Executed", cls: "bg-emerald-500/20 text-emerald-200 border-emerald-400/50" },
  FAILED: { label: "Failed", cls: "bg-red-600/25 text-red-200 border-red-400/60" },
  REJECTED: { label: "Rejected", cls: "bg-red-600/15 text-red-200 border-red-400/40" },
  EXPIRED: { label: "Expired", cls: "bg-slate-600/30 text-slate-300 border-slate-500/50" },
  WITHDRAWN: { label: "Withdrawn", cls: "bg-slate-600/30 text-slate-300 border-slate-500/50" },
};

export function ApprovalStatusBadge({ status }: { status: ApprovalStatus }) {
  const s = STYLE[status];
  return (
    <span data-testid="approval-status" data-status={status} className={`inline-flex rounded-md border px-2 py-0.5 text-sm font-semibold ${s.cls}`}>
      {s.label}
    </span>
  );
}
