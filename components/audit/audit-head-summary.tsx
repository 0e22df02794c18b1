"use client";
/** The chain's head, live: how many entries the chain holds and the hash every later entry builds on. */
import { useQuery } from "@tanstack/react-query";
import { useLiveRefetchInterval } from "@/components/live/live-events";
import { useTRPC } from "@/components/trpc/trpc-context";
import { formatCount } from "@/components/ui/format";
import { HashText } from "@/components/ui/hash-text";
import { InlineError } from "@/components/ui/inline-error";

export function AuditHeadSummary() {
  const trpc = useTRPC();
  const refetchInterval = useLiveRefetchInterval();
  // The head comes with every page; one entry is the cheapest page there is.
  const query = useQuery(trpc.audit.list.queryOptions({ limit: 1 }, { refetchInterval }));
  const head = query.data?.head;
  return (
    <div className="flex flex-col gap-2">
      <div className="flex flex-wrap gap-x-10 gap-y-3" data-testid="audit-head">
        <div className="flex flex-col">
          <span className="text-sm font-semibold uppercase tracking-wider text-slate-400">Chain length</span>
          <span className="text-4xl font-bold tabular-nums text-white" data-testid="audit-head-seq">
            {head ? formatCount(head.seq) : "–"}
          </span>
          <span className="text-sm text-slate-400">entries</span>
        </div>
        <div className="flex min-w-0 flex-col">
          <span className="text-sm font-semibold uppercase tracking-wider text-slate-400">Head hash</span>
          <span className="text-2xl text-slate-100" data-testid="audit-head-hash">
            {head ? <HashText value={head.hash} head={12} tail={8} /> : "–"}
          </span>
          <span className="text-sm text-slate-400">SHA-256 chained over every entry</span>
        </div>
      </div>
      {query.isError ? <InlineError message={`Head unavailable: ${query.error.message}`} /> : null}
    </div>
  );
}
