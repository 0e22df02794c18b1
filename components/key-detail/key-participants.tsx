/** The nodes that share a key: who confirmed receipt and when, and each holder's purge (requested, confirmed by the node, or still unanswered). */
import type { KeyDetail } from "@/components/trpc/router-types";
import { formatDateTime } from "@/components/ui/format";

function When({ date, none }: { date: Date | null; none: string }) {
  return date ? <time dateTime={date.toISOString()}>{formatDateTime(date)}</time> : <span className="text-slate-400">{none}</span>;
}

type Participant = KeyDetail["key"]["participants"][number];

/** A purge is done only when the holder answered; until then it is requested, and retried while the holder is silent. */
export function PurgeStatus({ p }: { p: Pick<Participant, "purgeConfirmedAt" | "purgeRequestedAt" | "purgeAttempts"> }) {
  if (p.purgeConfirmedAt) return <span data-testid="purge-status" data-status="confirmed" className="text-emerald-300">confirmed <When date={p.purgeConfirmedAt} none="" /></span>;
  if (p.purgeRequestedAt) {
    return (
      <span data-testid="purge-status" data-status="pending" className="text-amber-300">
        requested <When date={p.purgeRequestedAt} none="" />, waiting for the node{p.purgeAttempts > 0 ? ` (${p.purgeAttempts} unanswered, retrying)` : ""}
      </span>
    );
  }
  return <span data-testid="purge-status" data-status="none" className="text-slate-400">—</span>;
}

export function KeyParticipants({ detail }: { detail: KeyDetail }) {
  const byId = new Map(detail.nodes.map((n) => [n.id, n]));
  const { participants } = detail.key;
  if (participants.length === 0) return <p className="text-slate-300">This key has no participants.</p>;
  const confirmed = participants.filter((p) => p.confirmedAt).length;
  return (
    <div className="flex flex-col gap-3">
      <p className="text-base text-slate-300" data-testid="participants-summary">
        <span className="text-2xl font-bold tabular-nums text-white">{confirmed}</span> of {participants.length} confirmed receipt
      </p>
      <div className="relative overflow-x-auto">
        <table className="w-full text-left text-base" data-testid="participants">
          <thead className="text-sm uppercase tracking-wider text-slate-400">
            <tr>
              <th scope="col" className="py-2 pr-4 font-semibold">Node</th>
              <th scope="col" className="py-2 pr-4 font-semibold">Confirmed at</th>
              <th scope="col" className="py-2 font-semibold">Purge at the node</th>
            </tr>
          </thead>
          <tbody>
            {participants.map((p) => {
              const node = byId.get(p.nodeId);
              return (
                <tr key={p.nodeId} data-testid="participant-row" data-node-id={p.nodeId} className="border-t border-line">
                  <td className="py-2 pr-4">
                    <div className="font-semibold text-slate-100">{node?.name ?? p.nodeId}</div>
                    <div className="text-sm text-slate-400">
                      <span className="font-mono">{p.nodeId}</span>
                      {node ? ` · ${node.role.toLowerCase()} · ${node.site} · ${node.status.toLowerCase()}` : null}
                    </div>
                  </td>
                  <td className="py-2 pr-4 text-slate-200"><When date={p.confirmedAt} none="pending" /></td>
                  <td className="py-2 text-slate-200"><PurgeStatus p={p} /></td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}
