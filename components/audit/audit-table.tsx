"use client";
/**
 * The audit log, newest first, 50 entries a page with "Load older". With
 * ?seq=N it opens at entry N (that entry and older ones) and highlights it.
 */
import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import { useLiveRefetchInterval } from "@/components/live/live-events";
import { useTRPC } from "@/components/trpc/trpc-context";
import { buttonClass } from "@/components/ui/button-styles";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorPanel } from "@/components/ui/error-panel";
import { formatCount } from "@/components/ui/format";
import { SkeletonRows } from "@/components/ui/skeleton-rows";
import { AUDIT_COLUMNS, AuditRow } from "./audit-row";
import type { AuditFilters } from "./use-audit-filters";

const PAGE_SIZE = 50;

interface Props {
  filters: AuditFilters;
  onShowNewest: () => void;
  onClearFilters: () => void;
}

export function AuditTable({ filters, onShowNewest, onClearFilters }: Props) {
  const trpc = useTRPC();
  const refetchInterval = useLiveRefetchInterval();
  const query = useInfiniteQuery(
    trpc.audit.list.infiniteQueryOptions(
      { limit: PAGE_SIZE, action: filters.action || undefined, subjectId: filters.subject || undefined },
      {
        getNextPageParam: (page) => page.nextCursor,
        // Open at ?seq=N: the page starts just above it (cursor is exclusive).
        initialCursor: filters.seq !== null ? filters.seq + 1n : null,
        refetchInterval,
        placeholderData: keepPreviousData,
      },
    ),
  );

  if (query.isPending) return <SkeletonRows label="Loading audit log" />;
  if (query.isError) return <ErrorPanel title="Could not load the audit log" error={query.error} onRetry={() => void query.refetch()} />;

  const items = query.data.pages.flatMap((p) => p.items);
  const filtered = filters.action !== "" || filters.subject !== "";

  return (
    <div className="flex flex-col gap-4">
      {filters.seq !== null ? (
        <div className="flex flex-wrap items-center gap-3 rounded-lg border border-sky-500/50 bg-sky-950/40 px-4 py-2 text-base text-sky-100" data-testid="audit-seq-banner">
          Showing entry #{filters.seq.toString()} and older.
          <button type="button" className={buttonClass("ghost", "py-1")} onClick={onShowNewest} data-testid="audit-show-newest">
            Show newest
          </button>
        </div>
      ) : null}
      {items.length === 0 ? (
        filtered ? (
          <EmptyState
            testId="audit-empty"
            title="No entries match"
            body="No audit entry has this action and subject."
            action={<button type="button" className={buttonClass("neutral")} onClick={onClearFilters}>Clear filters</button>}
          />
        ) : (
          <EmptyState testId="audit-empty" title="The audit log is empty" body="Every key action is recorded here the moment it happens." />
        )
      ) : (
        <div className="flex flex-col gap-4">
          <div className="relative overflow-x-auto rounded-xl border border-line bg-panel">
            <table className="w-full min-w-[64rem] text-left text-base" data-testid="audit-table">
              <caption className="sr-only">Audit entries, newest first</caption>
              <thead className="bg-panel-raised text-sm uppercase tracking-wider text-slate-300">
                <tr>{AUDIT_COLUMNS.map((c) => <th key={c} scope="col" className="px-3 py-3 font-semibold">{c}</th>)}</tr>
              </thead>
              <tbody aria-busy={query.isPlaceholderData}>
                {items.map((e) => <AuditRow key={e.seq.toString()} entry={e} highlighted={filters.seq === e.seq} />)}
              </tbody>
            </table>
          </div>
          <div className="flex flex-wrap items-center justify-between gap-3 text-slate-300">
            <p aria-live="polite" data-testid="audit-shown">Showing {formatCount(items.length)} {items.length === 1 ? "entry" : "entries"}</p>
            {query.hasNextPage ? (
              <button type="button" data-testid="load-older" className={buttonClass("neutral")} disabled={query.isFetchingNextPage} onClick={() => void query.fetchNextPage()}>
                {query.isFetchingNextPage ? "Loading…" : "Load older"}
              </button>
            ) : (
              <p className="text-sm text-slate-400">No older entries.</p>
            )}
          </div>
        </div>
      )}
    </div>
  );
}
