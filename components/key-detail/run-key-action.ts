/**
 * Sends one lifecycle event to the API: event type -> tRPC mutation. Every call
 * carries the version the operator saw, so acting on a stale view is refused.
 */
import type { TRPCClient } from "@trpc/client";
import type { AppRouter } from "@/server/api/root";
import type { KeyEventType } from "@/server/lifecycle/key-events";
import type { KeyView } from "@/components/trpc/router-types";

export interface KeyActionCommand {
  event: KeyEventType;
  id: string;
  expectedVersion: number;
  reason?: string;
  count?: number;
}

/** The procedure each event calls, to ask the access table whether the signed-in role may. */
export const EVENT_PROCEDURE: Record<KeyEventType, string> = {
  DISTRIBUTE: "keys.distribute", CONFIRM_RECEIPT: "keys.collectReceipts", ACTIVATE: "keys.activate",
  FAIL_DISTRIBUTION: "keys.reportDistributionFailure", RECORD_USAGE: "keys.recordUsage", BEGIN_ROTATION: "keys.rotate",
  COMPLETE_ROTATION: "keys.completeRotation", CANCEL_ROTATION: "keys.cancelRotation", REVOKE: "keys.revoke", DESTROY: "keys.destroy",
};

export function runKeyAction(client: TRPCClient<AppRouter>, cmd: KeyActionCommand): Promise<KeyView> {
  const target = { id: cmd.id, expectedVersion: cmd.expectedVersion };
  const reason = cmd.reason ?? "";
  switch (cmd.event) {
    case "DISTRIBUTE": return client.keys.distribute.mutate(target);
    case "CONFIRM_RECEIPT": return client.keys.collectReceipts.mutate(target);
    case "ACTIVATE": return client.keys.activate.mutate(target);
    case "FAIL_DISTRIBUTION": return client.keys.reportDistributionFailure.mutate({ ...target, reason });
    case "RECORD_USAGE": return client.keys.recordUsage.mutate({ ...target, count: cmd.count ?? 1 });
    case "BEGIN_ROTATION": return client.keys.rotate.mutate({ ...target, reason });
    case "COMPLETE_ROTATION": return client.keys.completeRotation.mutate(target);
    case "CANCEL_ROTATION": return client.keys.cancelRotation.mutate({ ...target, reason });
    case "REVOKE": return client.keys.revoke.mutate({ ...target, reason });
    case "DESTROY": return client.keys.destroy.mutate(target);
  }
}
