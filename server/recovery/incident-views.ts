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
}

/** What the incidents router (and the console) asks of the recovery engine: services().recovery. */
export interface RecoveryApi {
  list(filter?: { status?: IncidentStatus[]; limit?: number }): Promise<IncidentSummaryView[]>;
  /** Throws DomainError("NOT_FOUND") for an unknown id. */
  get(id: string): Promise<IncidentDetailView>;
  /** An operator reports a node or link compromised (signal OPERATOR_REPORT); returns the incident opened. */
  report(input: { targetType: "link" | "node"; targetId: string; reason: string }, who: { actor: string }): Promise<IncidentSummaryView>;
  /** The parts of the mesh involved in open incidents and in those resolved in the last minutes (the graph highlights them). */
  highlight(): Promise<{ incidentIds: string[]; nodeIds: string[]; linkIds: string[] }>;
  /** The scripted demo scenario: a simulated eavesdropper on a backbone link; detection and recovery follow by the normal path. */
  startDemoScenario(who: { actor: string }): Promise<DemoScenarioView>;
  /** Clears the eavesdropper and brings the link back once it is clean. */
  endDemoScenario(who: { actor: string }): Promise<DemoScenarioView>;
  demoScenario(): Promise<DemoScenarioView>;
}

export interface DemoScenarioView {
  running: boolean;
  /** The backbone link the scenario uses (or would use). */
  linkId: string | null;
  linkName: string | null;
  /** The incident the scenario opened, once detected. */
  incidentId: string | null;
}
