"use client";
/**
 * An endpoint's KME (ETSI 014) in the node panel: the applications registered
 * at the site, the key pools it shares with its peers (keys available against
 * the target, refill rate the links allow), deliveries in the last minute and
 * hour, and the 401 refusals audited in the last hour. Counts only.
 */
import { useQuery } from "@tanstack/react-query";
import { useLiveRefetchInterval } from "@/components/live/live-events";
import type { SiteKmeView } from "@/components/trpc/router-types";
import { useTRPC } from "@/components/trpc/trpc-context";
import { ErrorPanel } from "@/components/ui/error-panel";
import { formatCount } from "@/components/ui/format";
import { SkeletonRows } from "@/components/ui/skeleton-rows";
import { Facts, PanelSection } from "./panel-section";

const rate = (perSecond: number) => (perSecond === 0 ? "0 keys/s" : perSecond >= 10 ? `${formatCount(Math.round(perSecond))} keys/s` : `${perSecond.toPrecision(2)} keys/s`);

function Pools({ pools, names }: { pools: SiteKmeView["pools"]; names: ReadonlyMap<string, string> }) {
  if (pools.length === 0) return <p className="text-base text-slate-400" data-testid="kme-pools-empty">No key pool: no enabled pair of applications includes this site.</p>;
  return (
    <ul className="flex flex-col gap-2" aria-label="Key pools">
      {pools.map((p) => (
        <li key={p.sites.join("~")} className="rounded border border-line px-3 py-2" data-testid="kme-pool" data-sites={p.sites.join("~")}>
          <p className="text-base text-slate-200">
            {p.peers.length === 0 ? "Within the site" : <>With {p.peers.map((x) => names.get(x) ?? x).join(", ")}</>}
            <span className="ml-2 text-sm text-slate-400">{p.pairs.map((x) => `${x.saeA} ↔ ${x.saeB}`).join(", ")}</span>
          </p>
          <p className="text-base text-slate-300">
            <span className="font-semibold tabular-nums text-white" data-testid="kme-pool-available">{formatCount(p.available)}</span> of {formatCount(p.target)} keys available
            {" · "}refills at <span data-testid="kme-pool-refill">{rate(p.refillKeysPerSecond)}</span>
          </p>
        </li>
      ))}
    </ul>
  );
}

export function KmeFacts({ nodeId, names }: { nodeId: string; names: ReadonlyMap<string, string> }) {
  const trpc = useTRPC();
  const refetchInterval = useLiveRefetchInterval();
  const q = useQuery(trpc.applications.site.queryOptions({ nodeId }, { refetchInterval }));
  return (
    <PanelSection title="KME" testId="node-kme">
      {q.isPending ? <SkeletonRows rows={2} label="Loading the site's KME" testId="node-kme-loading" /> : q.isError ? (
        <ErrorPanel title="Could not load this site's KME" error={q.error} onRetry={() => void q.refetch()} />
      ) : (
        <>
          {q.data.saes.length === 0 ? (
            <p className="text-base text-slate-400" data-testid="kme-saes-empty">No application is registered at this site (Admin → Applications).</p>
          ) : (
            <ul className="flex flex-wrap gap-1" aria-label="Applications at this site">
              {q.data.saes.map((s) => (
                <li key={s.saeId} title={s.description || undefined} data-testid="kme-sae" data-sae-id={s.saeId}
                  className={`rounded-full border px-2 py-0.5 font-mono text-sm ${s.enabled ? "border-sky-400/40 text-sky-200" : "border-slate-500 text-slate-400 line-through"}`}>
                  {s.saeId}{s.enabled ? "" : " (disabled)"}
                </li>
              ))}
            </ul>
          )}
          <Pools pools={q.data.pools} names={names} />
          <Facts items={[
            ["Deliveries, last minute", formatCount(q.data.deliveriesLastMinute), "kme-deliveries-minute"],
            ["Deliveries, last hour", formatCount(q.data.deliveriesLastHour), "kme-deliveries-hour"],
            ["Refused (401), last hour", formatCount(q.data.refusalsLastHour), "kme-refusals-hour"],
          ]} />
        </>
      )}
    </PanelSection>
  );
}
