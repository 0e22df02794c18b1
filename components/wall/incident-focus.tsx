"use client";
/**
 * Incident focus on the wall: which incident the wall follows (the newest
 * open one, or one that resolved moments ago), the nodes to pan to (its
 * target, the ends of a target link, and what the recovery highlights), and
 * the card with its timeline as it happens; once resolved, how long integrity
 * took, before the wall returns to the whole mesh.
 */
import { useQuery } from "@tanstack/react-query";
import type { IncidentListItem } from "@/components/trpc/router-types";
import { LIVE_REFETCH_MS } from "@/components/trpc/query-client";
import { useTRPC } from "@/components/trpc/trpc-context";
import { useNow } from "@/components/ui/use-now";
import { formatDuration, IncidentStatusBadge, OPEN_STATUSES } from "@/components/incidents/incident-status";
import type { MeshLinkView } from "@/components/trpc/router-types";

/** How long the wall stays on a resolved incident, saying how long integrity took. */
export const RESOLVED_NOTICE_MS = 20_000;

/** The incident the wall follows now, or null (the whole mesh). */
export function useFollowedIncident(): IncidentListItem | null {
  const trpc = useTRPC();
  const now = useNow();
  const q = useQuery(trpc.incidents.list.queryOptions({ limit: 10 }, { refetchInterval: LIVE_REFETCH_MS }));
  const list = q.data ?? [];
  const open = list.find((i) => OPEN_STATUSES.includes(i.status));
  if (open) return open;
  const resolved = list.find((i) => i.resolvedAt !== null && now - Date.parse(i.resolvedAt) < RESOLVED_NOTICE_MS);
  return resolved ?? null;
}

/** The nodes to frame for an incident: its target (a link's two ends) and the highlighted part of the mesh. */
export function focusNodes(incident: IncidentListItem, links: readonly MeshLinkView[], highlighted: readonly string[]): string[] {
  const ids = new Set(highlighted);
  if (incident.targetType === "node") ids.add(incident.targetId);
  const link = incident.targetType === "link" ? links.find((l) => l.id === incident.targetId) : undefined;
  if (link) {
    ids.add(link.aNodeId);
    ids.add(link.bNodeId);
  }
  return [...ids].sort();
}

export function IncidentCard({ incident }: { incident: IncidentListItem }) {
  const trpc = useTRPC();
  const q = useQuery(trpc.incidents.get.queryOptions({ id: incident.id }, { refetchInterval: LIVE_REFETCH_MS }));
  const open = OPEN_STATUSES.includes(incident.status);
  const timeline = q.data?.timeline ?? [];
  return (
    <section
      role="status"
      aria-labelledby="wall-incident-title"
      data-testid="wall-incident"
      data-status={incident.status}
      className={`flex flex-col gap-2 rounded-xl border-2 p-4 backdrop-blur ${open ? "border-rose-500 bg-rose-950/85" : "border-emerald-400 bg-emerald-950/85"}`}
    >
      <h2 id="wall-incident-title" className="flex flex-wrap items-center gap-3 text-2xl font-bold text-white">
        <span aria-hidden="true">{open ? "⚠" : "✓"}</span>
        {incident.reference}: {incident.targetType} {incident.targetName}
        <IncidentStatusBadge status={incident.status} />
      </h2>
      {incident.timeToIntegrityMs !== null ? (
        <p className="text-xl font-semibold text-emerald-100" data-testid="wall-incident-integrity">
          Integrity restored in <strong>{formatDuration(incident.timeToIntegrityMs)}</strong>; {incident.affectedKeys} key(s) replaced.
        </p>
      ) : (
        <p className="text-lg text-rose-100">{incident.affectedKeys} key(s) in the blast radius; recovery under way.</p>
      )}
      <ol className="flex flex-col gap-1" data-testid="wall-incident-timeline">
        {timeline.map((t) => (
          <li key={`${t.step}-${t.at}`} className="flex gap-3 text-base text-slate-100" data-step={t.step}>
            <span className="w-20 shrink-0 text-right font-mono tabular-nums text-slate-200">+{formatDuration(t.elapsedMs)}</span>
            <span>{t.summary}</span>
          </li>
        ))}
      </ol>
    </section>
  );
}
