/** What a node is (role, site, status and why, keys held) and its links, each one click from its own panel. */
import type { MeshLinkView, MeshNodeView } from "@/components/trpc/router-types";
import { formatQber, formatRate, LINK_HEALTH_STYLES, NODE_ROLE_STYLES, NODE_STATUS_STYLES } from "../../graph/mesh-styles";
import { RoleIcon } from "../../graph/role-icon";
import { Facts, PanelSection } from "./panel-section";

export function NodeStatusBadge({ node }: { node: MeshNodeView }) {
  const s = NODE_STATUS_STYLES[node.status];
  return (
    <span data-testid="node-status" data-status={node.status} className={`inline-flex items-center gap-2 font-semibold uppercase tracking-wider ${s.text}`}>
      <span aria-hidden="true" className={`inline-block size-3 rounded-full ${s.dot}`} />
      {s.label}
    </span>
  );
}

export function NodeFacts({ node }: { node: MeshNodeView }) {
  return (
    <Facts
      items={[
        ["Role", <span key="r" className="inline-flex items-center gap-2"><RoleIcon role={node.role} size={16} />{NODE_ROLE_STYLES[node.role].label}</span>],
        ["Site", node.site],
        ["Status", <NodeStatusBadge key="s" node={node} />],
        ...(node.statusReason ? [["Why", node.statusReason, "node-status-reason"] as [string, string, string]] : []),
        ["Keys held", node.heldKeys, "node-held-count"],
        ["Id", <span key="i" className="font-mono text-sm">{node.id}</span>],
      ]}
    />
  );
}

export function NodeLinks({ nodeId, links, names, onOpenLink }: { nodeId: string; links: readonly MeshLinkView[]; names: ReadonlyMap<string, string>; onOpenLink: (id: string) => void }) {
  return (
    <PanelSection title={`Links (${links.length})`} testId="node-links">
      {links.length === 0 ? (
        <p className="text-base text-slate-300">No links: this node has no quantum channel to anyone.</p>
      ) : (
        <ul className="flex flex-col gap-1">
          {links.map((l) => {
            const other = l.aNodeId === nodeId ? l.bNodeId : l.aNodeId;
            const h = LINK_HEALTH_STYLES[l.health];
            return (
              <li key={l.id}>
                <button
                  type="button"
                  onClick={() => onOpenLink(l.id)}
                  data-testid="node-link"
                  data-link-id={l.id}
                  className="flex w-full items-center justify-between gap-3 rounded-lg border border-line px-3 py-2 text-left hover:border-line-strong hover:bg-panel-raised"
                >
                  <span className="flex min-w-0 items-center gap-2">
                    <span aria-hidden="true" className="inline-block size-2.5 shrink-0 rounded-full" style={{ backgroundColor: h.hex }} />
                    <span className="truncate font-semibold">{names.get(other) ?? other}</span>
                    {l.kind === "BYPASS" ? <span className="text-sm text-slate-400">bypass</span> : null}
                  </span>
                  <span className="shrink-0 text-sm tabular-nums text-slate-300">
                    {l.status === "DOWN" ? "down" : `${formatQber(l.qber)} · ${formatRate(l.secretKeyRateBps)}`}
                  </span>
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </PanelSection>
  );
}
