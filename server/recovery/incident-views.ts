/**
 * What the console sees of a compromise recovery (an incident). The contract
 * between the recovery engine (server/recovery) and the Incidents view
 * (components/incidents): no key material, only ids, labels and states.
 */
import type { IncidentStatus } from "../domain/incidents/incident-status";
import type { CompromiseSignal } from "../domain/policies/compromise-signals";

export type IncidentStep =
  | "DETECTED"
  | "BLAST_RADIUS"
  | "HELD_FOR_APPROVAL"
  | "APPROVED"
  | "CONTAINED"
  | "REVOKED"
  | "REDISTRIBUTED"
  | "VERIFIED"
  | "FAILED"
  | "DISMISSED";

export interface IncidentTimelineEntry {
  step: IncidentStep;
  at: string; // ISO time
  summary: string;
  /** Milliseconds since detection. */
  elapsedMs: number;
}

export interface IncidentSummaryView {
  id: string;
  /** Human number, "INC-0007". */
  reference: string;
  signal: CompromiseSignal;
  targetType: "link" | "node";
  targetId: string;
  targetName: string;
  status: IncidentStatus;
  detectedAt: string;
  resolvedAt: string | null;
  /** Detection to verified integrity; null while open. */
  timeToIntegrityMs: number | null;
  affectedKeys: number;
  /** Demo scenario or real signal. */
  simulated: boolean;
}

export interface IncidentKeyView {
  keyId: string;
  label: string;
  /** Why it is in the blast radius: held by the node, relayed through it, or crossed the link. */
  exposure: "held" | "relayed" | "crossed-link";
  stateBefore: string;
  stateNow: string;
  replacementId: string | null;
  replacementState: string | null;
  /** The participant its replacement waits for: a node the hub cannot reach now (the compromised node itself, one cut off by the containment) or not with enough pad bits (new bypasses start empty); it goes out once it can. */
  waitingForNode: string | null;
  /** Each holder's purge of this key: confirmed by the node, requested and not yet answered (with retries so far), or not asked. */
  purges: Array<{ nodeId: string; status: "confirmed" | "pending" | "none"; attempts: number }>;
  /** Applications that received this key over ETSI 014 (KEY-DELIVERY.md §5.5), and when. */
  recipients: Array<{ saeId: string; role: string; kme: string; deliveredAt: string | null }>;
}

export interface IncidentDetailView extends IncidentSummaryView {
  reason: string;
  approvalRequestId: string | null;
  timeline: IncidentTimelineEntry[];
  keys: IncidentKeyView[];
  /** The compromised part and the containment, for the mesh highlight. */
  nodeIds: string[];
  linkIds: string[];
  /** Keys outside the blast radius whose state changed during recovery (must be 0). */
  untouchedViolations: number;
  /**
   * Per node, the blast-radius purges it has not confirmed yet (KEY-DELIVERY.md §6.4): the obligations stay queued and
   * are re-sent while its agent is connected and at its reconnect. Empty when every holder confirmed.
   */
  unconfirmedPurges: Array<{ nodeId: string; nodeStatus: string; keys: number; attempts: number }>;
  /**
   * Keys already consumed by applications whose route crossed the compromised part (delivered within the notice
   * window): nothing to revoke, but the applications were told (KEY_COMPROMISE_NOTIFIED, §5.5).
   */
  compromiseNotices: Array<{ keyId: string; saeIds: string[]; notifiedAt: string }>;
}


export interface DemoScenarioView {
  running: boolean;
  /** The backbone link the scenario uses (or would use). */
  linkId: string | null;
  linkName: string | null;
  /** The incident the scenario opened, once detected. */
  incidentId: string | null;
}
