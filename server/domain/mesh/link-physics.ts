/**
 * The physics of a QKD link, as in ../shared/DOMAIN.md:
 * - fibre loss alpha = 0.2 dB/km (ITU-T G.652), transmittance 10^(-alpha*L/10);
 * - secret key rate R = R0 * 10^(-alpha*L/10) with R0 = 17.094 Mbit/s, scaled
 *   by the detector efficiency relative to a reference 10%. Note: DOMAIN.md says
 *   this reproduces Mehic et al. (85 km -> 150.8 kbit/s, 100 km -> 85.1 kbit/s),
 *   but the formula as written gives 341 and 171 kbit/s there (about 2x); we
 *   implement the formula as documented and record the discrepancy;
 * - BB84's secret fraction 1 - 2*h(QBER) (Shor-Preskill), which reaches zero at
 *   about 11%, the abort threshold; an intercept-resend eavesdropper pushes QBER
 *   to about 25%.
 * The rate at the link's baseline QBER is the nominal rate; a higher QBER
 * lowers it by the ratio of secret fractions.
 */
export const FIBRE_LOSS_DB_PER_KM = 0.2;
export const R0_BITS_PER_SECOND = 17_094_000;
export const REFERENCE_DETECTOR_EFFICIENCY = 0.1;
/** Above this QBER a link is flagged (rotation trigger in the rotation issue). */
export const QBER_WARNING = 0.05;
/** BB84 aborts above this QBER (Lo-Ma asymptotic bound): the link is compromised. */
export const QBER_ABORT = 0.11;
/** What an intercept-resend eavesdropper does to QBER. */
export const QBER_INTERCEPT_RESEND = 0.25;
/** Below this secret key rate a channel is not worth setting up (bypass planning). */
export const MIN_USABLE_RATE_BPS = 10_000;

export interface LinkOptics {
  lengthKm: number;
  lossDbPerKm?: number;
  detectorEfficiency?: number;
}

/** Secret key rate at the link's baseline, in bit/s. */
export function nominalKeyRate({ lengthKm, lossDbPerKm = FIBRE_LOSS_DB_PER_KM, detectorEfficiency = REFERENCE_DETECTOR_EFFICIENCY }: LinkOptics): number {
  return R0_BITS_PER_SECOND * 10 ** ((-lossDbPerKm * lengthKm) / 10) * (detectorEfficiency / REFERENCE_DETECTOR_EFFICIENCY);
}

/** Binary entropy h(p). */
export function binaryEntropy(p: number): number {
  if (p <= 0 || p >= 1) return 0;
  return -p * Math.log2(p) - (1 - p) * Math.log2(1 - p);
}

/** BB84 secret fraction 1 - 2h(Q), never negative. */
export function secretFraction(qber: number): number {
  return Math.max(0, 1 - 2 * binaryEntropy(qber));
}

/** The rate at the current QBER: the nominal rate scaled by the ratio of secret fractions. */
export function currentKeyRate(nominalBps: number, baselineQber: number, qber: number): number {
  const base = secretFraction(baselineQber);
  if (base <= 0) return 0;
  return nominalBps * (secretFraction(qber) / base);
}

export type LinkHealth = "healthy" | "warning" | "compromised" | "down";

export function linkHealth(status: string, qber: number): LinkHealth {
  if (status === "DOWN") return "down";
  if (qber > QBER_ABORT) return "compromised";
  if (qber > QBER_WARNING) return "warning";
  return "healthy";
}

/**
 * The health of a stored link: its QBER, except that a DEGRADED link stays in
 * "warning" until the simulation clears it (it applies hysteresis around the
 * threshold, see server/mesh/simulation/link-dynamics.ts).
 */
export function storedHealth(status: string, qber: number): LinkHealth {
  const raw = linkHealth(status, qber);
  return raw === "healthy" && status === "DEGRADED" ? "warning" : raw;
}
