"use client";
/** Over the graph's top-left corner: jump to a node by name (the keyboard's way into the graph) and, where allowed, add a link. */
import type { MeshNodeView } from "@/components/trpc/router-types";
import { buttonClass, inputClass } from "@/components/ui/button-styles";

const SELECT_CLASS = inputClass.replace("w-full", "w-72").replace("bg-canvas", "bg-panel");

interface Props {
  nodes: readonly MeshNodeView[];
  selectedNodeId: string | null;
  onJump: (id: string) => void;
  onAddLink?: () => void;
}

export function MeshToolbar({ nodes, selectedNodeId, onJump, onAddLink }: Props) {
  const sorted = [...nodes].sort((a, b) => a.name.localeCompare(b.name));
  return (
    <div className="absolute left-3 top-3 z-10 flex flex-wrap items-center gap-2">
      <label className="flex items-center gap-2">
        <span className="sr-only">Open a node</span>
        <select
          data-testid="mesh-jump"
          className={`${SELECT_CLASS} py-1.5 shadow shadow-black/50`}
          value={selectedNodeId ?? ""}
          onChange={(e) => e.target.value && onJump(e.target.value)}
        >
          <option value="">Open a node…</option>
          {sorted.map((n) => (
            <option key={n.id} value={n.id}>
              {n.name} · {n.status.toLowerCase()}
            </option>
          ))}
        </select>
      </label>
      {onAddLink ? (
        <button type="button" data-testid="add-link-open-toolbar" onClick={onAddLink} className={buttonClass("neutral", "py-1.5 shadow shadow-black/50")}>
          Add link
        </button>
      ) : null}
    </div>
  );
}
