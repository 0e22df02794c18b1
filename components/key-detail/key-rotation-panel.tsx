"use client";
/**
 * The key page's Rotation panel (keys.rotation): for a ROTATING key, each
 * participant's receipt of the replacement and a live countdown to the end of
 * the overlap; for an ACTIVE key, when the next scheduled rotation is due, the
 * usage against the policy's limit and, after a cancelled rotation, why and
 * when it is retried; for a RETIRED key, when it is destroyed. Refreshes on
 * live "keys" events (components/live) with polling as a safety net; the
 * countdown ticks in the browser.
 */
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useEffect, useState } from "react";
import { useLiveRefetchInterval } from "@/components/live/live-events";
import { useTRPC } from "@/components/trpc/trpc-context";
import { ErrorPanel } from "@/components/ui/error-panel";
import { formatCount, formatDateTime } from "@/components/ui/format";
import { RelativeTime } from "@/components/ui/relative-time";
import { SkeletonRows } from "@/components/ui/skeleton-rows";
import { useNow } from "@/components/ui/use-now";

function formatSeconds(s: number): string {
  if (s % 3600 === 0) return `${s / 3600} h`;
  if (s % 60 === 0) return `${s / 60} min`;
  return `${s} s`;
}

function NextRotation({ at, policy }: { at: Date; policy: string }) {
  const now = useNow();
  return (
    <p className="text-slate-300" data-testid="next-rotation" data-overdue={at.getTime() <= now}>
      {at.getTime() <= now ? (
        <>Scheduled rotation due since <RelativeTime date={at} className="font-semibold text-amber-300" />; the rotation sweep starts it</>
      ) : (
        <>Next scheduled rotation <RelativeTime date={at} className="font-semibold text-white" /></>
      )}{" "}
      (cryptoperiod of policy {policy})
    </p>
  );
}

function useSecondClock(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

function Countdown({ until }: { until: Date }) {
  const now = useSecondClock();
  const left = Math.max(0, Math.round((until.getTime() - now) / 1000));
  const h = Math.floor(left / 3600);
  const m = Math.floor((left % 3600) / 60);
  const s = left % 60;
  const text = left === 0 ? "overlap ended; retiring the old key" : `${h > 0 ? `${h} h ` : ""}${m} min ${s.toString().padStart(2, "0")} s`;
  return (
    <time dateTime={until.toISOString()} title={formatDateTime(until)} data-testid="overlap-countdown" data-seconds-left={left} className="text-2xl font-bold tabular-nums text-white">
      {text}
    </time>
  );
}

function UsageBar({ count, max }: { count: string; max: number | null }) {
  const used = BigInt(count);
  if (max === null) return <p className="text-slate-300" data-testid="usage">{formatCount(used)} uses · this policy has no usage limit</p>;
  const pct = Math.min(100, Number((used * 1000n) / BigInt(max)) / 10);
  return (
    <div data-testid="usage" data-percent={pct}>
      <div className="mb-1 flex justify-between text-sm text-slate-300">
        <span>Usage</span>
        <span className="tabular-nums">{formatCount(used)} of {formatCount(max)} ({pct.toFixed(1)}%)</span>
      </div>
      <div className="h-2 overflow-hidden rounded bg-slate-800" role="progressbar" aria-label="Usage against the policy's limit" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct}>
        <div className={`h-full ${pct >= 90 ? "bg-amber-400" : "bg-sky-400"}`} style={{ width: `${pct}%` }} />
      </div>
    </div>
  );
}

export function KeyRotationPanel({ keyId }: { keyId: string }) {
  const trpc = useTRPC();
  const refetchInterval = useLiveRefetchInterval();
  const query = useQuery(trpc.keys.rotation.queryOptions({ id: keyId }, { refetchInterval }));
  if (query.isPending) return <SkeletonRows rows={3} label="Loading rotation" testId="rotation-loading" />;
  if (query.isError) return <ErrorPanel title="Could not load the rotation" error={query.error} onRetry={() => void query.refetch()} testId="rotation-error" />;
  const p = query.data;
  const r = p.rotation;

  return (
    <div className="flex flex-col gap-4" data-testid="rotation" data-state={p.state}>
      {r ? (
        <>
          <p className="text-slate-300">
            Rotating since {r.startedAt ? <RelativeTime date={r.startedAt} /> : "—"}
            {r.reason ? <> · <span className="text-slate-100" data-testid="rotation-reason">{r.reason}</span></> : null}
          </p>
          {r.successor ? (
            <p className="text-slate-300">
              Replacement{" "}
              <Link href={`/keys/${r.successor.id}`} className="font-semibold text-sky-300 underline underline-offset-4 hover:decoration-2">{r.successor.label}</Link>{" "}
              <span data-testid="successor-state" className="font-mono text-slate-100">{r.successor.state}</span>
              {r.successor.attempt > 1 ? ` (distribution attempt ${r.successor.attempt})` : null}
            </p>
          ) : (
            <p className="text-amber-300">No replacement is being distributed.</p>
          )}
          <table className="w-full text-left text-base" data-testid="rotation-receipts">
            <thead className="text-sm uppercase tracking-wider text-slate-400">
              <tr>
                <th scope="col" className="py-2 pr-4 font-semibold">Participant</th>
                <th scope="col" className="py-2 font-semibold">Receipt of the replacement</th>
              </tr>
            </thead>
            <tbody>
              {r.receipts.map((x) => (
                <tr key={x.nodeId} className="border-t border-line" data-testid="rotation-receipt" data-node-id={x.nodeId} data-confirmed={x.confirmedAt !== null}>
                  <td className="py-2 pr-4 text-slate-100">{x.nodeName} <span className="font-mono text-sm text-slate-400">{x.nodeId}</span></td>
                  <td className="py-2 text-slate-200">{x.confirmedAt ? <>confirmed <RelativeTime date={x.confirmedAt} /></> : <span className="text-amber-300">pending</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div>
            <div className="text-sm uppercase tracking-wider text-slate-400">Old key usable for</div>
            {r.overlapEndsAt ? <Countdown until={r.overlapEndsAt} /> : (
              <p className="text-slate-300">
                {p.policy.overlapSeconds === 0
                  ? "until every participant confirmed the replacement (this policy has no overlap)"
                  : `the ${formatSeconds(p.policy.overlapSeconds)} overlap starts when every participant confirmed the replacement`}
              </p>
            )}
          </div>
        </>
      ) : null}

      {p.state === "ACTIVE" ? (
        <>
          {p.nextScheduledRotationAt ? <NextRotation at={p.nextScheduledRotationAt} policy={p.policy.name} /> : null}
          <UsageBar count={p.usage.count} max={p.usage.max} />
          {p.lastFailure ? (
            <p className="rounded border border-amber-500/40 bg-amber-500/10 p-3 text-amber-200" data-testid="rotation-failure">
              Last rotation <RelativeTime date={p.lastFailure.at} /> was cancelled, the key stays in use: {p.lastFailure.reason}.
              {p.lastFailure.retryAt ? <> Next attempt <RelativeTime date={p.lastFailure.retryAt} />.</> : null}
            </p>
          ) : null}
        </>
      ) : null}

      {p.destroyAt ? (
        <p className="text-slate-300" data-testid="destroy-at">Retired; material destroyed <RelativeTime date={p.destroyAt} /> ({p.policy.retentionDays} days retention)</p>
      ) : null}

      {!r && p.state !== "ACTIVE" && !p.destroyAt ? (
        <p className="text-slate-400" data-testid="rotation-empty">No rotation applies to a {p.state} key.</p>
      ) : null}
    </div>
  );
}
