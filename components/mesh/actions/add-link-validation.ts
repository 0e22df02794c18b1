/**
 * The add-link form's checks, with the server's own messages (ZAddLinkInput in
 * server/domain/mesh/mesh-inputs.ts), so the operator reads the same sentence
 * whichever side catches the mistake. The detector error (e_d of the
 * decoy-state model; the link's baseline QBER follows from it and the length)
 * is typed in percent here and sent as a fraction; the other decoy-state
 * parameters are left to the server's GYS defaults.
 */
import { reasonProblem } from "./reason-form";

export interface AddLinkDraft {
  aNodeId: string;
  bNodeId: string;
  lengthKm: string;
  detectorErrorPercent: string;
  reason: string;
}

export type AddLinkField = "aNodeId" | "bNodeId" | "lengthKm" | "detectorErrorRate" | "reason";

export interface AddLinkValues {
  aNodeId: string;
  bNodeId: string;
  lengthKm: number;
  detectorErrorRate: number;
  reason?: string;
}

export function validateAddLink(d: AddLinkDraft): { values: AddLinkValues | null; problems: Partial<Record<AddLinkField, string>> } {
  const problems: Partial<Record<AddLinkField, string>> = {};
  if (!d.aNodeId) problems.aNodeId = "must name a node";
  if (!d.bNodeId) problems.bNodeId = "must name a node";
  else if (d.aNodeId === d.bNodeId) problems.bNodeId = "a link joins two different nodes";
  const km = d.lengthKm.trim() === "" ? NaN : Number(d.lengthKm);
  if (!Number.isFinite(km)) problems.lengthKm = "lengthKm must be a number of kilometres";
  else if (km < 0.1) problems.lengthKm = "fibre length must be at least 0.1 km";
  else if (km > 400) problems.lengthKm = "fibre length at most 400 km (no usable key rate beyond)";
  const pct = d.detectorErrorPercent.trim() === "" ? NaN : Number(d.detectorErrorPercent);
  if (!Number.isFinite(pct)) problems.detectorErrorRate = "detector error must be a number (percent)";
  else if (pct < 0) problems.detectorErrorRate = "detector error cannot be negative";
  else if (pct > 11) problems.detectorErrorRate = "a detector error above 11% cannot produce key (BB84 abort threshold)";
  const reasonIssue = reasonProblem(d.reason, true);
  if (reasonIssue) problems.reason = reasonIssue;
  if (Object.keys(problems).length) return { values: null, problems };
  return {
    values: {
      aNodeId: d.aNodeId, bNodeId: d.bNodeId, lengthKm: km, detectorErrorRate: Math.round(pct * 1000) / 100_000,
      ...(d.reason.trim() ? { reason: d.reason.trim() } : {}),
    },
    problems,
  };
}
