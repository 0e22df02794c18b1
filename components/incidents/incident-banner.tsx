"use client";
/** A strip above the mesh while a compromise is being handled: which, how far, and a link to follow it. */
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { LIVE_REFETCH_MS } from "@/components/trpc/query-client";
import { useTRPC } from "@/components/trpc/trpc-context";
import { IncidentStatusBadge, OPEN_STATUSES } from "./incident-status";

export function IncidentBanner() {
  const trpc = useTRPC();
  const q = useQuery(trpc.incidents.list.queryOptions({ status: OPEN_STATUSES, limit: 5 }, { refetchInterval: LIVE_REFETCH_MS }));
  if (!q.data || q.data.length === 0) return null;
  return (
    <div role="status" className="flex flex-col gap-2 rounded-xl border border-rose-500/60 bg-rose-950/40 px-4 py-3" data-testid="incident-banner">
      {q.data.map((i) => (
        <p key={i.id} className="flex flex-wrap items-center gap-3 text-base text-rose-100">
          <IncidentStatusBadge status={i.status} />
          <span>
            <strong>{i.reference}</strong>: {i.targetType} {i.targetName} compromised; {i.affectedKeys} key(s) in the blast radius.
          </span>
          <Link href={`/incidents/${i.id}`} className="text-sky-300 underline-offset-4 hover:underline">Follow the recovery</Link>
        </p>
      ))}
    </div>
  );
}
