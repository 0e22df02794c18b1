"use client";
/** Choose the size and seed of the generated mesh; the choice goes into the URL (?nodes=&seed=). */
import { useState, type FormEvent } from "react";
import { buttonClass, inputClass } from "@/components/ui/button-styles";
import { EXPLORE_MAX_NODES, EXPLORE_MIN_NODES, type ExploreParams } from "./generated-mesh-views";

export function ExploreControls({ value, onChange }: { value: ExploreParams; onChange: (p: ExploreParams) => void }) {
  const [nodes, setNodes] = useState(String(value.nodes));
  const [seed, setSeed] = useState(String(value.seed));
  const n = Number(nodes);
  const s = Number(seed);
  const nodesOk = Number.isInteger(n) && n >= EXPLORE_MIN_NODES && n <= EXPLORE_MAX_NODES;
  const seedOk = Number.isInteger(s) && s >= 0;

  function submit(e: FormEvent) {
    e.preventDefault();
    if (nodesOk && seedOk) onChange({ nodes: n, seed: s });
  }

  return (
    <form onSubmit={submit} noValidate className="flex flex-wrap items-end gap-3" data-testid="explore-controls" aria-label="Generate a mesh">
      <label className="flex flex-col gap-1 text-sm font-semibold text-slate-300">
        Nodes ({EXPLORE_MIN_NODES}–{EXPLORE_MAX_NODES})
        <input data-testid="explore-nodes" type="number" min={EXPLORE_MIN_NODES} max={EXPLORE_MAX_NODES} value={nodes} onChange={(e) => setNodes(e.target.value)} className={inputClass.replace("w-full", "w-36")} aria-invalid={!nodesOk || undefined} />
      </label>
      <label className="flex flex-col gap-1 text-sm font-semibold text-slate-300">
        Seed
        <input data-testid="explore-seed" type="number" min={0} value={seed} onChange={(e) => setSeed(e.target.value)} className={inputClass.replace("w-full", "w-28")} aria-invalid={!seedOk || undefined} />
      </label>
      <button type="submit" disabled={!nodesOk || !seedOk} className={buttonClass("primary")} data-testid="explore-generate">
        Generate
      </button>
      {!nodesOk ? <p className="text-sm text-red-300" role="alert">Nodes must be a whole number from {EXPLORE_MIN_NODES} to {EXPLORE_MAX_NODES}.</p> : null}
    </form>
  );
}
