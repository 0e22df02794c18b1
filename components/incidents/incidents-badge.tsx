"use client";
/**
 * The count of open incidents next to "Incidents" in the navigation, red while
 * a compromise is being handled; hidden when there is none. Refreshes on live
 * key, mesh and incident events, with polling as the safety net.
 */
import { useQuery } from "@tanstack/react-query";
import { useLiveRefetchInterval } from "@/components/live/live-events";
import { useTRPC } from "@/components/trpc/trpc-context";
import { OPEN_STATUSES } from "./incident-status";

export function IncidentsBadge() {
  const trpc = useTRPC();
  const refetchInterval = useLiveRefetchInterval();
  const q = useQuery(trpc.incidents.list.queryOptions({ status: OPEN_STATUSES, limit: 200 }, { refetchInterval }));
  const n = q.data?.length ?? 0;
  if (n === 0) return null;
  const label = `${n} open incident${n === 1 ? "" : "s"}`;
  return (
    <span data-testid="incidents-badge" data-count={n} aria-label={label} title={label} className="ml-auto inline-flex min-w-7 items-center justify-center rounded-full bg-rose-600 px-2 py-0.5 text-sm font-bold text-white">
      {n}
    </span>
  );
}
