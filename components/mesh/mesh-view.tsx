"use client";
/** The mesh page's live part: headline figures, the topology graph and its legend, polled every few seconds. */
import { useQuery } from "@tanstack/react-query";
import { LIVE_REFETCH_MS } from "@/components/trpc/query-client";
import { useTRPC } from "@/components/trpc/trpc-context";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorPanel } from "@/components/ui/error-panel";
import { SkeletonRows } from "@/components/ui/skeleton-rows";
import { MeshGraph } from "./mesh-graph";
import { MeshLegend } from "./mesh-legend";
import { MeshSummary } from "./mesh-summary";

export function MeshView() {
  const trpc = useTRPC();
  const nodes = useQuery(trpc.nodes.list.queryOptions(undefined, { refetchInterval: LIVE_REFETCH_MS }));
  const links = useQuery(trpc.nodes.links.queryOptions(undefined, { refetchInterval: LIVE_REFETCH_MS }));

  if (nodes.isPending || links.isPending) return <SkeletonRows rows={4} label="Loading the mesh" testId="mesh-loading" />;
  if (nodes.isError) return <ErrorPanel title="Could not load the mesh nodes" error={nodes.error} onRetry={() => void nodes.refetch()} />;
  if (links.isError) return <ErrorPanel title="Could not load the mesh links" error={links.error} onRetry={() => void links.refetch()} />;
  if (nodes.data.length === 0) {
    return <EmptyState testId="mesh-empty" title="No nodes in the mesh yet" body="Once the topology is seeded, its nodes and QKD links appear here at their stored positions." />;
  }

  return (
    <div className="flex flex-col gap-5">
      <MeshSummary nodes={nodes.data} links={links.data} />
      <MeshGraph nodes={nodes.data} links={links.data} />
      <MeshLegend />
    </div>
  );
}
