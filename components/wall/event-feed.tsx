"use client";
/**
 * The wall's running feed: the audit chain's latest entries, newest first, in
 * SOC words and coloured (and labelled) by severity. It refreshes when the
 * live event stream announces a committed batch (live-events.tsx invalidates
 * the audit queries within 100 ms), polling only as the safety net.
 */
import { useQuery } from "@tanstack/react-query";
import { LIVE_REFETCH_MS } from "@/components/trpc/query-client";
import { useTRPC } from "@/components/trpc/trpc-context";
import type { AuditEntry } from "@/components/trpc/router-types";
import { RelativeTime } from "@/components/ui/relative-time";
import { feedHeadline, SEVERITY_STYLES, severityOf } from "./feed-words";

const FEED_LENGTH = 12;
/** Entries read to find recent alerts that routine traffic (receipts, purges) has pushed out of the feed. */
const LOOKBACK = 100;
const PINNED_ALERTS = 3;

export function EventFeed() {
  const trpc = useTRPC();
  const q = useQuery(trpc.audit.list.queryOptions({ limit: LOOKBACK }, { refetchInterval: LIVE_REFETCH_MS }));
  const all = q.data?.items ?? [];
  const items = all.slice(0, FEED_LENGTH);
  // A burst of routine entries must not push an alert off the wall within seconds: the latest ones stay pinned.
  const pinned = all.slice(FEED_LENGTH).filter((e) => severityOf(e.action) !== "info").slice(0, PINNED_ALERTS);
  return (
    <section aria-labelledby="wall-feed-title" className="flex min-h-0 flex-col gap-2 rounded-xl border border-line bg-canvas/85 p-3 backdrop-blur" data-testid="wall-feed">
      <h2 id="wall-feed-title" className="text-lg font-bold uppercase tracking-wider text-slate-200">Live events</h2>
      {pinned.length > 0 ? (
        <ol className="flex flex-col gap-1.5 border-b border-line pb-2" aria-label="Recent alerts" data-testid="wall-feed-pinned">
          {pinned.map((e) => <FeedItem key={e.seq.toString()} e={e} />)}
        </ol>
      ) : null}
      <ol className="flex min-h-0 flex-col gap-1.5 overflow-hidden" aria-live="polite" aria-relevant="additions">
        {items.map((e) => <FeedItem key={e.seq.toString()} e={e} />)}
        {q.isPending ? <li className="text-base text-slate-200">Loading events…</li> : null}
      </ol>
    </section>
  );
}

function FeedItem({ e }: { e: AuditEntry }) {
  const severity = severityOf(e.action);
  const style = SEVERITY_STYLES[severity];
  return (
    <li key={e.seq.toString()} data-testid="wall-feed-item" data-seq={e.seq.toString()} data-action={e.action} data-severity={severity} className={`flex flex-col gap-0.5 rounded-md border-l-4 px-3 py-1.5 ${style.row}`}>
      <span className="flex items-center gap-2">
        <span className={`rounded px-1.5 text-xs font-bold uppercase tracking-wider ${style.badge}`}>{style.label}</span>
        <span className="truncate text-lg font-semibold text-white">{feedHeadline(e.action, e.subjectType)}</span>
      </span>
      <span className="flex justify-between gap-2 text-sm text-slate-200">
        <span className="truncate font-mono">{e.subjectId}</span>
        <span className="shrink-0"><RelativeTime date={e.at} /></span>
      </span>
    </li>
  );
}
