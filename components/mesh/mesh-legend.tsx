/** What the colours on the mesh mean: node status, link status, and the QBER alarm. */
import { LINK_STATUS_COLOURS, NODE_STATUS_STYLES, QBER_ABORT_THRESHOLD } from "./mesh-styles";

export function MeshLegend() {
  return (
    <div className="flex flex-wrap gap-x-8 gap-y-3 text-sm text-slate-300" data-testid="mesh-legend">
      <div className="flex flex-wrap items-center gap-3">
        <span className="font-semibold uppercase tracking-wider text-slate-400">Nodes</span>
        {Object.entries(NODE_STATUS_STYLES).map(([status, s]) => (
          <span key={status} className="flex items-center gap-1.5">
            <span aria-hidden="true" className={`inline-block size-3 rounded-full ${s.dot}`} />
            {status.toLowerCase()}
          </span>
        ))}
      </div>
      <div className="flex flex-wrap items-center gap-3">
        <span className="font-semibold uppercase tracking-wider text-slate-400">Links</span>
        {Object.entries(LINK_STATUS_COLOURS).map(([status, colour]) => (
          <span key={status} className="flex items-center gap-1.5">
            <svg aria-hidden="true" width="28" height="8"><line x1="0" y1="4" x2="28" y2="4" stroke={colour} strokeWidth="4" strokeDasharray={status === "DOWN" ? "6 4" : undefined} /></svg>
            {status.toLowerCase()}
          </span>
        ))}
        <span>· ⚠ QBER over {QBER_ABORT_THRESHOLD * 100}% (BB84 abort threshold) = compromised</span>
      </div>
    </div>
  );
}
