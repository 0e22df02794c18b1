/**
 * Resynchronising a link whose two ends' pads disagree (issue 18). Once a hop
 * decrypted other bytes than its sender encrypted, the carrier marks the link
 * and routes avoid it, so keys never cross it while it is out of step. An
 * operator then has both ends' QKD devices realign (what a real pair's
 * resynchronisation does after lost frames): each end is asked, the hub's own
 * end realigned here, the action audited, and the mark cleared, after which
 * routes may use the link again. Pad ranges used before stay used at both
 * ends, and the hub's offsets are past them: no byte is ever used twice.
 */
import type { Db } from "../db/client";
import type { TransitionRunner } from "../commit/transition-runner";
import { DomainError } from "../domain/errors/domain-error";
import type { ChannelPads } from "./pad-channel";

/** The agents that hold link ends: in-process or processes. */
export interface ResyncAgents {
  resync(nodeId: string, linkId: string): Promise<boolean>;
}

export interface ResyncResult {
  linkId: string;
  /** The ends asked, each with whether it realigned. */
  ends: Array<{ nodeId: string; realigned: boolean }>;
}

export class PadResync {
  constructor(
    private readonly db: Db,
    private readonly runner: TransitionRunner,
    private readonly agents: ResyncAgents,
    private readonly pads: ChannelPads,
  ) {}

  async resync(linkId: string, reason: string, who: { actor: string }): Promise<ResyncResult> {
    const link = await this.db.link.findUnique({ where: { id: linkId }, select: { aNodeId: true, bNodeId: true } });
    if (!link) throw new DomainError("MESH_ELEMENT_NOT_FOUND", `There is no link ${linkId}.`);
    const desync = this.pads.levels.get(linkId).desync;
    if (!desync) throw new DomainError("TOPOLOGY_CONFLICT", `The pads at both ends of ${linkId} agree: there is nothing to resynchronise.`);
    await this.pads.channel.refresh(this.db);
    const ends: ResyncResult["ends"] = [];
    for (const nodeId of [link.aNodeId, link.bNodeId]) {
      if (this.pads.channel.meshNodes().get(nodeId)?.role === "HUB") {
        ends.push({ nodeId, realigned: this.pads.channel.padsOf(nodeId).realign(linkId) });
        continue;
      }
      try {
        ends.push({ nodeId, realigned: await this.agents.resync(nodeId, linkId) });
      } catch {
        throw new DomainError("TOPOLOGY_CONFLICT", `The agent of ${nodeId} did not answer: its end of ${linkId} could not be realigned. The link stays avoided; try again once ${nodeId} is online.`);
      }
    }
    await this.runner.submit({
      keyIds: [],
      run: (ws) => {
        ws.audit({
          actor: who.actor, action: "LINK_PADS_RESYNCED", subjectType: "link", subjectId: linkId, fromState: null, toState: null,
          details: { reason, direction: desync.direction, failedKeyId: desync.keyId, detectedAt: desync.detectedAt, ends: ends.map((e) => e.nodeId) },
        });
        ws.publish({ topic: "mesh", type: "pads-resynced", data: { linkId } });
      },
    });
    this.pads.levels.clearDesync(linkId);
    return { linkId, ends };
  }
}
