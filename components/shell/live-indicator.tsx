"use client";
/**
 * Whether the console is live: green while the event stream is connected (views
 * update within a second of any change), amber while it reconnects (views fall
 * back to polling every few seconds).
 */
import { useLiveStatus } from "@/components/live/live-events";
import { LIVE_REFETCH_MS } from "@/components/trpc/query-client";

export function LiveIndicator() {
  const status = useLiveStatus();
  const live = status === "live";
  return (
    <div className="flex items-center gap-2 text-sm text-slate-300" data-testid="live-indicator" data-status={status}>
      <span aria-hidden="true" className="relative flex size-3">
        {live ? <span className="absolute inline-flex size-full animate-ping rounded-full bg-emerald-400 opacity-60 motion-reduce:animate-none" /> : null}
        <span className={`relative inline-flex size-3 rounded-full ${live ? "bg-emerald-400" : "bg-amber-400"}`} />
      </span>
      {live ? "Live · updates as they happen" : status === "connecting" ? "Connecting…" : `Reconnecting · polling every ${LIVE_REFETCH_MS / 1000} s`}
    </div>
  );
}
