/**
 * Sends one lifecycle event to the API: event type -> tRPC mutation. Every call
 * carries the version the operator saw, so acting on a stale view is refused.
 */
import type { TRPCClient } from "@trpc/client";
import type { AppRouter } from "@/server/api/root";
import { SYSTEM_ONLY_EVENTS, type KeyEventType } from "@/server/domain/lifecycle/key-events";
import type { KeyView } from "@/components/trpc/router-types";

/**
 * The lifecycle events an operator sends directly. REVOKE is not one: a revocation is requested and approved by two
 * officers (approvals.request). Nor are application deliveries (ISSUE_TO_SAE, FETCH_BY_SAE, CONSUME): only a KME makes them.
 */
export type DirectKeyEvent = Exclude<KeyEventType, "REVOKE" | "ISSUE_TO_SAE" | "FETCH_BY_SAE" | "CONSUME">;

export function isDirectEvent(e: KeyEventType): e is DirectKeyEvent {
  return e !== "REVOKE" && !SYSTEM_ONLY_EVENTS.has(e);
}

export interface KeyActionCommand {
  event: DirectKeyEvent;
  id: string;
  expectedVersion: number;
  reason?: string;
  count?: number;
}

/** The procedure each event calls, to ask the access table whether the signed-in role may. */
export const EVENT_PROCEDURE: Record<DirectKeyEvent, string> = {
  DISTRIBUTE: "keys.distribute", CONFIRM_RECEIPT: "keys.collectReceipts", ACTIVATE: "keys.activate",
  FAIL_DISTRIBUTION: "keys.reportDistributionFailure", RECORD_USAGE: "keys.recordUsage", BEGIN_ROTATION: "keys.rotate",
  COMPLETE_ROTATION: "keys.completeRotation", CANCEL_ROTATION: "keys.cancelRotation", DESTROY: "keys.destroy",
};


/** A lifecycle action's result: the key it left in use, and for distributions how many attempts it took. */
export interface KeyActionResult {
  view: KeyView;
  attempts?: number;
  abandoned?: boolean;
  lastFailure?: string | null;
}

export async function runKeyAction(client: TRPCClient<AppRouter>, cmd: KeyActionCommand): Promise<KeyActionResult> {
  if (cmd.event === "DISTRIBUTE" || cmd.event === "CONFIRM_RECEIPT") {
    const target = { id: cmd.id, expectedVersion: cmd.expectedVersion };
    const r = cmd.event === "DISTRIBUTE" ? await client.keys.distribute.mutate(target) : await client.keys.collectReceipts.mutate(target);
    const failed = r.attempts.filter((a) => a.outcome === "failed");
    return { view: r.finalKey, attempts: r.attempts.length, abandoned: r.abandoned, lastFailure: failed[failed.length - 1]?.reason ?? null };
  }
  return { view: await sendEvent(client, cmd) };
}

function sendEvent(client: TRPCClient<AppRouter>, cmd: KeyActionCommand): Promise<KeyView> {
  const target = { id: cmd.id, expectedVersion: cmd.expectedVersion };
  const reason = cmd.reason ?? "";
  switch (cmd.event) {
    case "DISTRIBUTE":
    case "CONFIRM_RECEIPT":
      throw new Error("handled by runKeyAction");
    case "ACTIVATE": return client.keys.activate.mutate(target);
    case "FAIL_DISTRIBUTION": return client.keys.reportDistributionFailure.mutate({ ...target, reason });
    case "RECORD_USAGE": return client.keys.recordUsage.mutate({ ...target, count: cmd.count ?? 1 });
    case "BEGIN_ROTATION": return client.keys.rotate.mutate({ ...target, reason });
    case "COMPLETE_ROTATION": return client.keys.completeRotation.mutate(target);
    case "CANCEL_ROTATION": return client.keys.cancelRotation.mutate({ ...target, reason });
    case "DESTROY": return client.keys.destroy.mutate(target);
  }
}
