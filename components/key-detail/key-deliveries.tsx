"use client";
/**
 * A key's deliveries to applications over ETSI 014 (KEY-DELIVERY.md §5.6):
 * which SAE took it, as master or slave, at which site's KME, when it was
 * assigned and delivered, and its size. Shown for keys of the etsi014 policy
 * and for any key that has delivery rows; IDs and times only, never bytes.
 */
import { useQuery } from "@tanstack/react-query";
import { useLiveRefetchInterval } from "@/components/live/live-events";
import { useTRPC } from "@/components/trpc/trpc-context";
import { ErrorPanel } from "@/components/ui/error-panel";
import { formatDateTime } from "@/components/ui/format";
import { Panel } from "@/components/ui/panel";
import { SkeletonRows } from "@/components/ui/skeleton-rows";

const ETSI014_POLICY = "etsi014";

function When({ date, none }: { date: Date | null; none: string }) {
  return date ? <time dateTime={date.toISOString()}>{formatDateTime(date)}</time> : <span className="text-amber-300">{none}</span>;
}

export function KeyDeliveries({ keyId, policy }: { keyId: string; policy: string }) {
  const trpc = useTRPC();
  const refetchInterval = useLiveRefetchInterval();
  const q = useQuery(trpc.applications.keyDeliveries.queryOptions({ keyId }, { refetchInterval }));
  const etsi = policy === ETSI014_POLICY;
  if (!etsi && (q.isPending || q.isError || q.data.deliveries.length === 0)) return null;

  return (
    <Panel title="Deliveries" testId="deliveries-panel">
      {q.isPending ? <SkeletonRows rows={2} label="Loading deliveries" /> : q.isError ? (
        <ErrorPanel title="Could not load this key's deliveries" error={q.error} onRetry={() => void q.refetch()} />
      ) : q.data.deliveries.length === 0 ? (
        <p className="text-base text-slate-400" data-testid="deliveries-empty">Not delivered to any application yet: the key waits in its pool for an enc_keys request.</p>
      ) : (
        <div className="relative overflow-x-auto">
          <table className="w-full text-left text-base" data-testid="deliveries">
            <thead className="text-sm uppercase tracking-wider text-slate-400">
              <tr>
                {["Application (SAE)", "Role", "Site (KME)", "Assigned", "Delivered", "Size"].map((c) => <th key={c} scope="col" className="py-2 pr-4 font-semibold">{c}</th>)}
              </tr>
            </thead>
            <tbody>
              {q.data.deliveries.map((d) => (
                <tr key={d.saeId} className="border-t border-line" data-testid="delivery-row" data-sae-id={d.saeId} data-role={d.role}>
                  <td className="py-2 pr-4 font-mono text-slate-100">{d.saeId}</td>
                  <td className="py-2 pr-4 text-slate-200">{d.role}</td>
                  <td className="py-2 pr-4 font-mono text-sm text-slate-300">{d.kmeNodeId}</td>
                  <td className="py-2 pr-4 text-slate-300"><When date={d.assignedAt} none="" /></td>
                  <td className="py-2 pr-4 text-slate-300"><When date={d.deliveredAt} none="not fetched yet" /></td>
                  <td className="py-2 tabular-nums text-slate-200">{d.sizeBits} bits</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Panel>
  );
}
