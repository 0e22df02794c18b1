"use client";
/**
 * The Mesh page's live part: the summary strip, the graph with its side panel
 * (node, link or add-link, from the URL) and the legend. The state refreshes
 * on every mesh event (live-events.tsx), with polling as the safety net; key
 * routes animate from the live stream (hop by hop when the carrier reports
 * hops); links' one-time pad levels (issue 18) mark their edges.
 */
import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { useMayCall } from "@/components/auth/current-user";
import { useLiveRefetchInterval } from "@/components/live/live-events";
import { useTRPC } from "@/components/trpc/trpc-context";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorPanel } from "@/components/ui/error-panel";
import { SkeletonRows } from "@/components/ui/skeleton-rows";
import { IncidentBanner } from "@/components/incidents/incident-banner";
import { AddLinkForm } from "./actions/add-link-form";
import { IncidentHighlightContext, NO_HIGHLIGHT } from "../graph/incident-highlight";
import { MeshGraph } from "../graph/mesh-graph";
import { RouteActivityContext } from "../graph/route-activity";
import { PadMarksContext } from "../graph/pad-marks";
import { usePadMarks } from "./use-pad-marks";
import { useRouteActivity } from "../graph/use-route-events";
import { MeshLegend } from "./mesh-legend";
import { MeshSummary } from "./mesh-summary";
import { MeshToolbar } from "./mesh-toolbar";
import { LiveLinkPanel } from "./panel/live-link-panel";
import { LiveNodePanel } from "./panel/live-node-panel";
import { MeshPanelFrame } from "./panel/mesh-panel-frame";
import { useMeshSelection } from "./use-mesh-selection";

/** The graph fills the screen below the header and the summary strip (a wall screen shows it all at once). */
export const GRAPH_HEIGHT = "h-[calc(100vh-19.5rem)] min-h-[30rem]";

export function MeshView() {
  const trpc = useTRPC();
  const refetchInterval = useLiveRefetchInterval();
  const state = useQuery(trpc.mesh.state.queryOptions(undefined, { refetchInterval }));
  const activity = useRouteActivity();
  const padMarks = usePadMarks(refetchInterval);
  const mayAddLink = useMayCall("mesh.addLink");
  const { panel, show, select, close } = useMeshSelection();
  const names = useMemo(() => new Map((state.data?.nodes ?? []).map((n) => [n.id, n.name])), [state.data]);
  const incidents = useQuery(trpc.incidents.highlight.queryOptions(undefined, { refetchInterval }));
  const marked = incidents.data;
  const highlightKey = marked ? `${marked.nodeIds.join(",")}|${marked.linkIds.join(",")}` : "";
  // Rebuilt only when the sets change, not on every refetch, so unaffected elements do not re-render.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const highlight = useMemo(() => (marked ? { nodeIds: new Set(marked.nodeIds), linkIds: new Set(marked.linkIds) } : NO_HIGHLIGHT), [highlightKey]);

  if (state.isPending) return <SkeletonRows rows={5} label="Loading the mesh" testId="mesh-loading" />;
  if (state.isError) return <ErrorPanel title="Could not load the mesh" error={state.error} onRetry={() => void state.refetch()} testId="mesh-error" />;
  const mesh = state.data;
  if (mesh.nodes.length === 0) {
    return <EmptyState testId="mesh-empty" title="No nodes in the mesh yet" body="Once the topology is seeded, its nodes and quantum links appear here at their stored positions." />;
  }

  const selection = panel && panel.kind !== "add-link" ? panel : null;
  return (
    <div className="flex flex-col gap-4">
      <MeshSummary nodes={mesh.nodes} links={mesh.links} simulation={mesh.simulation} />
      <IncidentBanner />
      <div className={`relative ${GRAPH_HEIGHT}`}>
        <MeshToolbar nodes={mesh.nodes} selectedNodeId={panel?.kind === "node" ? panel.id : null} onJump={(id) => select("node", id)} onAddLink={mayAddLink ? () => show({ kind: "add-link", from: null }) : undefined} />
        <RouteActivityContext.Provider value={activity}>
          <IncidentHighlightContext.Provider value={highlight}>
            <PadMarksContext.Provider value={padMarks}>
              <MeshGraph nodes={mesh.nodes} links={mesh.links} selection={selection} onSelect={select} className="size-full" />
            </PadMarksContext.Provider>
          </IncidentHighlightContext.Provider>
        </RouteActivityContext.Provider>
        {panel?.kind === "node" ? <LiveNodePanel key={panel.id} id={panel.id} state={mesh} names={names} show={show} onClose={close} /> : null}
        {panel?.kind === "link" ? <LiveLinkPanel key={panel.id} id={panel.id} state={mesh} names={names} show={show} onClose={close} /> : null}
        {panel?.kind === "add-link" ? (
          <MeshPanelFrame title="Add a link" subjectKey="add-link" onClose={close}>
            {mayAddLink ? (
              <AddLinkForm nodes={mesh.nodes} from={panel.from} onCreated={(id) => show({ kind: "link", id })} onCancel={close} />
            ) : (
              <p className="text-base text-slate-200" data-testid="add-link-forbidden">Only administrators add links to the mesh.</p>
            )}
          </MeshPanelFrame>
        ) : null}
      </div>
      <MeshLegend />
    </div>
  );
}
