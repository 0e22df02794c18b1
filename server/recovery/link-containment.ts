/**
 * Bringing back a link that a recovery severed: only once no eavesdropper is
 * on it and no incident on it is open. QKD restarts on the channel, so its
 * QBER is measured afresh (the baseline) instead of keeping the attack's value.
 */
import { DomainError } from "../domain/errors/domain-error";
import type { KeyService } from "../keys/key-service";
import { findOpenOn } from "./incident-rows";
import { meshOf } from "../mesh/mesh-batch";

/** Returns true when the link was DOWN for an incident and is UP again. */
export function restoreContainedLink(keys: KeyService, linkId: string, who: { actor: string }, reason = "the compromise is over"): Promise<boolean> {
  let open = false;
  return keys.runner.submit({
    keyIds: [],
    mesh: true,
    load: async (c) => {
      open = (await findOpenOn(c, "link", linkId)) !== null;
    },
    run: (ws) => {
      const cur = meshOf(ws).readLink(linkId);
      if (!cur) throw new DomainError("MESH_ELEMENT_NOT_FOUND", `Link ${linkId} does not exist`);
      if (cur.status !== "DOWN" || !cur.downReason?.startsWith("incident:")) return false;
      if (cur.eavesdropper) throw new DomainError("TOPOLOGY_CONFLICT", `Link ${linkId} still has an eavesdropper on it; it stays down.`);
      if (open) throw new DomainError("INCIDENT_OPEN", `Link ${linkId} has an open incident; it comes back once that one is closed.`);
      const l = meshOf(ws).link(linkId);
      const was = l.downReason;
      l.status = "UP";
      l.downReason = null;
      l.qber = l.baselineQber;
      ws.audit({ actor: who.actor, action: "LINK_RESTORED", subjectType: "link", subjectId: linkId, fromState: "DOWN", toState: "UP", details: { containedBy: was, qber: l.qber, reason } });
      ws.publish({ topic: "mesh", type: "link-restored", data: { linkId } });
      return true;
    },
  });
}
