"use client";
/** Read-only side panels of a generated mesh: the facts from the generated data, no actions, no history. */
import type { MeshLinkView, MeshNodeView } from "@/components/trpc/router-types";
import type { PanelState } from "../use-mesh-selection";
import { linkTitle } from "../panel/live-link-panel";
import { LinkFacts } from "../panel/link-facts";
import { MeshPanelFrame } from "../panel/mesh-panel-frame";
import { NodeFacts, NodeLinks } from "../panel/node-facts";
import { PanelMissing } from "../panel/panel-missing";

interface Props {
  panel: Exclude<PanelState, null>;
  nodes: readonly MeshNodeView[];
  links: readonly MeshLinkView[];
  names: ReadonlyMap<string, string>;
  show: (p: PanelState) => void;
  onClose: () => void;
}

const NOTE = "A generated mesh: read-only, no keys and no history. Actions are on the live mesh.";

export function ExplorePanel({ panel, nodes, links, names, show, onClose }: Props) {
  if (panel.kind === "node") {
    const node = nodes.find((n) => n.id === panel.id);
    if (!node) return <PanelMissing what="node" id={panel.id} onClose={onClose} />;
    return (
      <MeshPanelFrame title={node.name} subtitle={node.site} subjectKey={`node:${node.id}`} onClose={onClose}>
        <NodeFacts node={node} />
        <NodeLinks nodeId={node.id} links={links.filter((l) => l.aNodeId === node.id || l.bNodeId === node.id)} names={names} onOpenLink={(id) => show({ kind: "link", id })} />
        <p className="text-sm text-slate-400">{NOTE}</p>
      </MeshPanelFrame>
    );
  }
  if (panel.kind === "link") {
    const link = links.find((l) => l.id === panel.id);
    if (!link) return <PanelMissing what="link" id={panel.id} onClose={onClose} />;
    return (
      <MeshPanelFrame title={linkTitle(link.aNodeId, link.bNodeId, names)} subtitle="fibre link" subjectKey={`link:${link.id}`} onClose={onClose}>
        <LinkFacts link={link} names={names} onOpenNode={(id) => show({ kind: "node", id })} />
        <p className="text-sm text-slate-400">{NOTE}</p>
      </MeshPanelFrame>
    );
  }
  return <PanelMissing what="link" id="new" onClose={onClose} note={NOTE} />;
}
