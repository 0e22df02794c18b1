/** One key in the key table; its label links to the key's page. */
import Link from "next/link";
import type { KeyListItem } from "@/components/trpc/router-types";
import { formatCount } from "@/components/ui/format";
import { HashText } from "@/components/ui/hash-text";
import { RelativeTime } from "@/components/ui/relative-time";
import { StateBadge } from "./state-badge";

/** Under a ROTATING key's state: its replacement's receipts, then the end of the overlap. */
function RotationSummary({ r }: { r: NonNullable<KeyListItem["rotation"]> }) {
  return (
    <span className="mt-1 block max-w-[13rem] text-sm text-slate-300" data-testid="key-rotation-summary" data-successor-state={r.successorState}>
      {r.overlapEndsAt ? (
        <>replacement ACTIVE · overlap ends <RelativeTime date={r.overlapEndsAt} /></>
      ) : (
        <>replacement {r.successorState}: {r.confirmed} of {r.participants} confirmed</>
      )}
    </span>
  );
}

export function KeyRow({ k }: { k: KeyListItem }) {
  const confirmed = k.participants.filter((p) => p.confirmedAt).length;
  return (
    <tr data-testid="key-row" data-key-id={k.id} data-state={k.state} className="border-t border-line hover:bg-panel-raised/60">
      <td className="max-w-[22rem] px-3 py-3">
        <Link href={`/keys/${k.id}`} data-testid="key-link" className="block truncate text-lg font-semibold text-sky-200 underline underline-offset-4 hover:decoration-2">
          {k.label}
        </Link>
        <div className="truncate text-sm text-slate-400" title={k.purpose}>{k.purpose}</div>
      </td>
      <td className="px-3 py-3 tabular-nums text-slate-200">
        <span className="text-lg font-semibold">{k.generation}</span>
        {k.distributionAttempt > 1 ? <span className="block whitespace-nowrap text-sm text-slate-400">attempt {k.distributionAttempt}</span> : null}
      </td>
      <td className="px-3 py-3">
        <StateBadge state={k.state} />
        {k.rotation ? <RotationSummary r={k.rotation} /> : null}
      </td>
      <td className="whitespace-nowrap px-3 py-3 text-slate-200">{k.policy}</td>
      <td className="px-3 py-3 tabular-nums text-slate-200" title={`${confirmed} of ${k.participants.length} confirmed receipt`}>
        {k.participants.length}
        {k.state === "DISTRIBUTED" ? <span className="block whitespace-nowrap text-sm text-slate-400">{confirmed} confirmed</span> : null}
      </td>
      <td className="px-3 py-3 text-right tabular-nums text-slate-200">{formatCount(k.usageCount)}</td>
      <td className="px-3 py-3 text-slate-300"><HashText value={k.fingerprint} head={8} tail={4} hidePrefix /></td>
      <td className="whitespace-nowrap px-3 py-3 text-slate-300"><RelativeTime date={k.updatedAt} /></td>
    </tr>
  );
}
