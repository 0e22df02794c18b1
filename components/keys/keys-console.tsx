"use client";
/**
 * The keys page's live part: new-key form, state chips with counts, search and
 * the table, all driven by the URL's ?state=&q= filters.
 */
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useLiveRefetchInterval } from "@/components/live/live-events";
import { useTRPC } from "@/components/trpc/trpc-context";
import { buttonClass } from "@/components/ui/button-styles";
import { InlineError } from "@/components/ui/inline-error";
import { KeySearch } from "./key-search";
import { DeliveriesChart } from "@/components/keys/deliveries-chart";
import { KeyStateChart } from "./key-state-chart";
import { KeysTable } from "./keys-table";
import { NewKeyPanel } from "./new-key-panel";
import { StateChips } from "./state-chips";
import { useKeyFilters } from "./use-key-filters";

export function KeysConsole() {
  const trpc = useTRPC();
  const refetchInterval = useLiveRefetchInterval();
  const { filters, setFilters } = useKeyFilters();
  const counts = useQuery(trpc.keys.counts.queryOptions({ search: filters.q || undefined }, { refetchInterval }));
  const filtered = filters.states.length > 0 || filters.q !== "";
  // "Clear filters" remounts the search box empty; until then it keeps its own text while typing
  // (the URL lags behind router.replace, so its q cannot seed the new box).
  const [searchReset, setSearchReset] = useState<{ generation: number; q: string | null }>({ generation: 0, q: null });
  const clear = () => {
    setFilters({ states: [], q: "" });
    setSearchReset((r) => ({ generation: r.generation + 1, q: "" }));
  };

  return (
    <div className="flex flex-col gap-6">
      <div className="flex flex-wrap items-start gap-4">
        <NewKeyPanel />
      </div>
      <KeyStateChart />
      <DeliveriesChart size="desk" />
      <div className="flex flex-col gap-2">
        <StateChips counts={counts.data} selected={filters.states} onChange={(states) => setFilters({ states })} />
        {counts.isError ? <InlineError message={`Counts unavailable: ${counts.error.message}`} /> : null}
      </div>
      <div className="flex flex-wrap items-end justify-between gap-4">
        <KeySearch key={searchReset.generation} initial={searchReset.q ?? filters.q} onSearch={(q) => setFilters({ q })} />
        {filtered ? (
          <button type="button" data-testid="clear-filters" className={buttonClass("ghost")} onClick={clear}>
            Clear filters
          </button>
        ) : null}
      </div>
      <KeysTable states={filters.states} q={filters.q} onClearFilters={clear} />
    </div>
  );
}
