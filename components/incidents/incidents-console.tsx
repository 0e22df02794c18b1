"use client";
/**
 * The Incidents page: the demo scenario (where it may run), open recoveries
 * first, then the history with each one's time to integrity, and — for SOC
 * analysts and up — the form to report a node or link compromised.
 * Refreshes live on key, mesh and incident events.
 */
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useMayCall } from "@/components/auth/current-user";
import type { IncidentListItem } from "@/components/trpc/router-types";
import { useLiveRefetchInterval } from "@/components/live/live-events";
import { useTRPC } from "@/components/trpc/trpc-context";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorPanel } from "@/components/ui/error-panel";
import { formatCount } from "@/components/ui/format";
import { Panel } from "@/components/ui/panel";
import { RelativeTime } from "@/components/ui/relative-time";
import { SkeletonRows } from "@/components/ui/skeleton-rows";
import { DemoScenarioPanel } from "./demo-scenario";
import { formatDuration, IncidentStatusBadge, OPEN_STATUSES, SIGNAL_LABELS } from "./incident-status";
import { ReportCompromiseForm } from "./report-compromise-form";

function Rows({ items, testId }: { items: IncidentListItem[]; testId: string }) {
  return (
    <div className="relative overflow-x-auto">
      <table className="w-full text-left text-base" data-testid={testId}>
        <thead className="text-sm uppercase tracking-wide text-slate-400">
          <tr>
            <th className="py-2 pr-4">Incident</th>
            <th className="py-2 pr-4">Compromised</th>
            <th className="py-2 pr-4">Signal</th>
            <th className="py-2 pr-4 text-right">Keys affected</th>
            <th className="py-2 pr-4">Status</th>
            <th className="py-2 pr-4 text-right">Time to integrity</th>
            <th className="py-2 pr-4">Detected</th>
          </tr>
        </thead>
        <tbody>
          {items.map((i) => (
            <tr key={i.id} className="border-t border-line" data-testid="incident-row" data-incident-id={i.id} data-status={i.status} data-target-id={i.targetId}>
              <td className="py-2 pr-4">
                <Link href={`/incidents/${i.id}`} className="font-mono font-semibold text-sky-300 underline underline-offset-4 hover:decoration-2" data-testid="incident-link">{i.reference}</Link>
                {i.simulated ? <span className="ml-2 rounded bg-slate-600/40 px-1.5 py-0.5 text-xs font-semibold uppercase text-slate-300">demo</span> : null}
              </td>
              <td className="py-2 pr-4 text-slate-100">{i.targetType === "link" ? "Link " : "Node "}{i.targetName}</td>
              <td className="py-2 pr-4 text-slate-300">{SIGNAL_LABELS[i.signal]}</td>
              <td className="py-2 pr-4 text-right tabular-nums text-slate-100">{formatCount(i.affectedKeys)}</td>
              <td className="py-2 pr-4"><IncidentStatusBadge status={i.status} /></td>
              <td className="py-2 pr-4 text-right tabular-nums text-slate-100" data-testid="incident-tti">{i.timeToIntegrityMs === null ? "—" : formatDuration(i.timeToIntegrityMs)}</td>
              <td className="py-2 pr-4 text-slate-300"><RelativeTime date={new Date(i.detectedAt)} /></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Section({ open }: { open: boolean }) {
  const trpc = useTRPC();
  const refetchInterval = useLiveRefetchInterval();
  const statuses = open ? OPEN_STATUSES : (["RESOLVED", "FAILED", "DISMISSED"] as const);
  const q = useQuery(trpc.incidents.list.queryOptions({ status: [...statuses], limit: open ? 200 : 50 }, { refetchInterval }));
  const title = open ? "Open incidents" : "History";
  const testId = open ? "incidents-open" : "incidents-closed";
  return (
    <Panel title={title} testId={testId}>
      {q.isPending ? <SkeletonRows rows={3} label={`Loading ${title.toLowerCase()}`} /> : q.isError ? (
        <ErrorPanel title={`Could not load ${title.toLowerCase()}`} error={q.error} onRetry={() => void q.refetch()} />
      ) : q.data.length === 0 ? (
        <EmptyState
          testId={`${testId}-empty`}
          title={open ? "No compromise is being handled" : "No incidents recorded yet"}
          body={open
            ? "A link whose error rate passes the abort threshold, an operator's report or a holder's integrity mismatch opens an incident here, and the recovery runs at once."
            : "Resolved and dismissed incidents stay here with their timelines and their time to integrity."}
        />
      ) : (
        <Rows items={q.data} testId={`${testId}-table`} />
      )}
    </Panel>
  );
}

export function IncidentsConsole() {
  const mayReport = useMayCall("incidents.report");
  return (
    <div className="flex flex-col gap-6">
      <DemoScenarioPanel />
      <Section open />
      <Section open={false} />
      {mayReport ? <ReportCompromiseForm /> : null}
    </div>
  );
}
