"use client";
/** Exactly what a request would do: keys, nodes, links, holders that purge, and the graph. */
import Link from "next/link";
import type { Impact } from "@/server/domain/approvals/approval-impact";
import { ImpactGraph } from "./impact-graph";

export function ImpactView({ impact }: { impact: Impact }) {
  return (
    <div className="flex flex-col gap-4" data-testid="impact">
      <p className="text-lg text-slate-100" data-testid="impact-summary">{impact.summary}</p>
      <div className="grid gap-4 lg:grid-cols-2">
        <div>
          <h3 className="mb-2 text-sm font-semibold uppercase tracking-wide text-slate-400">Keys</h3>
          <ul className="flex flex-col gap-1" data-testid="impact-keys">
            {impact.keys.map((k, i) => (
              <li key={k.id ?? `new-${i}`} className="text-base text-slate-200">
                {k.id ? <Link href={`/keys/${k.id}`} className="text-sky-300 underline underline-offset-4 hover:decoration-2">{k.label} · gen {k.generation}</Link> : <span>{k.label} · gen {k.generation} (new)</span>}
                {k.state ? <span className="text-slate-400"> ({k.state})</span> : null}: {k.effect}
              </li>
            ))}
          </ul>
          <h3 className="mb-2 mt-4 text-sm font-semibold uppercase tracking-wide text-slate-400">Nodes</h3>
          <ul className="flex flex-col gap-1" data-testid="impact-nodes">
            {impact.nodes.map((n) => (
              <li key={n.id} className="text-base text-slate-200" data-node-id={n.id}>
                <span className="font-semibold">{n.name}</span> <span className="font-mono text-sm text-slate-400">{n.id}</span>: {n.effect}
              </li>
            ))}
          </ul>
          <h3 className="mb-2 mt-4 text-sm font-semibold uppercase tracking-wide text-slate-400">Links</h3>
          {impact.links.length === 0 ? (
            <p className="text-base text-slate-400">No direct link joins the participants and the hub; the key travels over relays.</p>
          ) : (
            <ul className="flex flex-wrap gap-2" data-testid="impact-links">
              {impact.links.map((l) => <li key={l.id} className="rounded bg-panel-raised px-2 py-0.5 font-mono text-sm text-slate-200">{l.id} ({l.status})</li>)}
            </ul>
          )}
          <h3 className="mb-2 mt-4 text-sm font-semibold uppercase tracking-wide text-slate-400">Must purge their copy</h3>
          <p className="text-base text-slate-200" data-testid="impact-purge">{impact.participantsToPurge.length === 0 ? "Nobody, now." : impact.participantsToPurge.join(", ")}</p>
          {impact.recipients && impact.recipients.length > 0 && (
            <>
              <h3 className="mb-2 mt-4 text-sm font-semibold uppercase tracking-wide text-slate-400">Applications told of it (ETSI 014)</h3>
              <ul className="space-y-1" data-testid="impact-recipients">
                {impact.recipients.map((r) => (
                  <li key={r.saeId} className="text-base text-slate-200">
                    <span className="font-mono">{r.saeId}</span> at {r.kme}: {r.role}, {r.delivered ? "has the key" : "addressed, not fetched yet (its fetch is refused)"}
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
        <ImpactGraph nodeIds={impact.nodes.map((n) => n.id)} linkIds={impact.links.map((l) => l.id)} purge={impact.participantsToPurge} />
      </div>
    </div>
  );
}
