/**
 * Every generation (and distribution attempt) of this key's lineage, oldest
 * first, each linking to its own page; the one on screen is marked.
 */
import Link from "next/link";
import type { KeyLineageEntry } from "@/components/trpc/router-types";
import { isKeyState } from "@/server/domain/lifecycle/key-states";
import { StateBadge } from "@/components/keys/state-badge";
import { formatDateTime } from "@/components/ui/format";
import { HashText } from "@/components/ui/hash-text";

export function KeyLineage({ currentId, lineage }: { currentId: string; lineage: KeyLineageEntry[] }) {
  return (
    <ol className="flex flex-col gap-2" data-testid="lineage">
      {lineage.map((l) => {
        const current = l.id === currentId;
        return (
          <li key={l.id} data-testid="lineage-entry" data-key-id={l.id}>
            <Link
              href={`/keys/${l.id}`}
              aria-current={current ? "page" : undefined}
              className={`flex flex-wrap items-center gap-x-4 gap-y-1 rounded-lg border px-3 py-2 ${
                current ? "border-sky-400 bg-sky-500/10" : "border-line hover:border-line-strong hover:bg-panel-raised"
              }`}
            >
              <span className="font-semibold text-white">
                Gen {l.generation}
                {l.distributionAttempt > 1 ? <span className="font-normal text-slate-300"> · attempt {l.distributionAttempt}</span> : null}
              </span>
              {isKeyState(l.state) ? <StateBadge state={l.state} size="sm" /> : <span>{l.state}</span>}
              <HashText value={l.fingerprint} className="text-sm text-slate-300" />
              <span className="text-sm text-slate-400">{formatDateTime(l.generatedAt)}</span>
              {current ? <span className="ml-auto text-sm font-semibold text-sky-300">this key</span> : null}
            </Link>
          </li>
        );
      })}
    </ol>
  );
}
