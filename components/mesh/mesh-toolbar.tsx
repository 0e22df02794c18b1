"use client";
/** Above the graph: jump to a node by name (keyboard-friendly way into the graph) and, where allowed, add a link. */
import type { MeshNodeView } from "@/server/mesh/mesh-views";
import { buttonClass, inputClass } from "@/components/ui/button-styles";

interface Props {
  nodes: readonly MeshNodeView[];
  selectedNodeId: string | null;
  onJump: (id: string) => void;
  onAddLink?: () => void;
}

export function MeshToolbar({ nodes, selectedNodeId, onJump, onAddLink }: Props) {
  const sorted = [...nodes].sort((a, b) => a.name.localeCompare(b.name));
  return (
    <div className="flex flex-wrap items-end justify-between gap-3">
      <label className="flex min-w-72 flex-col gap-1 text-sm font-semibold text-slate-300">
        Open a node
        <select
          data-testid="mesh-jump"
          className={inputClass}
          value={selectedNodeId ?? ""}
          onChange={(e) => e.target.value && onJump(e.target.value)}
        >
          <option value="">Choose a node…</option>
          {sorted.map((n) => (
            <option key={n.id} value={n.id}>
              {n.name} · {n.status.toLowerCase()}
            </option>
          ))}
        </select>
      </label>
      {onAddLink ? (
        <button type="button" data-testid="add-link-open-toolbar" onClick={onAddLink} className={buttonClass("neutral")}>
          Add link
        </button>
      ) : null}
    </div>
  );
}
