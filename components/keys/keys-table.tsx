"use client";
/**
 * The filtered key list, newest change first, 50 at a time with "Load more".
 * Polls so a wall screen follows keys moving through their lifecycle; keeps the
 * previous rows on screen while a new filter loads.
 */
import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import type { KeyState } from "@/server/domain/lifecycle/key-states";
import { useLiveRefetchInterval } from "@/components/live/live-events";
import { useTRPC } from "@/components/trpc/trpc-context";
import { buttonClass } from "@/components/ui/button-styles";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorPanel } from "@/components/ui/error-panel";
import { formatCount } from "@/components/ui/format";
import { SkeletonRows } from "@/components/ui/skeleton-rows";
import { KeyRow } from "./key-row";

const PAGE_SIZE = 50;
const COLUMNS = ["Label", "Gen.", "State", "Policy", "Nodes", "Usage", "Fingerprint", "Updated"] as const;

export function KeysTable({ states, q, onClearFilters }: { states: KeyState[]; q: string; onClearFilters: () => void }) {
  const trpc = useTRPC();
  const refetchInterval = useLiveRefetchInterval();
  const query = useInfiniteQuery(
    trpc.keys.list.infiniteQueryOptions(
      { states: states.length ? states : undefined, search: q || undefined, limit: PAGE_SIZE },
      { getNextPageParam: (page) => page.nextCursor, refetchInterval, placeholderData: keepPreviousData },
    ),
  );

  if (query.isPending) return <SkeletonRows label="Loading keys" />;
  if (query.isError) return <ErrorPanel title="Could not load keys" error={query.error} onRetry={() => void query.refetch()} />;

  const items = query.data.pages.flatMap((p) => p.items);
  const total = query.data.pages[0]?.total ?? 0;
  const filtered = states.length > 0 || q !== "";

  if (items.length === 0) {
    return filtered ? (
      <EmptyState
        testId="keys-empty"
        title="No keys match"
        body="No key matches these states and this search. Clear the filters to see every key."
        action={<button type="button" className={buttonClass("neutral")} onClick={onClearFilters}>Clear filters</button>}
      />
    ) : (
      <EmptyState testId="keys-empty" title="No keys yet" body="Generate the first key with “New key”: choose a policy and the nodes that will share it." />
    );
  }

  return (
    <div className="flex flex-col gap-4">
      <div className="relative overflow-x-auto rounded-xl border border-line bg-panel">
        <table className="w-full min-w-[60rem] text-left text-base" data-testid="keys-table">
          <caption className="sr-only">Keys, most recently changed first</caption>
          <thead className="bg-panel-raised text-sm uppercase tracking-wider text-slate-300">
            <tr>
              {COLUMNS.map((c) => (
                <th key={c} scope="col" className={`px-3 py-3 font-semibold ${c === "Usage" ? "text-right" : ""}`}>{c}</th>
              ))}
            </tr>
          </thead>
          <tbody aria-busy={query.isPlaceholderData}>
            {items.map((k) => <KeyRow key={k.id} k={k} />)}
          </tbody>
        </table>
      </div>
      <div className="flex flex-wrap items-center justify-between gap-3 text-slate-300">
        <p aria-live="polite" data-testid="keys-shown">
          Showing {formatCount(items.length)} of {formatCount(total)} {total === 1 ? "key" : "keys"}
        </p>
        {query.hasNextPage ? (
          <button
            type="button"
            data-testid="load-more"
            className={buttonClass("neutral")}
            disabled={query.isFetchingNextPage}
            onClick={() => void query.fetchNextPage()}
          >
            {query.isFetchingNextPage ? "Loading…" : "Load more"}
          </button>
        ) : null}
      </div>
    </div>
  );
}
