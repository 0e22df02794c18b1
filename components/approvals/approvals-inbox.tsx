"use client";
/**
 * The Approvals inbox: open requests first (what officers must decide), then
 * the history of decided ones. Refreshes live on approvals events.
 */
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import type { ApprovalListItem } from "@/components/trpc/router-types";
import { useTRPC } from "@/components/trpc/trpc-context";
import { useLiveRefetchInterval } from "@/components/live/live-events";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorPanel } from "@/components/ui/error-panel";
import { Panel } from "@/components/ui/panel";
import { RelativeTime } from "@/components/ui/relative-time";
import { SkeletonRows } from "@/components/ui/skeleton-rows";
import { ApprovalStatusBadge } from "./approval-status";

function Rows({ items, testId }: { items: ApprovalListItem[]; testId: string }) {
  return (
    <div className="relative overflow-x-auto">
      <table className="w-full text-left text-base" data-testid={testId}>
        <thead className="text-sm uppercase tracking-wide text-slate-400">
          <tr>
            <th className="py-2 pr-4">Request</th>
            <th className="py-2 pr-4">Target</th>
            <th className="py-2 pr-4">Requested by</th>
            <th className="py-2 pr-4">Approvals</th>
            <th className="py-2 pr-4">Status</th>
            <th className="py-2 pr-4">When</th>
          </tr>
        </thead>
        <tbody>
          {items.map((r) => (
            <tr key={r.id} className="border-t border-line" data-testid="approval-row" data-request-id={r.id} data-status={r.status} data-kind={r.kind} data-target-id={r.targetId}>
              <td className="py-2 pr-4">
                <Link href={`/approvals/${r.id}`} className="font-semibold text-sky-300 underline underline-offset-4 hover:decoration-2" data-testid="approval-link">
                  {r.kindLabel}
                </Link>
              </td>
              <td className="py-2 pr-4 text-slate-200">{r.targetLabel}</td>
              <td className="py-2 pr-4 font-mono text-sm text-slate-300">{r.requestedBy.replace(/^user:/, "")}</td>
              <td className="py-2 pr-4 text-slate-200">{r.approvals} / {r.requiredApprovals}</td>
              <td className="py-2 pr-4"><ApprovalStatusBadge status={r.status} /></td>
              <td className="py-2 pr-4 text-slate-300"><RelativeTime date={r.decidedAt ?? r.createdAt} /></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Section({ scope, title, empty }: { scope: "open" | "decided"; title: string; empty: string }) {
  const trpc = useTRPC();
  const refetchInterval = useLiveRefetchInterval();
  const q = useQuery(trpc.approvals.list.queryOptions({ scope, limit: 50 }, { refetchInterval }));
  return (
    <Panel title={title} testId={`approvals-${scope}`}>
      {q.isPending ? <SkeletonRows rows={3} label={`Loading ${title.toLowerCase()}`} /> : q.isError ? (
        <ErrorPanel title={`Could not load ${title.toLowerCase()}`} error={q.error} onRetry={() => void q.refetch()} />
      ) : q.data.items.length === 0 ? (
        <EmptyState testId={`approvals-${scope}-empty`} title={empty} body={scope === "open" ? "Requests for revocations and emergency rotations appear here the moment they are raised." : "Decided, expired and withdrawn requests are kept here with every vote."} />
      ) : (
        <Rows items={q.data.items} testId={`approvals-${scope}-table`} />
      )}
    </Panel>
  );
}

export function ApprovalsInbox() {
  return (
    <div className="flex flex-col gap-6">
      <Section scope="open" title="Open requests" empty="Nothing waits for a decision" />
      <Section scope="decided" title="History" empty="No decided requests yet" />
    </div>
  );
}
