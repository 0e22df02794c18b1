"use client";
/**
 * One request: what is asked and why, what it would do (impact with the mesh
 * highlighted), the votes so far, and — for an officer who may decide — the
 * vote form; otherwise the reason they may not. Follows the request live.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import type { Impact } from "@/server/domain/approvals/approval-impact";
import { isNotFound } from "@/components/trpc/api-errors";
import { useLiveRefetchInterval } from "@/components/live/live-events";
import { useTRPC, useTRPCClient } from "@/components/trpc/trpc-context";
import { buttonClass } from "@/components/ui/button-styles";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorPanel } from "@/components/ui/error-panel";
import { formatDateTime } from "@/components/ui/format";
import { InlineError } from "@/components/ui/inline-error";
import { PageHeader } from "@/components/ui/page-header";
import { Panel } from "@/components/ui/panel";
import { SkeletonRows } from "@/components/ui/skeleton-rows";
import { ApprovalStatusBadge } from "./approval-status";
import { ImpactView } from "./impact-view";
import { VoteForm } from "./vote-form";

const EXECUTING_POLL_MS = 2_000;

export function RequestDetail({ id }: { id: string }) {
  const trpc = useTRPC();
  const refetchInterval = useLiveRefetchInterval();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  // An EXECUTING request changes without anyone acting (the executor purges and redistributes), and a page must never
  // be left showing it after it ended: it is polled every 2 s while executing, whatever the live stream does.
  // (A full browser run once showed a page still EXECUTING a minute after the request had ended.)
  const q = useQuery(trpc.approvals.get.queryOptions({ id }, { refetchInterval: (query) => (query.state.data?.status === "EXECUTING" ? EXECUTING_POLL_MS : refetchInterval) }));
  const withdraw = useMutation({
    mutationFn: () => client.approvals.withdraw.mutate({ id }),
    onSettled: () => queryClient.invalidateQueries(trpc.approvals.pathFilter()),
  });
  if (q.isPending) return <SkeletonRows rows={8} label="Loading the request" />;
  if (q.isError) {
    if (isNotFound(q.error)) return <EmptyState testId="request-not-found" title="Request not found" body={<>There is no request with id <code className="font-mono">{id}</code>.</>} action={<Link href="/approvals" className="text-sky-300 underline">Back to approvals</Link>} />;
    return <ErrorPanel title="Could not load this request" error={q.error} onRetry={() => void q.refetch()} />;
  }
  const r = q.data;
  const outcome = (r.outcome ?? null) as { replacementId?: string | null; failure?: string } | null;
  const needed = Math.max(r.requiredApprovals, r.rule?.minApprovals ?? 0);
  return (
    <div className="flex flex-col gap-6" data-testid="request-detail" data-status={r.status} data-request-id={r.id}>
      <nav aria-label="Breadcrumb" className="text-base text-slate-400">
        <Link href="/approvals" className="text-sky-300 underline underline-offset-4 hover:decoration-2">Approvals</Link> <span aria-hidden="true">/</span> {r.kindLabel} of {r.targetLabel}
      </nav>
      <PageHeader title={`${r.kindLabel} request`} description={r.kindDescription} />
      <Panel title={<>{r.kindLabel} of <Link href={r.targetType === "node" ? `/mesh?node=${encodeURIComponent(r.targetId)}` : r.targetType === "incident" ? `/incidents/${r.targetId}` : r.targetType === "user" ? "/admin" : `/keys/${r.targetId}`} className="text-sky-300 underline underline-offset-4 hover:decoration-2">{r.targetLabel}</Link></>} actions={<ApprovalStatusBadge status={r.status} />} testId="request-summary">
        <dl className="grid gap-x-6 gap-y-2 text-base sm:grid-cols-[max-content_1fr]">
          <dt className="text-slate-400">Requested by</dt><dd className="font-mono text-slate-100" data-testid="request-requester">{r.requestedBy.replace(/^user:/, "")}</dd>
          <dt className="text-slate-400">Justification</dt><dd className="text-slate-100" data-testid="request-justification">{r.justification}</dd>
          <dt className="text-slate-400">Raised</dt><dd className="text-slate-100">{formatDateTime(r.createdAt)}</dd>
          <dt className="text-slate-400">Expires</dt><dd className="text-slate-100">{formatDateTime(r.expiresAt)}</dd>
          <dt className="text-slate-400">Approvals</dt><dd className="text-slate-100" data-testid="request-approvals">{r.approvals} of {needed} distinct officers</dd>
          {r.decidedAt ? <><dt className="text-slate-400">Decided</dt><dd className="text-slate-100">{formatDateTime(r.decidedAt)}</dd></> : null}
          {outcome?.replacementId ? <><dt className="text-slate-400">Replacement</dt><dd><Link href={`/keys/${outcome.replacementId}`} className="text-sky-300 underline" data-testid="request-replacement">{outcome.replacementId}</Link></dd></> : null}
          {outcome?.failure ? <><dt className="text-slate-400">Failure</dt><dd className="text-red-200">{outcome.failure}</dd></> : null}
        </dl>
      </Panel>
      <Panel title="Impact" testId="impact-panel">
        <ImpactView impact={r.impact as Impact} />
      </Panel>
      <Panel title="Decision" testId="decision-panel">
        <ul className="mb-4 flex flex-col gap-2" data-testid="votes">
          {r.votes.length === 0 ? <li className="text-base text-slate-400">No votes yet.</li> : r.votes.map((v) => (
            <li key={v.voterId} className="text-base text-slate-200" data-testid="vote" data-decision={v.decision}>
              <span className={v.decision === "APPROVE" ? "font-semibold text-emerald-300" : "font-semibold text-red-300"}>{v.decision === "APPROVE" ? "Approved" : "Rejected"}</span>{" "}
              by <span className="font-mono">{v.voter.replace(/^user:/, "")}</span> at {formatDateTime(v.at)}: {v.comment}
            </li>
          ))}
        </ul>
        {r.viewer.canVote ? <VoteForm id={r.id} needed={needed} approvals={r.approvals} /> : (
          <p className="text-base text-slate-300" data-testid="cannot-vote">{r.viewer.whyNot}</p>
        )}
        {r.viewer.canWithdraw ? (
          <div className="mt-4">
            <button type="button" className={buttonClass("neutral")} disabled={withdraw.isPending} onClick={() => withdraw.mutate()} data-testid="withdraw">Withdraw my request</button>
            <InlineError message={withdraw.isError ? withdraw.error.message : null} />
          </div>
        ) : null}
      </Panel>
    </div>
  );
}
