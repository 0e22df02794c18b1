/**
 * Builds link records from stated figures (length, and optionally the
 * decoy-state parameters: loss, detector efficiency and error, dark counts,
 * error-correction inefficiency, pulse rate; GYS defaults otherwise): nominal
 * rate and baseline QBER from the decoy-state model (link-rate.ts), a pool
 * sized to a few minutes of key at that rate, and a starting fill level.
 */
import { DEFAULT_LINK_PARAMETERS, operatingPoint, type LinkParameters } from "./link-rate";
import { linkIdFor, type LinkKind, type MeshLink } from "./mesh-model";

/** Pools hold about five minutes of key, between 1 Mbit and 64 Mbit. */
export const POOL_SECONDS = 300;
export const MIN_POOL_BITS = 1 << 20;
export const MAX_POOL_BITS = 64 * (1 << 20);

export interface LinkSpec extends Partial<Omit<LinkParameters, "lengthKm">> {
  aNodeId: string;
  bNodeId: string;
  lengthKm: number;
  kind?: LinkKind;
  viaNodeId?: string | null;
  /** Starting pool level, 0..1 (default: full). */
  fill?: number;
}

export function poolCapacityFor(rateBps: number): number {
  return Math.round(Math.min(MAX_POOL_BITS, Math.max(MIN_POOL_BITS, rateBps * POOL_SECONDS)));
}

/** The link's stated parameters: the spec's, GYS where it states none. */
export function linkParametersOf(spec: LinkSpec): LinkParameters {
  const d = DEFAULT_LINK_PARAMETERS;
  return {
    lengthKm: spec.lengthKm,
    lossDbPerKm: spec.lossDbPerKm ?? d.lossDbPerKm,
    detectorEfficiency: spec.detectorEfficiency ?? d.detectorEfficiency,
    darkCountYield: spec.darkCountYield ?? d.darkCountYield,
    detectorErrorRate: spec.detectorErrorRate ?? d.detectorErrorRate,
    errorCorrectionEfficiency: spec.errorCorrectionEfficiency ?? d.errorCorrectionEfficiency,
    pulseRateHz: spec.pulseRateHz ?? d.pulseRateHz,
  };
}

export function buildLink(spec: LinkSpec): MeshLink {
  const params = linkParametersOf(spec);
  const point = operatingPoint(params);
  const capacity = poolCapacityFor(point.rateBps);
  const kind = spec.kind ?? "FIBRE";
  return {
    id: linkIdFor(spec.aNodeId, spec.bNodeId, kind),
    aNodeId: spec.aNodeId,
    bNodeId: spec.bNodeId,
    status: "UP",
    kind,
    viaNodeId: spec.viaNodeId ?? null,
    ...params,
    baselineQber: point.qber,
    qber: point.qber,
    secretKeyRateBps: point.rateBps,
    poolBits: Math.round(capacity * Math.min(1, Math.max(0, spec.fill ?? 1))),
    poolCapacityBits: capacity,
    eavesdropper: false,
    downReason: null,
    bitsConsumed: 0,
  };
}
