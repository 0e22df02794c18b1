/**
 * A mesh link's secret key rate and QBER from the decoy-state BB84 model
 * (decoy-state.ts; Lo, Ma, Chen, PRL 94, 230504, 2005) with the link's stated
 * parameters: length, fibre loss, Bob's detection efficiency, dark-count
 * yield, detector error, error-correction inefficiency and pulse rate. Links
 * stated without them get the GYS parameters (GYS_PARAMETERS, the one place
 * the defaults are stated; the links table's column defaults repeat them).
 *
 * Operating point: the signal intensity is optimised once for the link's
 * parameters (a device is tuned when it is commissioned, not every second);
 * the rate at that point is the nominal rate and the QBER there the baseline.
 *
 * A higher QBER (drift, an eavesdropper) lowers the rate through the model
 * itself, not by a ratio of secret fractions: the observed QBER E is taken as
 * coming from a larger effective detector error e' (the one for which the
 * signal QBER at the operating intensity is E: e' = (E*Q - Y0/2) / (1 - e^(-eta*mu))),
 * and the rate is the model's rate at that error and intensity. At the
 * baseline QBER this is exactly the nominal rate; at the intercept-resend
 * QBER (about 25 %) it is zero. Pure; results are memoised per parameter set.
 */
import { GYS_PARAMETERS, keyRatePerPulse, optimalIntensity, signalStatistics, transmittance, type DecoyStateLink } from "./decoy-state";

/** The stated parameters of a link as the mesh stores them (detectorEfficiency is the model's eta_Bob). */
export interface LinkParameters {
  lengthKm: number;
  lossDbPerKm: number;
  detectorEfficiency: number;
  darkCountYield: number;
  detectorErrorRate: number;
  errorCorrectionEfficiency: number;
  pulseRateHz: number;
}

/** The GYS parameters under the mesh's field names. */
export const DEFAULT_LINK_PARAMETERS: Omit<LinkParameters, "lengthKm"> = {
  lossDbPerKm: GYS_PARAMETERS.lossDbPerKm,
  detectorEfficiency: GYS_PARAMETERS.detectionEfficiency,
  darkCountYield: GYS_PARAMETERS.darkCountYield,
  detectorErrorRate: GYS_PARAMETERS.detectorErrorRate,
  errorCorrectionEfficiency: GYS_PARAMETERS.errorCorrectionEfficiency,
  pulseRateHz: GYS_PARAMETERS.pulseRateHz,
};

export function decoyLinkOf(p: LinkParameters): DecoyStateLink {
  return {
    lengthKm: p.lengthKm, lossDbPerKm: p.lossDbPerKm, detectionEfficiency: p.detectorEfficiency, darkCountYield: p.darkCountYield,
    detectorErrorRate: p.detectorErrorRate, errorCorrectionEfficiency: p.errorCorrectionEfficiency, pulseRateHz: p.pulseRateHz,
  };
}

export interface OperatingPoint {
  /** Optimised signal intensity (mean photons per pulse); 0 when the link makes no key. */
  mu: number;
  ratePerPulse: number;
  /** Nominal secret key rate, bit/s. */
  rateBps: number;
  /** QBER at the operating point without an eavesdropper: the link's baseline. */
  qber: number;
  /** QBER with an intercept-resend eavesdropper on every pulse. */
  eavesdropperQber: number;
}

const MEMO_LIMIT = 20_000;
const memo = new Map<string, OperatingPoint>();
const keyOf = (p: LinkParameters) =>
  `${p.lengthKm}|${p.lossDbPerKm}|${p.detectorEfficiency}|${p.darkCountYield}|${p.detectorErrorRate}|${p.errorCorrectionEfficiency}|${p.pulseRateHz}`;

export function operatingPoint(p: LinkParameters): OperatingPoint {
  const key = keyOf(p);
  const hit = memo.get(key);
  if (hit) return hit;
  const link = decoyLinkOf(p);
  const { mu, ratePerPulse } = optimalIntensity(link);
  // As decoy-state.ts expectedQber, without optimising the intensity twice more (generated meshes build thousands of links).
  const at = mu > 0 ? mu : 0.5;
  const qber = signalStatistics(link, at).qber;
  const point = { mu, ratePerPulse, rateBps: ratePerPulse * p.pulseRateHz, qber, eavesdropperQber: signalStatistics(link, at, true).qber };
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(key, point);
  return point;
}

/** Secret key rate at the operating point, bit/s. */
export function nominalRateBps(p: LinkParameters): number {
  return operatingPoint(p).rateBps;
}

/** The link's rate (bit/s) when its QBER is `qber`: the model at the effective detector error that gives that QBER. */
export function rateAtQber(p: LinkParameters, qber: number): number {
  const point = operatingPoint(p);
  if (point.mu <= 0) return 0;
  const link = decoyLinkOf(p);
  const detected = 1 - Math.exp(-transmittance(link) * point.mu);
  const gain = link.darkCountYield + detected;
  const effectiveError = Math.min(0.5, Math.max(0, (qber * gain - 0.5 * link.darkCountYield) / detected));
  return keyRatePerPulse({ ...link, detectorErrorRate: effectiveError }, point.mu) * p.pulseRateHz;
}
