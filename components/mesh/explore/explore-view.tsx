"use client";
/**
 * Explore a generated mesh: generateMesh(N, seed) computed in the browser and
 * drawn with the live page's graph, summary and (read-only) panels. No API
 * calls: safe for demo audiences, and the render benchmark's subject.
 */
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useMemo, useState } from "react";
import { MeshGraph } from "../../graph/mesh-graph";
import { RouteActivityContext } from "../../graph/route-activity";
import { MeshLegend } from "../mesh-legend";
import { MeshSummary } from "../mesh-summary";
import { MeshToolbar } from "../mesh-toolbar";
import { GRAPH_HEIGHT } from "../mesh-view";
import { useMeshSelection } from "../use-mesh-selection";
import { ExploreControls } from "./explore-controls";
import { ExplorePanel } from "./explore-panels";
import { generatedMeshViews, parseExploreParams, type ExploreParams } from "./generated-mesh-views";
import { useSampleTraffic } from "./sample-traffic";

export function ExploreView() {
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const search = params.toString();
  const wanted = useMemo(() => parseExploreParams(new URLSearchParams(search)), [search]);
  const mesh = useMemo(() => generatedMeshViews(wanted), [wanted]);
  // `&wall=1`: the graph in wall mode (bench:mesh measures the wall view's render on large meshes this way).
  const wall = new URLSearchParams(search).get("wall") === "1";
  const names = useMemo(() => new Map(mesh.nodes.map((n) => [n.id, n.name])), [mesh]);
  const { panel, show, select, close } = useMeshSelection();
  const [traffic, setTraffic] = useState(false);
  const activity = useSampleTraffic(mesh.nodes, mesh.links, traffic);

  const regenerate = (p: ExploreParams) => router.replace(`${pathname}?nodes=${p.nodes}&seed=${p.seed}`, { scroll: false });
  const selection = panel && panel.kind !== "add-link" ? panel : null;

  return (
    <div className="flex flex-col gap-4">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <ExploreControls key={`${wanted.nodes}:${wanted.seed}`} value={wanted} onChange={regenerate} />
        <label className="flex items-center gap-2 text-base text-slate-200">
          <input type="checkbox" checked={traffic} onChange={(e) => setTraffic(e.target.checked)} className="size-5 accent-sky-500" data-testid="explore-traffic" />
          Show sample key traffic (hub to random endpoints)
        </label>
      </div>
      <MeshSummary nodes={mesh.nodes} links={mesh.links} simulation={null} />
      <div className={`relative ${GRAPH_HEIGHT}`}>
        <MeshToolbar nodes={mesh.nodes} selectedNodeId={panel?.kind === "node" ? panel.id : null} onJump={(id) => select("node", id)} />
        {/* A new mesh is a new graph: remount so the view fits it once. */}
        <RouteActivityContext.Provider value={activity}>
          <MeshGraph key={`${wanted.nodes}:${wanted.seed}`} nodes={mesh.nodes} links={mesh.links} selection={selection} onSelect={select} className="size-full" wall={wall} />
        </RouteActivityContext.Provider>
        {panel ? <ExplorePanel panel={panel} nodes={mesh.nodes} links={mesh.links} names={names} show={show} onClose={close} /> : null}
      </div>
      <MeshLegend />
    </div>
  );
}
