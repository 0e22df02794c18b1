"use client";
/**
 * Choose the nodes that will share a new key. Hub nodes are hidden by default
 * (keys are usually between endpoints and relays; the hub relays them anyway)
 * and can be shown with a switch.
 */
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/components/trpc/trpc-context";
import { ErrorPanel } from "@/components/ui/error-panel";
import { InlineError } from "@/components/ui/inline-error";

interface Props {
  selected: string[];
  onChange: (ids: string[]) => void;
  error?: string;
}

export function ParticipantPicker({ selected, onChange, error }: Props) {
  const trpc = useTRPC();
  const nodes = useQuery(trpc.nodes.list.queryOptions());
  const [showHubs, setShowHubs] = useState(false);
  const chosen = new Set(selected);

  function toggle(id: string) {
    const next = new Set(chosen);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    onChange([...next]);
  }

  return (
    <fieldset className="flex flex-col gap-2" aria-describedby={error ? "participants-error" : undefined} aria-invalid={error ? true : undefined}>
      <legend className="mb-1 text-sm font-semibold text-slate-300">Participant nodes</legend>
      {nodes.isPending ? <p className="text-slate-400" role="status">Loading nodes…</p> : null}
      {nodes.isError ? <ErrorPanel title="Could not load nodes" error={nodes.error} onRetry={() => void nodes.refetch()} /> : null}
      {nodes.data?.length === 0 ? <p className="text-slate-300">The mesh has no nodes yet; a key needs at least one participant.</p> : null}
      {nodes.data && nodes.data.length > 0 ? (
        <>
          <div className="grid max-h-64 grid-cols-1 gap-1 overflow-y-auto rounded-lg border border-line bg-canvas p-2 sm:grid-cols-2">
            {nodes.data
              .filter((n) => showHubs || n.role !== "HUB" || chosen.has(n.id))
              .map((n) => (
                <label key={n.id} className="flex cursor-pointer items-center gap-3 rounded-md px-2 py-1.5 hover:bg-panel-raised">
                  <input
                    type="checkbox"
                    data-testid="new-key-participant"
                    data-node-id={n.id}
                    checked={chosen.has(n.id)}
                    onChange={() => toggle(n.id)}
                    className="size-5 accent-sky-400"
                  />
                  <span className="flex min-w-0 flex-col">
                    <span className="truncate font-medium text-slate-100">{n.name}</span>
                    <span className="truncate text-sm text-slate-400">
                      <span className="font-mono">{n.id}</span> · {n.role.toLowerCase()} · {n.status.toLowerCase()}
                    </span>
                  </span>
                </label>
              ))}
          </div>
          <label className="flex items-center gap-2 text-sm text-slate-300">
            <input type="checkbox" checked={showHubs} onChange={(e) => setShowHubs(e.target.checked)} className="size-4 accent-sky-400" data-testid="new-key-show-hubs" />
            Show hub nodes
          </label>
        </>
      ) : null}
      <InlineError id="participants-error" message={error} testId="new-key-participants-error" />
    </fieldset>
  );
}
