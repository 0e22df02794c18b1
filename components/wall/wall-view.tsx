"use client";
/**
 * The wall screen: the live mesh over the whole viewport in wall mode (bigger
 * cards and labels), the summary figures and the live event feed laid over
 * it, and incident focus: while an incident is open the view frames the part
 * of the mesh it touches, rings it and shows its timeline; once resolved it
 * says how long integrity took, then returns to the whole mesh. Deliveries per
 * minute (a chart) and the node agents' state are laid over it too. It reads the
 * same queries as the Mesh page, refreshed by the live event stream.
 */
import { useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useCallback, useMemo } from "react";
import { IncidentHighlightContext, NO_HIGHLIGHT } from "@/components/graph/incident-highlight";
import { MeshGraph } from "@/components/graph/mesh-graph";
import type { SelectElement } from "@/components/graph/graph-select-context";
import { RouteActivityContext } from "@/components/graph/route-activity";
import { useRouteActivity } from "@/components/graph/use-route-events";
import { useLiveStatus } from "@/components/live/live-events";
import { LIVE_REFETCH_MS } from "@/components/trpc/query-client";
import { useTRPC } from "@/components/trpc/trpc-context";
import { ErrorPanel } from "@/components/ui/error-panel";
import { SkeletonRows } from "@/components/ui/skeleton-rows";
import { DeliveriesChart } from "../keys/deliveries-chart";
import { EventFeed } from "./event-feed";
import { focusNodes, IncidentCard, useFollowedIncident } from "./incident-focus";
import { WallAgents } from "./wall-agents";
import { WallFigures } from "./wall-figures";

export function WallView() {
  const trpc = useTRPC();
  const router = useRouter();
  const state = useQuery(trpc.mesh.state.queryOptions(undefined, { refetchInterval: LIVE_REFETCH_MS }));
  const activity = useRouteActivity();
  const live = useLiveStatus();
  const marked = useQuery(trpc.incidents.highlight.queryOptions(undefined, { refetchInterval: LIVE_REFETCH_MS })).data;
  const highlightKey = marked ? `${marked.nodeIds.join(",")}|${marked.linkIds.join(",")}` : "";
  // Rebuilt only when the sets change, so unaffected elements do not re-render on each refetch.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const highlight = useMemo(() => (marked ? { nodeIds: new Set(marked.nodeIds), linkIds: new Set(marked.linkIds) } : NO_HIGHLIGHT), [highlightKey]);
  const incident = useFollowedIncident();
  const links = state.data?.links;
  const focus = useMemo(() => (incident && links ? focusNodes(incident, links, marked?.nodeIds ?? []) : null), [incident, links, marked]);
  // A click on the wall opens the element on the Mesh page, where its panel and actions are.
  const select = useCallback<SelectElement>((kind, id) => router.push(`/mesh?${kind}=${encodeURIComponent(id)}`), [router]);

  if (state.isPending) return <SkeletonRows rows={5} label="Loading the mesh" testId="wall-loading" />;
  if (state.isError) return <ErrorPanel title="Could not load the mesh" error={state.error} onRetry={() => void state.refetch()} testId="wall-error" />;
  const mesh = state.data;
  return (
    <div className="relative h-screen w-screen overflow-hidden bg-canvas" data-testid="wall-view" data-live={live}>
      <h1 className="sr-only">QECNet wall screen</h1>
      <RouteActivityContext.Provider value={activity}>
        <IncidentHighlightContext.Provider value={highlight}>
          <MeshGraph nodes={mesh.nodes} links={mesh.links} selection={null} onSelect={select} className="size-full !rounded-none !border-0" wall focusNodeIds={focus} />
        </IncidentHighlightContext.Provider>
      </RouteActivityContext.Provider>
      <div className="pointer-events-none absolute inset-x-4 top-4 flex items-start justify-between gap-4">
        <div className="pointer-events-auto flex flex-col gap-3">
          <WallFigures nodes={mesh.nodes} links={mesh.links} />
          <WallAgents />
        </div>
        <p className="pointer-events-auto rounded-lg bg-canvas/85 px-3 py-1.5 text-base text-slate-200">
          <span data-testid="wall-live">{live === "live" ? "● Live" : live === "connecting" ? "Connecting…" : "Reconnecting…"}</span> ·{" "}
          Press <kbd className="rounded border border-line-strong px-1.5 font-mono text-white">?</kbd> for shortcuts
        </p>
      </div>
      <div className="pointer-events-none absolute bottom-4 right-4 top-28 flex w-[26rem] max-w-[40vw] flex-col justify-end gap-3">
        {incident ? <div className="pointer-events-auto"><IncidentCard incident={incident} /></div> : null}
        <div className="pointer-events-auto flex min-h-0 flex-1 flex-col"><EventFeed /></div>
      </div>
      <div className="pointer-events-auto absolute bottom-4 left-4 w-[28rem] max-w-[calc(60vw-3rem)] min-[3000px]:w-[36rem]">
        <DeliveriesChart />
      </div>
    </div>
  );
}
