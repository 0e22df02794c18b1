/** What the shapes, colours and dashes on the mesh mean. */
import { RoleIcon } from "../graph/role-icon";
import { BYPASS_DASH, DOWN_DASH, LINK_HEALTHS, LINK_HEALTH_STYLES, NODE_ROLE_STYLES, NODE_STATUSES, NODE_STATUS_STYLES, QBER_ABORT, QBER_WARNING, type NodeRole } from "../graph/mesh-styles";

const ROLES: NodeRole[] = ["HUB", "RELAY", "ENDPOINT"];

function Line({ colour, dash }: { colour: string; dash?: string }) {
  return (
    <svg aria-hidden="true" width="32" height="10">
      <line x1="1" y1="5" x2="31" y2="5" stroke={colour} strokeWidth="4" strokeDasharray={dash} strokeLinecap="round" />
    </svg>
  );
}

export function MeshLegend() {
  return (
    <div className="flex flex-wrap items-center gap-x-7 gap-y-2 text-sm text-slate-300" data-testid="mesh-legend">
      <span className="flex flex-wrap items-center gap-3">
        {ROLES.map((r) => (
          <span key={r} className="flex items-center gap-1.5">
            <RoleIcon role={r} size={16} className="text-slate-300" />
            {NODE_ROLE_STYLES[r].label}
          </span>
        ))}
      </span>
      <span className="flex flex-wrap items-center gap-3">
        {NODE_STATUSES.map((s) => (
          <span key={s} className="flex items-center gap-1.5">
            <span aria-hidden="true" className={`inline-block size-3 rounded-full ${NODE_STATUS_STYLES[s].dot}`} />
            {NODE_STATUS_STYLES[s].label}
          </span>
        ))}
      </span>
      <span className="flex flex-wrap items-center gap-3">
        {LINK_HEALTHS.map((h) => (
          <span key={h} className="flex items-center gap-1.5">
            <Line colour={LINK_HEALTH_STYLES[h].hex} dash={h === "down" ? DOWN_DASH : undefined} />
            {LINK_HEALTH_STYLES[h].label}
          </span>
        ))}
        <span className="flex items-center gap-1.5">
          <Line colour="#94a3b8" dash={BYPASS_DASH} />
          bypass
        </span>
      </span>
      <span>
        Line thickness = key pool level · QBER over {QBER_WARNING * 100}% warns, over {QBER_ABORT * 100}% (BB84 abort) = compromised
      </span>
    </div>
  );
}
