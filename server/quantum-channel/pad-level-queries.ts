/**
 * The read side of the hub's pad levels for the console (mesh.pads): every
 * link an end reported on or found desynchronised, or one link (empty ends
 * when nothing was reported from it yet), as the view the Mesh page draws.
 */
import { linkPadsView, type LinkPadsView } from "../domain/quantum-channel/pad-level-view";
import type { PadLevels } from "./pad-levels";

export function padLevelsView(levels: PadLevels, linkId?: string): LinkPadsView[] {
  return linkId === undefined ? levels.all().map(linkPadsView) : [linkPadsView(levels.get(linkId))];
}
