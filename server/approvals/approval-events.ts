/**
 * In-process notification that approval requests changed, so subscriptions
 * (the officers' live badge) recount at once. Changes made by other server
 * instances are picked up by the subscription's periodic recount; the event
 * bus (PostgreSQL LISTEN/NOTIFY) replaces both when it lands.
 */
import { EventEmitter } from "node:events";

const g = globalThis as unknown as { __qecnetApprovalEvents?: EventEmitter };
const emitter = (g.__qecnetApprovalEvents ??= new EventEmitter().setMaxListeners(1000));

export function notifyApprovalsChanged(): void {
  emitter.emit("changed");
}

/** Resolves on the next change, after `ms`, or when `signal` aborts, whichever comes first. */
export function nextApprovalsChange(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      emitter.off("changed", done);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    emitter.on("changed", done);
    signal?.addEventListener("abort", done);
  });
}
