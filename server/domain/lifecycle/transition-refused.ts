/**
 * The typed refusal of the lifecycle engine: it names the state, the event and,
 * when a guard refused, which guard and why.
 */
import { DomainError } from "../errors/domain-error";
import type { KeyEventType } from "./key-events";
import type { KeyState } from "./key-states";

export type GuardCode =
  | "RECEIPTS_PENDING"
  | "UNKNOWN_PARTICIPANT"
  | "RECEIPT_ALREADY_CONFIRMED"
  | "NO_PARTICIPANTS"
  | "SUCCESSOR_NOT_ACTIVE"
  | "OVERLAP_NOT_ELAPSED"
  | "ROTATION_PAST_POINT_OF_NO_RETURN"
  | "PREDECESSOR_STILL_ROTATING"
  | "RETENTION_NOT_EXPIRED"
  | "INVALID_EVENT"
  | "ALREADY_ISSUED"
  | "NOT_ADDRESSED"
  | "ALREADY_FETCHED"
  | "NOT_ALL_FETCHED";

export class TransitionRefusedError extends DomainError {
  constructor(
    readonly state: KeyState,
    readonly event: KeyEventType,
    readonly guard: GuardCode | null,
    message: string,
  ) {
    super(guard ? "GUARD_FAILED" : "TRANSITION_REFUSED", message, { state, event, guard });
    this.name = "TransitionRefusedError";
  }
}
