/**
 * The decoy-state BB84 key rate against the figures of Lo, Ma and Chen (PRL 94,
 * 230504, 2005) for the GYS parameters (issue 18): within 10 % at 0, 50, 100 and
 * 140 km, and no key past about 142 km; and the QBER that follows from the same
 * parameters, without and with an intercept-resend eavesdropper.
 */
import { describe, expect, it } from "vitest";
import {
  expectedQber, GYS_PARAMETERS, keyRatePerPulse, maximumDistanceKm, optimalIntensity, secretKeyRateBps, signalStatistics, transmittance,
} from "./decoy-state";

const at = (lengthKm: number) => ({ ...GYS_PARAMETERS, lengthKm });
const within = (value: number, expected: number, tolerance = 0.1) => {
  expect(Math.abs(value - expected) / expected, `${value} vs ${expected}`).toBeLessThanOrEqual(tolerance);
};

describe("decoy-state BB84 key rate (Lo, Ma, Chen 2005) with the GYS parameters", () => {
  it.each([
    [0, 2.6e-3],
    [50, 2.2e-4],
    [100, 1.7e-5],
    [140, 2.7e-7],
  ])("at %i km gives about %f per pulse", (km, expected) => {
    within(optimalIntensity(at(km)).ratePerPulse, expected);
  });

  it("gives no key past about 142 km, and some just before", () => {
    const max = maximumDistanceKm(GYS_PARAMETERS);
    expect(max).toBeGreaterThan(141);
    expect(max).toBeLessThan(144);
    expect(optimalIntensity(at(max - 1)).ratePerPulse).toBeGreaterThan(0);
    expect(optimalIntensity(at(max + 1)).ratePerPulse).toBe(0);
  });

  it("optimises the signal intensity near 0.5 photons per pulse, and the optimum beats its neighbours", () => {
    for (const km of [0, 50, 100]) {
      const { mu, ratePerPulse } = optimalIntensity(at(km));
      expect(mu).toBeGreaterThan(0.4);
      expect(mu).toBeLessThan(0.6);
      expect(ratePerPulse).toBeGreaterThanOrEqual(keyRatePerPulse(at(km), mu * 0.8));
      expect(ratePerPulse).toBeGreaterThanOrEqual(keyRatePerPulse(at(km), mu * 1.2));
    }
  });

  it("falls monotonically with distance and scales with the pulse rate", () => {
    let previous = Infinity;
    for (let km = 0; km <= 140; km += 10) {
      const r = secretKeyRateBps(at(km));
      expect(r).toBeLessThan(previous);
      previous = r;
    }
    within(secretKeyRateBps({ ...at(50), pulseRateHz: 2e9 }), 2 * secretKeyRateBps(at(50)), 1e-9);
    within(secretKeyRateBps(at(0)), 2.6e6); // 1 GHz pulses
  });

  it("derives the QBER from the same parameters: the detector error near, dark counts far", () => {
    within(expectedQber(at(0)), 0.033, 0.02);
    within(expectedQber(at(50)), 0.033, 0.05);
    expect(expectedQber(at(140))).toBeGreaterThan(0.04);
    expect(transmittance(at(0))).toBe(0.045);
  });

  it("an intercept-resend eavesdropper pushes the QBER to about 25 % and the key rate to zero", () => {
    for (const km of [10, 50, 100]) {
      const q = expectedQber(at(km), true);
      expect(q).toBeGreaterThan(0.24);
      expect(q).toBeLessThan(0.3);
      expect(secretKeyRateBps(at(km), true)).toBe(0);
    }
    const s = signalStatistics(at(20), 0.5, true);
    expect(s.singlePhotonError).toBeGreaterThan(0.24);
  });
});
