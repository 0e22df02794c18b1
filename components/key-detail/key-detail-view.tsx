"use client";
/**
 * A key's page: summary, the actions it allows now, its timeline, participants,
 * deliveries to applications (ETSI 014) and lineage. Polls so the page follows receipts and rotations as they land.
 */
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { isNotFound } from "@/components/trpc/api-errors";
import { useLiveRefetchInterval } from "@/components/live/live-events";
import { useTRPC } from "@/components/trpc/trpc-context";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorPanel } from "@/components/ui/error-panel";
import { Panel } from "@/components/ui/panel";
import { SkeletonRows } from "@/components/ui/skeleton-rows";
import { KeyActions } from "./key-actions";
import { KeyDeliveries } from "./key-deliveries";
import { RequestApproval } from "../approvals/request-approval";
import { KeyLineage } from "./key-lineage";
import { KeyParticipants } from "./key-participants";
import { KeyRotationPanel } from "./key-rotation-panel";
import { KeySummary } from "./key-summary";
import { KeyTimeline } from "./key-timeline";

export function KeyNotFound({ id }: { id?: string }) {
  return (
    <EmptyState
      testId="key-not-found"
      title="Key not found"
      body={
        id ? (
          <>There is no key with id <code className="break-all font-mono">{id}</code>. It may have been mistyped; keys are never deleted.</>
        ) : (
          <>There is no key at this address. A key id is a UUID; keys are never deleted.</>
        )
      }
      action={<Link href="/keys" className="font-semibold text-sky-300 underline underline-offset-4 hover:text-sky-200">Back to keys</Link>}
    />
  );
}

export function KeyDetailView({ id }: { id: string }) {
  const trpc = useTRPC();
  const refetchInterval = useLiveRefetchInterval();
  const query = useQuery(trpc.keys.get.queryOptions({ id }, { refetchInterval }));

  if (query.isPending) return <SkeletonRows rows={8} label="Loading key" />;
  if (query.isError) {
    if (isNotFound(query.error)) return <KeyNotFound id={id} />;
    return <ErrorPanel title="Could not load this key" error={query.error} onRetry={() => void query.refetch()} />;
  }

  const detail = query.data;
  return (
    <div className="flex flex-col gap-6" data-testid="key-detail" data-key-id={detail.key.id} data-version={detail.key.version}>
      <nav aria-label="Breadcrumb" className="text-base text-slate-400">
        <Link href="/keys" className="text-sky-300 underline underline-offset-4 hover:decoration-2">Keys</Link> <span aria-hidden="true">/</span> {detail.key.label}
      </nav>
      <KeySummary k={detail.key} />
      <Panel title="Actions" testId="actions-panel">
        <KeyActions detail={detail} />
        <div className="mt-5 border-t border-line pt-5">
          <RequestApproval detail={detail} />
        </div>
      </Panel>
      <div className="grid gap-6 xl:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
        <Panel title="Lifecycle timeline" testId="timeline-panel">
          <KeyTimeline keyId={detail.key.id} history={detail.history} truncated={detail.historyTruncated} />
        </Panel>
        <div className="flex flex-col gap-6">
          <Panel title="Rotation" testId="rotation-panel">
            <KeyRotationPanel keyId={detail.key.id} />
          </Panel>
          <Panel title="Participants" testId="participants-panel">
            <KeyParticipants detail={detail} />
          </Panel>
          <KeyDeliveries keyId={detail.key.id} policy={detail.key.policy} />
          <Panel title="Lineage" testId="lineage-panel">
            <KeyLineage currentId={detail.key.id} lineage={detail.lineage} />
          </Panel>
        </div>
      </div>
    </div>
  );
}
