/**
 * The asymptotic secret key rate of decoy-state BB84 (Lo, Ma, Chen, "Decoy
 * State Quantum Key Distribution", PRL 94, 230504 (2005), eq. (1)-(3) with the
 * infinite-decoy estimates of the single-photon yield and error), per pulse and
 * per second, from a link's stated parameters: fibre loss, Bob's detection
 * efficiency, the dark-count yield, the detector's error rate, the
 * error-correction inefficiency and the pulse rate; the signal intensity is
 * optimised. With the paper's GYS parameters (0.21 dB/km, eta_Bob 0.045,
 * Y0 1.7e-6, e_detector 3.3 %, f 1.22) it gives about 2.6e-3 per pulse at 0 km,
 * 2.2e-4 at 50 km, 1.7e-5 at 100 km, 2.7e-7 at 140 km and nothing past about
 * 142 km (decoy-state.test.ts). The QBER follows from the same parameters; an
 * intercept-resend eavesdropper on every pulse adds 25 % to the error of the
 * bits it touched. Pure: no I/O, no clock.
 */

export interface DecoyStateLink {
  lengthKm: number;
  /** Fibre loss, dB/km. */
  lossDbPerKm: number;
  /** Bob's side: detector efficiency times the loss inside Bob's apparatus (eta_Bob). */
  detectionEfficiency: number;
  /** Background (dark count) yield per pulse, Y0. */
  darkCountYield: number;
  /** Probability that a detected photon hits the wrong detector (optical misalignment), e_detector. */
  detectorErrorRate: number;
  /** Error-correction inefficiency f(E) >= 1 (1.22 for the cascade protocol of the paper). */
  errorCorrectionEfficiency: number;
  /** Pulses per second sent by Alice. */
  pulseRateHz: number;
}

/** The GYS experiment's parameters as used by Lo, Ma and Chen (their Table I), at a 1 GHz pulse rate. */
export const GYS_PARAMETERS: Omit<DecoyStateLink, "lengthKm"> = {
  lossDbPerKm: 0.21,
  detectionEfficiency: 0.045,
  darkCountYield: 1.7e-6,
  detectorErrorRate: 0.033,
  errorCorrectionEfficiency: 1.22,
  pulseRateHz: 1e9,
};

/** Error rate of a background count (random: half the time wrong). */
const E0 = 0.5;
/** BB84 sifting: half the bases match. */
const SIFT = 0.5;
/** The error an intercept-resend eavesdropper adds to every bit it measured in the wrong basis and resent. */
export const INTERCEPT_RESEND_ERROR = 0.25;

export function binaryEntropy(p: number): number {
  if (p <= 0 || p >= 1) return 0;
  return -p * Math.log2(p) - (1 - p) * Math.log2(1 - p);
}

/** The overall transmittance: channel times Bob's detection. */
export function transmittance(link: Pick<DecoyStateLink, "lengthKm" | "lossDbPerKm" | "detectionEfficiency">): number {
  return link.detectionEfficiency * 10 ** ((-link.lossDbPerKm * link.lengthKm) / 10);
}

export interface SignalStatistics {
  /** Gain of the signal states Q_mu. */
  gain: number;
  /** Their error rate E_mu: the link's QBER. */
  qber: number;
  /** Single-photon gain Q_1 and error rate e_1 (the decoy states' estimates, asymptotically exact). */
  singlePhotonGain: number;
  singlePhotonError: number;
}

/** Gains and error rates at signal intensity `mu` (mean photons per pulse); `eavesdropper`: intercept-resend on every pulse. */
export function signalStatistics(link: DecoyStateLink, mu: number, eavesdropper = false): SignalStatistics {
  const eta = transmittance(link);
  const y0 = link.darkCountYield;
  const ed = eavesdropper ? link.detectorErrorRate + INTERCEPT_RESEND_ERROR * (1 - 2 * link.detectorErrorRate) : link.detectorErrorRate;
  const detected = 1 - Math.exp(-eta * mu);
  const gain = y0 + detected;
  const qber = (E0 * y0 + ed * detected) / gain;
  const y1 = y0 + eta - y0 * eta;
  const singlePhotonGain = y1 * mu * Math.exp(-mu);
  const singlePhotonError = (E0 * y0 + ed * eta) / y1;
  return { gain, qber, singlePhotonGain, singlePhotonError };
}

/** GLLP/decoy key rate per pulse at intensity mu (eq. 1 of the paper), never negative. */
export function keyRatePerPulse(link: DecoyStateLink, mu: number, eavesdropper = false): number {
  const s = signalStatistics(link, mu, eavesdropper);
  const r = SIFT * (-s.gain * link.errorCorrectionEfficiency * binaryEntropy(s.qber) + s.singlePhotonGain * (1 - binaryEntropy(s.singlePhotonError)));
  return Math.max(0, r);
}

/** The signal intensity that maximises the rate, and that rate per pulse (0 and mu 0 when no key can be made). */
export function optimalIntensity(link: DecoyStateLink, eavesdropper = false): { mu: number; ratePerPulse: number } {
  // The rate is unimodal in mu on (0, 1.5]: a coarse scan, then golden-section search around the best point.
  let best = { mu: 0, ratePerPulse: 0 };
  for (let mu = 0.02; mu <= 1.5; mu += 0.02) {
    const r = keyRatePerPulse(link, mu, eavesdropper);
    if (r > best.ratePerPulse) best = { mu, ratePerPulse: r };
  }
  if (best.ratePerPulse === 0) return best;
  let lo = Math.max(1e-4, best.mu - 0.02);
  let hi = best.mu + 0.02;
  const g = (Math.sqrt(5) - 1) / 2;
  for (let i = 0; i < 40; i++) {
    const a = hi - g * (hi - lo);
    const b = lo + g * (hi - lo);
    if (keyRatePerPulse(link, a, eavesdropper) >= keyRatePerPulse(link, b, eavesdropper)) hi = b;
    else lo = a;
  }
  const mu = (lo + hi) / 2;
  return { mu, ratePerPulse: keyRatePerPulse(link, mu, eavesdropper) };
}

/** Secret key rate in bit/s at the optimal intensity. */
export function secretKeyRateBps(link: DecoyStateLink, eavesdropper = false): number {
  return optimalIntensity(link, eavesdropper).ratePerPulse * link.pulseRateHz;
}

/** The QBER an operator sees on the link at the intensity the rate is optimised for. */
export function expectedQber(link: DecoyStateLink, eavesdropper = false): number {
  const { mu } = optimalIntensity(link);
  return signalStatistics(link, mu > 0 ? mu : 0.5, eavesdropper).qber;
}

/** The longest fibre over which this link's parameters still give a key (bisection on the length), in km. */
export function maximumDistanceKm(params: Omit<DecoyStateLink, "lengthKm">): number {
  let lo = 0;
  let hi = 1000;
  if (optimalIntensity({ ...params, lengthKm: lo }).ratePerPulse === 0) return 0;
  for (let i = 0; i < 50; i++) {
    const mid = (lo + hi) / 2;
    if (optimalIntensity({ ...params, lengthKm: mid }).ratePerPulse > 0) lo = mid;
    else hi = mid;
  }
  return lo;
}
