/**
 * A test-only hook for crash-consistency tests (KEY-DELIVERY.md §7, criterion
 * 12): the site's KME waits `ms` after the hub answered a claim (so after the
 * claim committed) and before it reads the bytes and answers the application,
 * and says so in one log line, so a test can kill -9 the agent in exactly that
 * window. scripts/agent.ts installs it only with --allow-faults and
 * QECNET_AGENT_TEST_HOLD_AFTER_CLAIM_MS set; without both the link is used as is.
 */
import type { HubLink } from "./site-ports";

export function holdAfterClaims(link: HubLink, ms: number, log: { warn(obj: object, msg: string): void }): HubLink {
  return {
    get connected() {
      return link.connected;
    },
    kmeCall: async (op, args) => {
      const r = await link.kmeCall(op, args);
      if ((op === "claimForMaster" || op === "claimForSlave") && (r as { outcome?: string }).outcome === "claimed") {
        log.warn({ op, holdMs: ms }, "test hold after claim");
        await new Promise((resolve) => setTimeout(resolve, ms));
      }
      return r;
    },
  };
}
