"use client";
/**
 * A link's panel on the live mesh: its figures, its one-time pads at both
 * ends (issue 18), QBER and pool charts over the last half hour, the actions on it (remove, simulated eavesdropper), the
 * keys routed over it and its recent audit events.
 */
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import type { RemoveLinkResult } from "@/components/trpc/router-types";
import { isNotFound } from "@/components/trpc/api-errors";
import { useLiveRefetchInterval } from "@/components/live/live-events";
import { useTRPC } from "@/components/trpc/trpc-context";
import { ErrorPanel } from "@/components/ui/error-panel";
import { SkeletonRows } from "@/components/ui/skeleton-rows";
import { LinkActions } from "../actions/link-actions";
import { EventList } from "./event-list";
import { LinkKeys } from "./key-refs";
import { LinkCharts } from "./link-charts";
import { LinkFacts } from "./link-facts";
import { LinkPads } from "./link-pads";
import { MeshPanelFrame, type LivePanelProps } from "./mesh-panel-frame";
import { PanelMissing } from "./panel-missing";

const CHART_MINUTES = 30;

export function linkTitle(aNodeId: string, bNodeId: string, names: ReadonlyMap<string, string>): string {
  return `${names.get(aNodeId) ?? aNodeId} ↔ ${names.get(bNodeId) ?? bNodeId}`;
}

export function LiveLinkPanel({ id, state, names, show, onClose }: LivePanelProps) {
  const trpc = useTRPC();
  const refetchInterval = useLiveRefetchInterval();
  const [removed, setRemoved] = useState<RemoveLinkResult | null>(null);
  const detail = useQuery(trpc.mesh.link.queryOptions({ id, minutes: CHART_MINUTES }, { refetchInterval, enabled: removed === null }));
  const pads = useQuery(trpc.mesh.pads.queryOptions({ linkId: id }, { refetchInterval, enabled: removed === null }));
  const link = detail.data?.link ?? state.links.find((l) => l.id === id);

  if (removed && removed.removed === id) {
    const stranded = removed.stranded.map((n) => names.get(n) ?? n);
    return <PanelMissing what="link" id={id} onClose={onClose} note={`Link removed.${stranded.length ? ` No path to the hub any more: ${stranded.join(", ")}.` : " Every node still has a path to the hub."}`} />;
  }
  if (!link) {
    if (detail.isPending) return <MeshPanelFrame title="Loading link…" subjectKey={`link:${id}`} onClose={onClose}><SkeletonRows rows={4} label="Loading the link" /></MeshPanelFrame>;
    if (detail.isError && !isNotFound(detail.error)) {
      return <MeshPanelFrame title="Link" subjectKey={`link:${id}`} onClose={onClose}><ErrorPanel title="Could not load this link" error={detail.error} onRetry={() => void detail.refetch()} /></MeshPanelFrame>;
    }
    return <PanelMissing what="link" id={id} onClose={onClose} />;
  }

  const title = linkTitle(link.aNodeId, link.bNodeId, names);
  return (
    <MeshPanelFrame title={title} subtitle={link.kind === "BYPASS" ? "bypass channel" : "fibre link"} subjectKey={`link:${id}`} onClose={onClose}>
      <LinkFacts link={link} names={names} onOpenNode={(nodeId) => show({ kind: "node", id: nodeId })} />
      <LinkPads link={link} names={names} query={pads} />
      <LinkActions key={id} link={link} title={title} onRemoved={setRemoved} />
      {detail.isPending ? (
        <SkeletonRows rows={3} label="Loading samples, keys and events" testId="link-detail-loading" />
      ) : detail.isError ? (
        <ErrorPanel title="Could not load this link's history" error={detail.error} onRetry={() => void detail.refetch()} />
      ) : (
        <>
          <LinkCharts samples={detail.data.samples} capacityBits={link.poolCapacityBits} minutes={CHART_MINUTES} />
          <LinkKeys keys={detail.data.keys} />
          <EventList events={detail.data.events} />
        </>
      )}
    </MeshPanelFrame>
  );
}
