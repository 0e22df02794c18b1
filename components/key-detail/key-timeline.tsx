/**
 * A key's lifecycle as recorded in the audit chain, newest first: when, what,
 * from which state to which, who, and why. Each entry links to its place in
 * the audit log.
 */
import Link from "next/link";
import type { AuditEntry } from "@/components/trpc/router-types";
import { ALARM_ACTIONS, actionLabel } from "@/components/audit/audit-action-labels";
import { EntryDetails } from "@/components/audit/entry-details";
import { StateTransition } from "@/components/keys/state-transition";
import { formatDateTime } from "@/components/ui/format";
import { RelativeTime } from "@/components/ui/relative-time";

export function KeyTimeline({ keyId, history, truncated }: { keyId: string; history: AuditEntry[]; truncated: boolean }) {
  if (history.length === 0) {
    return <p className="text-slate-300" data-testid="timeline-empty">No audit entries for this key yet.</p>;
  }
  const newestFirst = [...history].reverse();
  return (
    <div className="flex flex-col gap-3">
      {truncated ? (
        <p className="text-sm text-amber-200">
          Showing the newest {history.length} entries.{" "}
          <Link href={`/audit?subject=${keyId}`} className="underline underline-offset-4">See the full history in the audit log</Link>.
        </p>
      ) : null}
      <ol className="flex flex-col" data-testid="timeline">
        {newestFirst.map((e) => {
          const alarm = ALARM_ACTIONS.has(e.action);
          return (
            <li
              key={e.seq.toString()}
              data-testid="timeline-entry"
              data-seq={e.seq.toString()}
              data-action={e.action}
              className={`relative border-l-2 py-3 pl-6 ${alarm ? "border-red-500" : "border-line-strong"}`}
            >
              <span aria-hidden="true" className={`absolute -left-[7px] top-5 size-3 rounded-full ${alarm ? "bg-red-500" : "bg-sky-400"}`} />
              <div className="flex flex-wrap items-center gap-x-4 gap-y-1">
                <span className={`text-lg font-semibold ${alarm ? "text-red-200" : "text-white"}`}>{actionLabel(e.action)}</span>
                <StateTransition from={e.fromState} to={e.toState} />
                <span className="text-sm text-slate-300">
                  <RelativeTime date={e.at} /> · {formatDateTime(e.at)}
                </span>
                <span className="text-sm text-slate-400">by <span className="font-mono text-slate-200">{e.actor}</span></span>
                <Link
                  href={`/audit?subject=${keyId}&seq=${e.seq.toString()}`}
                  className="ml-auto font-mono text-sm text-sky-300 underline underline-offset-4 hover:decoration-2"
                  aria-label={`Audit entry ${e.seq.toString()}`}
                >
                  #{e.seq.toString()}
                </Link>
              </div>
              <div className="mt-1.5">
                <EntryDetails details={e.details} omit={["fingerprint", "version", "label", "purpose"]} />
              </div>
            </li>
          );
        })}
      </ol>
    </div>
  );
}
