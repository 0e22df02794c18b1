/**
 * Faults a real agent can be told to simulate (only with --allow-faults), the
 * same kinds as the in-process agents: drop (never answer a delivery), delay
 * (answer it late), wrongConfirmation (a receipt that proves nothing), silent
 * (no heartbeats and no answers: the node goes OFFLINE), corrupt (flip a bit
 * of a held copy), leak (a compromised relay: note every key it relays in
 * <dataDir>/leaked.jsonl, by id and fingerprint, never the material), padSkip
 * (its QKD device on a link loses bytes: the link's ends desynchronise), clear.
 * Delivery faults may be limited to the next n.
 */
import type { RequestBody } from "../protocol/agent-protocol";

export interface DeliveryFault {
  drop: boolean;
  delayMs: number;
  wrongConfirmation: boolean;
}

export class AgentFaults {
  private delivery: (DeliveryFault & { times: number | undefined }) | null = null;
  silent = false;
  leak = false;

  /** Records a fault; `corrupt` is applied by the caller (it touches the store). */
  set(f: RequestBody<"fault">): void {
    switch (f.kind) {
      case "clear":
        this.delivery = null;
        this.silent = false;
        this.leak = false;
        return;
      case "leak":
        this.leak = true;
        return;
      case "silent":
        this.silent = true;
        return;
      case "corrupt":
      case "padSkip":
        return;
      default:
        this.delivery = {
          drop: f.kind === "drop",
          delayMs: f.kind === "delay" ? (f.delayMs ?? 0) : 0,
          wrongConfirmation: f.kind === "wrongConfirmation",
          times: f.times,
        };
    }
  }

  /** Consumes one use of the delivery fault, if any. */
  takeDeliveryFault(): DeliveryFault | null {
    const f = this.delivery;
    if (!f) return null;
    if (f.times !== undefined && --f.times <= 0) this.delivery = null;
    return f;
  }
}
