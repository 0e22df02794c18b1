/** The panel for a node or link in the URL that does not exist (any more): say so, offer to close. */
import { buttonClass } from "@/components/ui/button-styles";
import { MeshPanelFrame } from "./mesh-panel-frame";

export function PanelMissing({ what, id, onClose, note }: { what: "node" | "link"; id: string; onClose: () => void; note?: string }) {
  return (
    <MeshPanelFrame title={`No such ${what}`} subjectKey={`missing:${what}:${id}`} onClose={onClose}>
      <p className="text-base text-slate-200" data-testid="panel-missing">
        {note ?? `There is no ${what} "${id}" in the mesh (it may have been removed).`}
      </p>
      <div>
        <button type="button" onClick={onClose} className={buttonClass("neutral")}>Close</button>
      </div>
    </MeshPanelFrame>
  );
}
