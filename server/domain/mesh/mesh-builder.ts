/**
 * Builds link records from surveyed figures (length, loss, detector, baseline
 * QBER): nominal rate from the physics model, a pool sized to a few minutes of
 * key at that rate, and a starting fill level.
 */
import { FIBRE_LOSS_DB_PER_KM, nominalKeyRate, REFERENCE_DETECTOR_EFFICIENCY } from "./link-physics";
import { linkIdFor, type LinkKind, type MeshLink } from "./mesh-model";

/** Pools hold about five minutes of key, between 1 Mbit and 64 Mbit. */
export const POOL_SECONDS = 300;
export const MIN_POOL_BITS = 1 << 20;
export const MAX_POOL_BITS = 64 * (1 << 20);

export interface LinkSpec {
  aNodeId: string;
  bNodeId: string;
  lengthKm: number;
  baselineQber: number;
  lossDbPerKm?: number;
  detectorEfficiency?: number;
  kind?: LinkKind;
  viaNodeId?: string | null;
  /** Starting pool level, 0..1 (default: full). */
  fill?: number;
}

export function poolCapacityFor(rateBps: number): number {
  return Math.round(Math.min(MAX_POOL_BITS, Math.max(MIN_POOL_BITS, rateBps * POOL_SECONDS)));
}

export function buildLink(spec: LinkSpec): MeshLink {
  const lossDbPerKm = spec.lossDbPerKm ?? FIBRE_LOSS_DB_PER_KM;
  const detectorEfficiency = spec.detectorEfficiency ?? REFERENCE_DETECTOR_EFFICIENCY;
  const rate = nominalKeyRate({ lengthKm: spec.lengthKm, lossDbPerKm, detectorEfficiency });
  const capacity = poolCapacityFor(rate);
  const kind = spec.kind ?? "FIBRE";
  return {
    id: linkIdFor(spec.aNodeId, spec.bNodeId, kind),
    aNodeId: spec.aNodeId,
    bNodeId: spec.bNodeId,
    status: "UP",
    kind,
    viaNodeId: spec.viaNodeId ?? null,
    lengthKm: spec.lengthKm,
    lossDbPerKm,
    detectorEfficiency,
    baselineQber: spec.baselineQber,
    qber: spec.baselineQber,
    secretKeyRateBps: rate,
    poolBits: Math.round(capacity * Math.min(1, Math.max(0, spec.fill ?? 1))),
    poolCapacityBits: capacity,
    eavesdropper: false,
    downReason: null,
    bitsConsumed: 0,
  };
}
