"use client";
/** Shows that the console is live: views refresh on their own every few seconds. */
import { useIsFetching } from "@tanstack/react-query";
import { LIVE_REFETCH_MS } from "@/components/trpc/query-client";

export function LiveIndicator() {
  const fetching = useIsFetching() > 0;
  return (
    <div className="flex items-center gap-2 text-sm text-slate-300" data-testid="live-indicator">
      <span aria-hidden="true" className="relative flex size-3">
        {fetching ? <span className="absolute inline-flex size-full animate-ping rounded-full bg-emerald-400 opacity-75 motion-reduce:animate-none" /> : null}
        <span className="relative inline-flex size-3 rounded-full bg-emerald-400" />
      </span>
      Live · refreshes every {LIVE_REFETCH_MS / 1000} s
    </div>
  );
}
