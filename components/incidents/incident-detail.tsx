"use client";
/**
 * One incident: what was compromised and how it was detected, the recovery's
 * timeline step by step with the elapsed time, the time to integrity, and the
 * blast radius key by key (why each was exposed, what happened to it, its
 * replacement), and per node the purges of revoked material its holder has not
 * confirmed yet (queued, re-sent at its agent's reconnect). Follows the
 * recovery live.
 */
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import type { IncidentDetail as Detail } from "@/components/trpc/router-types";
import { isNotFound } from "@/components/trpc/api-errors";
import { useLiveRefetchInterval } from "@/components/live/live-events";
import { useTRPC } from "@/components/trpc/trpc-context";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorPanel } from "@/components/ui/error-panel";
import { formatCount, formatDateTime } from "@/components/ui/format";
import { PageHeader } from "@/components/ui/page-header";
import { Panel } from "@/components/ui/panel";
import { SkeletonRows } from "@/components/ui/skeleton-rows";
import { StateBadge } from "@/components/keys/state-badge";
import { isKeyState } from "@/server/domain/lifecycle/key-states";
import { formatDuration, IncidentStatusBadge, OPEN_STATUSES, SIGNAL_LABELS } from "./incident-status";

const STEP_LABELS: Record<string, string> = {
  DETECTED: "Detected",
  BLAST_RADIUS: "Blast radius computed",
  HELD_FOR_APPROVAL: "Held for a security officer",
  APPROVED: "Approved",
  CONTAINED: "Contained",
  REVOKED: "Affected keys revoked",
  REDISTRIBUTED: "Replacements distributed",
  VERIFIED: "Integrity verified",
  FAILED: "Recovery failed",
  DISMISSED: "Dismissed",
};

const EXPOSURE_LABELS: Record<string, string> = {
  held: "held by the node",
  relayed: "relayed through the node",
  "crossed-link": "crossed the link",
};

function KeyState({ state }: { state: string | null }) {
  if (!state) return <span className="text-slate-400">—</span>;
  return isKeyState(state) ? <StateBadge state={state} /> : <span>{state}</span>;
}

function Timeline({ d }: { d: Detail }) {
  return (
    <ol className="relative flex flex-col gap-4 border-l-2 border-line pl-6" data-testid="incident-timeline">
      {d.timeline.map((t, i) => (
        <li key={`${t.step}-${i}`} className="relative" data-testid="timeline-step" data-step={t.step}>
          <span aria-hidden="true" className={`absolute -left-[33px] top-1.5 size-4 rounded-full border-2 border-canvas ${t.step === "FAILED" ? "bg-red-500" : t.step === "VERIFIED" ? "bg-emerald-400" : "bg-sky-400"}`} />
          <div className="flex flex-wrap items-baseline gap-x-3">
            <span className="text-base font-semibold text-slate-100">{STEP_LABELS[t.step] ?? t.step}</span>
            <span className="font-mono text-sm tabular-nums text-slate-400">+{formatDuration(t.elapsedMs)}</span>
            <span className="text-sm text-slate-400">{formatDateTime(new Date(t.at))}</span>
          </div>
          <p className="text-base text-slate-300">{t.summary}</p>
        </li>
      ))}
      {OPEN_STATUSES.includes(d.status) ? (
        <li className="relative text-base text-slate-400" data-testid="timeline-pending">
          <span aria-hidden="true" className="absolute -left-[33px] top-1.5 size-4 animate-pulse rounded-full border-2 border-canvas bg-slate-500" />
          {d.status === "AWAITING_APPROVAL" ? "Waiting for a security officer's decision…" : "In progress…"}
        </li>
      ) : null}
    </ol>
  );
}

function BlastRadius({ d }: { d: Detail }) {
  if (d.keys.length === 0) {
    return <p className="text-base text-slate-300" data-testid="blast-radius-empty">No key crossed or was held by the compromised part: nothing had to be revoked.</p>;
  }
  return (
    <div className="relative overflow-x-auto">
      <table className="w-full text-left text-base" data-testid="blast-radius">
        <thead className="text-sm uppercase tracking-wide text-slate-400">
          <tr>
            <th className="py-2 pr-4">Key</th>
            <th className="py-2 pr-4">Exposure</th>
            <th className="py-2 pr-4">Before</th>
            <th className="py-2 pr-4">Now</th>
            <th className="py-2 pr-4">Replacement</th>
            <th className="py-2 pr-4">Purge at holders</th>
          </tr>
        </thead>
        <tbody>
          {d.keys.map((k) => (
            <tr key={k.keyId} className="border-t border-line" data-testid="blast-key" data-key-id={k.keyId} data-state={k.stateNow} data-replacement-state={k.replacementState ?? ""}>
              <td className="py-2 pr-4"><Link href={`/keys/${k.keyId}`} className="text-sky-300 underline underline-offset-4 hover:decoration-2">{k.label}</Link></td>
              <td className="py-2 pr-4 text-slate-300">{EXPOSURE_LABELS[k.exposure] ?? k.exposure}</td>
              <td className="py-2 pr-4"><KeyState state={k.stateBefore} /></td>
              <td className="py-2 pr-4"><KeyState state={k.stateNow} /></td>
              <td className="py-2 pr-4">
                {k.replacementId ? (
                  <span className="flex items-center gap-2">
                    <Link href={`/keys/${k.replacementId}`} className="text-sky-300 underline underline-offset-4 hover:decoration-2">new generation</Link>
                    <KeyState state={k.replacementState} />
                  </span>
                ) : <span className="text-slate-400">none needed</span>}
                {k.waitingForNode ? <span className="block text-sm text-amber-200" data-testid="blast-key-waiting">waits until {k.waitingForNode} can be reached with enough key (node restored, pools refilled)</span> : null}
                {k.recipients.length > 0 ? (
                  <span className="block text-sm text-slate-300" data-testid="blast-key-recipients">
                    applications: {k.recipients.map((r) => `${r.saeId} (${r.role}${r.deliveredAt ? "" : ", not fetched"})`).join(", ")}
                  </span>
                ) : null}
              </td>
              <td className="py-2 pr-4 text-sm">
                {k.purges.filter((p) => p.status !== "none").map((p) => (
                  <span key={p.nodeId} data-testid="blast-key-purge" data-node-id={p.nodeId} data-status={p.status}
                    className={`mr-2 inline-block ${p.status === "confirmed" ? "text-emerald-300" : "text-amber-300"}`}>
                    {p.nodeId}: {p.status === "confirmed" ? "purged" : `waiting${p.attempts > 0 ? ` (${p.attempts} unanswered)` : ""}`}
                  </span>
                ))}
                {k.purges.every((p) => p.status === "none") ? <span className="text-slate-400">—</span> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {d.compromiseNotices.length > 0 ? (
        <p className="mt-3 text-base text-slate-300" data-testid="compromise-notices">
          {d.compromiseNotices.length} key(s) already consumed by applications crossed the compromised part: nothing left to revoke, and their
          applications were told ({[...new Set(d.compromiseNotices.flatMap((n) => n.saeIds))].join(", ")}).
        </p>
      ) : null}
    </div>
  );
}

export function IncidentDetailView({ id }: { id: string }) {
  const trpc = useTRPC();
  const refetchInterval = useLiveRefetchInterval();
  const q = useQuery(trpc.incidents.get.queryOptions({ id }, { refetchInterval }));
  if (q.isPending) return <SkeletonRows rows={8} label="Loading the incident" />;
  if (q.isError) {
    if (isNotFound(q.error)) {
      return <EmptyState testId="incident-not-found" title="Incident not found" body={<>There is no incident with id <code className="font-mono">{id}</code>.</>} action={<Link href="/incidents" className="text-sky-300 underline">Back to incidents</Link>} />;
    }
    return <ErrorPanel title="Could not load this incident" error={q.error} onRetry={() => void q.refetch()} />;
  }
  const d = q.data;
  const meshHref = d.targetType === "link" ? `/mesh?link=${encodeURIComponent(d.targetId)}` : `/mesh?node=${encodeURIComponent(d.targetId)}`;
  const replaced = d.keys.filter((k) => k.replacementState === "ACTIVE").length;
  return (
    <div className="flex flex-col gap-6" data-testid="incident-detail" data-status={d.status} data-incident-id={d.id}>
      <nav aria-label="Breadcrumb" className="text-base text-slate-400">
        <Link href="/incidents" className="text-sky-300 underline underline-offset-4 hover:decoration-2">Incidents</Link> <span aria-hidden="true">/</span> {d.reference}
      </nav>
      <PageHeader title={`Incident ${d.reference}`} />
      <Panel
        title={<>{d.reference}: {d.targetType} <Link href={meshHref} className="text-sky-300 underline underline-offset-4 hover:decoration-2">{d.targetName}</Link> compromised</>}
        actions={<IncidentStatusBadge status={d.status} />}
        testId="incident-summary"
      >
        <dl className="grid gap-x-6 gap-y-2 text-base sm:grid-cols-[max-content_1fr]">
          <dt className="text-slate-400">Signal</dt><dd className="text-slate-100">{SIGNAL_LABELS[d.signal]}{d.simulated ? " (demo scenario, simulated fault)" : ""}</dd>
          <dt className="text-slate-400">Reason</dt><dd className="text-slate-100" data-testid="incident-reason">{d.reason}</dd>
          <dt className="text-slate-400">Detected</dt><dd className="text-slate-100">{formatDateTime(new Date(d.detectedAt))}</dd>
          <dt className="text-slate-400">Time to integrity</dt>
          <dd className="text-lg font-semibold tabular-nums text-slate-100" data-testid="incident-time-to-integrity">{d.timeToIntegrityMs === null ? "recovery in progress" : formatDuration(d.timeToIntegrityMs)}</dd>
          <dt className="text-slate-400">Blast radius</dt>
          <dd className="text-slate-100" data-testid="incident-affected">{formatCount(d.affectedKeys)} keys; {formatCount(replaced)} replaced and active</dd>
          <dt className="text-slate-400">Keys outside it changed</dt>
          <dd className={d.untouchedViolations === 0 ? "text-emerald-200" : "font-semibold text-red-200"} data-testid="incident-untouched">{d.untouchedViolations === 0 ? "none (the rest of the mesh kept working)" : formatCount(d.untouchedViolations)}</dd>
          <dt className="text-slate-400">Purges not confirmed</dt>
          <dd data-testid="incident-unconfirmed-purges">
            {d.unconfirmedPurges.length === 0
              ? <span className="text-emerald-200">none: every holder confirmed its purges</span>
              : <ul className="flex flex-col gap-1">
                  {d.unconfirmedPurges.map((u) => (
                    <li key={u.nodeId} className="text-amber-200" data-testid="incident-unconfirmed-purge" data-node-id={u.nodeId} data-keys={u.keys}>
                      {u.nodeId} ({u.nodeStatus.toLowerCase()}): {formatCount(u.keys)} key(s) queued{u.attempts > 0 ? `, ${formatCount(u.attempts)} unanswered instruction(s)` : ""}; sent again when its agent reconnects
                    </li>
                  ))}
                </ul>}
          </dd>
          {d.approvalRequestId ? <><dt className="text-slate-400">Approval</dt><dd><Link href={`/approvals/${d.approvalRequestId}`} className="text-sky-300 underline" data-testid="incident-approval">the request for a security officer</Link></dd></> : null}
          <dt className="text-slate-400">On the mesh</dt>
          <dd className="text-slate-100">{d.linkIds.length} link(s), {d.nodeIds.length} node(s) involved · <Link href={meshHref} className="text-sky-300 underline">show on the mesh</Link></dd>
        </dl>
      </Panel>
      <Panel title="Timeline" testId="incident-timeline-panel"><Timeline d={d} /></Panel>
      <Panel title={`Blast radius (${formatCount(d.keys.length)} keys)`} testId="incident-keys-panel"><BlastRadius d={d} /></Panel>
    </div>
  );
}
