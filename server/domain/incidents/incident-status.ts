/**
 * Where an incident (a compromise recovery) stands: the one list of statuses that
 * the recovery engine stores, the incidents API accepts as a filter and the console shows.
 *
 * - DETECTED: signal received, blast radius being computed.
 * - AWAITING_APPROVAL: a step waits for a security officer's approval (approvalRequestId).
 * - RECOVERING: contained, revoking and re-distributing.
 * - RESOLVED: every affected key revoked and replaced (or waiting for a restored node), verified.
 * - FAILED: recovery could not finish (reason in the timeline); operators must act.
 * - DISMISSED: an officer rejected the held step: nothing was revoked automatically.
 */
export const INCIDENT_STATUSES = ["DETECTED", "AWAITING_APPROVAL", "RECOVERING", "RESOLVED", "FAILED", "DISMISSED"] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

/** The statuses of an incident still being handled (one per target at most; the console rings and counts them). */
export const OPEN_STATUSES: IncidentStatus[] = ["DETECTED", "AWAITING_APPROVAL", "RECOVERING"];
