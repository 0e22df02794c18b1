"use client";
/**
 * A strip above the mesh while a compromise is being handled (which, how far,
 * a link to follow it) and for a few minutes after integrity was restored (how
 * long it took), matching the graph's highlight of the parts involved.
 */
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import type { IncidentListItem } from "@/components/trpc/router-types";
import { useLiveRefetchInterval } from "@/components/live/live-events";
import { useTRPC } from "@/components/trpc/trpc-context";
import { useNow } from "@/components/ui/use-now";
import { formatDuration, IncidentStatusBadge, OPEN_STATUSES } from "./incident-status";

/** As long as the graph keeps highlighting a resolved incident (server/recovery: highlight()). */
const RECENT_MS = 5 * 60_000;

function Line({ i }: { i: IncidentListItem }) {
  const open = OPEN_STATUSES.includes(i.status);
  return (
    <p className={`flex flex-wrap items-center gap-3 text-base ${open ? "text-rose-100" : "text-emerald-100"}`} data-testid="incident-banner-line" data-status={i.status}>
      <IncidentStatusBadge status={i.status} />
      <span>
        <strong>{i.reference}</strong>: {i.targetType} {i.targetName} compromised; {i.affectedKeys} key(s) in the blast radius
        {i.timeToIntegrityMs !== null ? <>, integrity restored in <strong>{formatDuration(i.timeToIntegrityMs)}</strong></> : null}.
      </span>
      <Link href={`/incidents/${i.id}`} className="text-sky-300 underline underline-offset-4 hover:decoration-2">{open ? "Follow the recovery" : "See its timeline"}</Link>
    </p>
  );
}

export function IncidentBanner() {
  const trpc = useTRPC();
  const refetchInterval = useLiveRefetchInterval();
  const now = useNow();
  const q = useQuery(trpc.incidents.list.queryOptions({ limit: 10 }, { refetchInterval }));
  const shown = (q.data ?? []).filter((i) => OPEN_STATUSES.includes(i.status) || (i.resolvedAt !== null && now - Date.parse(i.resolvedAt) < RECENT_MS));
  if (shown.length === 0) return null;
  const anyOpen = shown.some((i) => OPEN_STATUSES.includes(i.status));
  return (
    <div role="status" className={`flex flex-col gap-2 rounded-xl border px-4 py-3 ${anyOpen ? "border-rose-500/60 bg-rose-950/40" : "border-emerald-500/50 bg-emerald-950/30"}`} data-testid="incident-banner">
      {shown.slice(0, 5).map((i) => <Line key={i.id} i={i} />)}
    </div>
  );
}
