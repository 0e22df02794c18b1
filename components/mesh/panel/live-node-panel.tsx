"use client";
/**
 * A node's panel on the live mesh: what it is, the actions on it, its links,
 * an endpoint's KME (ETSI 014 applications, pools, deliveries), the keys it
 * holds and relayed, and its recent audit events. The header
 * shows at once from the mesh state; the details follow from mesh.node and
 * refresh with every mesh event.
 */
import { useQuery } from "@tanstack/react-query";
import { isNotFound } from "@/components/trpc/api-errors";
import { useLiveRefetchInterval } from "@/components/live/live-events";
import { useTRPC } from "@/components/trpc/trpc-context";
import { ErrorPanel } from "@/components/ui/error-panel";
import { SkeletonRows } from "@/components/ui/skeleton-rows";
import { NodeActions } from "../actions/node-actions";
import { EventList } from "./event-list";
import { NodeKeys } from "./key-refs";
import { MeshPanelFrame, type LivePanelProps } from "./mesh-panel-frame";
import { NodeFacts, NodeLinks } from "./node-facts";
import { AgentFacts } from "./agent-facts";
import { KmeFacts } from "./kme-facts";
import { PanelMissing } from "./panel-missing";

export function LiveNodePanel({ id, state, names, show, onClose }: LivePanelProps) {
  const trpc = useTRPC();
  const refetchInterval = useLiveRefetchInterval();
  const detail = useQuery(trpc.mesh.node.queryOptions({ id }, { refetchInterval }));
  const fromState = state.nodes.find((n) => n.id === id);
  const node = detail.data?.node ?? fromState;

  if (!node) {
    if (detail.isPending) return <MeshPanelFrame title="Loading node…" subjectKey={`node:${id}`} onClose={onClose}><SkeletonRows rows={4} label="Loading the node" /></MeshPanelFrame>;
    if (detail.isError && !isNotFound(detail.error)) {
      return <MeshPanelFrame title="Node" subjectKey={`node:${id}`} onClose={onClose}><ErrorPanel title="Could not load this node" error={detail.error} onRetry={() => void detail.refetch()} /></MeshPanelFrame>;
    }
    return <PanelMissing what="node" id={id} onClose={onClose} />;
  }

  const links = detail.data?.links ?? state.links.filter((l) => l.aNodeId === id || l.bNodeId === id);
  return (
    <MeshPanelFrame title={node.name} subtitle={node.site} subjectKey={`node:${id}`} onClose={onClose}>
      <NodeFacts node={node} />
      <NodeActions key={id} node={node} links={links} names={names} onAddLink={() => show({ kind: "add-link", from: id })} />
      <NodeLinks nodeId={id} links={links} names={names} onOpenLink={(linkId) => show({ kind: "link", id: linkId })} />
      {detail.isPending ? (
        <SkeletonRows rows={3} label="Loading keys and events" testId="node-detail-loading" />
      ) : detail.isError ? (
        <ErrorPanel title="Could not load this node's keys and events" error={detail.error} onRetry={() => void detail.refetch()} />
      ) : (
        <>
          <AgentFacts agent={detail.data.agent} />
          {node.role === "ENDPOINT" ? <KmeFacts nodeId={id} names={names} /> : null}
          <NodeKeys keys={detail.data.keys} />
          <EventList events={detail.data.events} />
        </>
      )}
    </MeshPanelFrame>
  );
}
