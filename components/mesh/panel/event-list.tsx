/** The newest audit entries about a node or a link, each linked to its place in the audit log. */
import Link from "next/link";
import type { MeshEventView } from "@/components/trpc/router-types";
import { actionLabel } from "@/components/audit/audit-action-labels";
import { RelativeTime } from "@/components/ui/relative-time";
import { PanelSection } from "./panel-section";

export function EventList({ events }: { events: MeshEventView[] }) {
  return (
    <PanelSection title="Recent events" testId="mesh-events">
      {events.length === 0 ? (
        <p className="text-base text-slate-300">Nothing recorded about it yet.</p>
      ) : (
        <ol className="flex flex-col gap-2">
          {events.map((e) => (
            <li key={e.seq.toString()} className="flex flex-col rounded-lg border border-line px-3 py-2" data-testid="mesh-event" data-action={e.action}>
              <span className="flex items-center justify-between gap-3">
                <Link href={`/audit?seq=${e.seq}`} className="font-semibold text-slate-100 underline underline-offset-2 hover:decoration-2">
                  {actionLabel(e.action)}
                </Link>
                <RelativeTime date={e.at} className="shrink-0 text-sm text-slate-400" />
              </span>
              <span className="text-sm text-slate-300">
                {e.actor}
                {e.summary ? ` · ${e.summary}` : ""}
              </span>
            </li>
          ))}
        </ol>
      )}
    </PanelSection>
  );
}
