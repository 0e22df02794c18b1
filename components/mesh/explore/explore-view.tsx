"use client";
/**
 * Explore a generated mesh: generateMesh(N, seed) computed in the browser and
 * drawn with the live page's graph, summary and (read-only) panels. No API
 * calls: safe for demo audiences, and the render benchmark's subject.
 */
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useMemo } from "react";
import { MeshGraph } from "../graph/mesh-graph";
import { MeshLegend } from "../mesh-legend";
import { MeshSummary } from "../mesh-summary";
import { MeshToolbar } from "../mesh-toolbar";
import { GRAPH_HEIGHT } from "../mesh-view";
import { useMeshSelection } from "../use-mesh-selection";
import { ExploreControls } from "./explore-controls";
import { ExplorePanel } from "./explore-panels";
import { generatedMeshViews, parseExploreParams, type ExploreParams } from "./generated-mesh-views";

export function ExploreView() {
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const search = params.toString();
  const wanted = useMemo(() => parseExploreParams(new URLSearchParams(search)), [search]);
  const mesh = useMemo(() => generatedMeshViews(wanted), [wanted]);
  const names = useMemo(() => new Map(mesh.nodes.map((n) => [n.id, n.name])), [mesh]);
  const { panel, show, select, close } = useMeshSelection();

  const regenerate = (p: ExploreParams) => router.replace(`${pathname}?nodes=${p.nodes}&seed=${p.seed}`, { scroll: false });
  const selection = panel && panel.kind !== "add-link" ? panel : null;

  return (
    <div className="flex flex-col gap-4">
      <ExploreControls key={`${wanted.nodes}:${wanted.seed}`} value={wanted} onChange={regenerate} />
      <MeshSummary nodes={mesh.nodes} links={mesh.links} simulation={null} />
      <div className={`relative ${GRAPH_HEIGHT}`}>
        <MeshToolbar nodes={mesh.nodes} selectedNodeId={panel?.kind === "node" ? panel.id : null} onJump={(id) => select("node", id)} />
        {/* A new mesh is a new graph: remount so the view fits it once. */}
        <MeshGraph key={`${wanted.nodes}:${wanted.seed}`} nodes={mesh.nodes} links={mesh.links} selection={selection} onSelect={select} className="size-full" />
        {panel ? <ExplorePanel panel={panel} nodes={mesh.nodes} links={mesh.links} names={names} show={show} onClose={close} /> : null}
      </div>
      <MeshLegend />
    </div>
  );
}
