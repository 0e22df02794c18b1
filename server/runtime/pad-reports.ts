/**
 * The link pads' reports as the mesh simulator reads them (issue 18: "the hub's pool figures come from what the
 * agents report"). Agent processes report their ends' levels with every heartbeat; the ends that live in this
 * process (the hub's own, and every in-process agent's) report here, once per simulator tick, so that the pool of
 * a link both of whose ends reported is what they reported, less what the hub reserved since.
 */
import type { Db } from "../db/client";
import { InProcessAgents } from "../agents/in-process-agents";
import type { AgentDirectory } from "../agents/node-agent";
import type { PadReports } from "../mesh/simulation/mesh-simulator";
import type { ChannelPads } from "../quantum-channel/pad-channel";

/** The mesh is read again at most this often for the ends' configuration (rates drift slowly). */
const MESH_MAX_AGE_MS = 5_000;

export function padReportsOf(db: Db, pads: ChannelPads, agents: AgentDirectory): PadReports {
  const inProcess = agents instanceof InProcessAgents ? agents : null;
  return {
    async reportLocalEnds(now: Date): Promise<void> {
      await pads.channel.refreshIfOlder(db, now.getTime(), MESH_MAX_AGE_MS);
      for (const n of pads.channel.meshNodes().values()) {
        // An in-process agent made silent (demo fault) reports nothing, as its heartbeats go unanswered.
        if (n.role !== "HUB" && (!inProcess || inProcess.faultOf(n.id)?.silent)) continue;
        pads.levels.record(n.id, pads.channel.padsOf(n.id).levels(now.getTime()), now);
      }
    },
    poolBits: (linkId, capacityBits, now) => pads.levels.poolBits(linkId, capacityBits, now),
  };
}
