import { describe, expect, it } from "vitest";
import { QBER_ABORT, QBER_WARNING } from "../../domain/mesh/link-physics";
import { nominalRateBps, operatingPoint, rateAtQber } from "../../domain/mesh/link-rate";
import { buildLink } from "../../domain/mesh/mesh-builder";
import { Prng } from "../../domain/mesh/prng";
import { healthWithHysteresis, stepLink } from "./link-dynamics";

const run = (l: ReturnType<typeof buildLink>, seconds: number, dt: number, seed = 7) => {
  const rng = new Prng(seed);
  let cur = l;
  const trace = [];
  for (let t = 0; t < seconds; t += dt) {
    const s = stepLink(cur, dt, rng);
    cur = { ...cur, qber: s.qber, poolBits: s.poolBits, secretKeyRateBps: s.secretKeyRateBps, status: s.status };
    trace.push(s);
  }
  return { link: cur, trace };
};

describe("link physics and dynamics", () => {
  it("links get the decoy-state model's rate and QBER from their stated parameters (GYS by default, 1 GHz)", () => {
    // Lo, Ma, Chen 2005 with GYS: about 2.6e-3 per pulse at 0 km, 2.2e-4 at 50 km, 1.7e-5 at 100 km, none past ~142 km.
    const at = (lengthKm: number, extra = {}) => buildLink({ aNodeId: "a", bNodeId: "b", lengthKm, ...extra });
    expect(at(0).secretKeyRateBps / 1e6).toBeCloseTo(2.55, 1);
    expect(at(50).secretKeyRateBps / 1e3).toBeCloseTo(222.6, 0);
    expect(at(85).secretKeyRateBps / 1e3).toBeCloseTo(38.56, 1); // the old R0 formula said 341 kbit/s here
    expect(at(100).secretKeyRateBps / 1e3).toBeCloseTo(17.19, 1);
    expect(at(150).secretKeyRateBps).toBe(0);
    expect(at(50)).toMatchObject({ lossDbPerKm: 0.21, detectorEfficiency: 0.045, darkCountYield: 1.7e-6, detectorErrorRate: 0.033, errorCorrectionEfficiency: 1.22, pulseRateHz: 1e9 });
    // QBER: about the detector error on short links, dark counts push it up near the cut-off.
    expect(at(0).baselineQber).toBeCloseTo(0.033, 3);
    expect(at(100).baselineQber).toBeCloseTo(0.0376, 3);
    expect(at(140).baselineQber).toBeGreaterThan(QBER_WARNING);
    expect(operatingPoint(at(50)).eavesdropperQber).toBeCloseTo(0.266, 2);
    // Stated parameters matter: half the pulse rate, half the rate; a better detector, more key.
    expect(at(50, { pulseRateHz: 5e8 }).secretKeyRateBps / at(50).secretKeyRateBps).toBeCloseTo(0.5, 10);
    expect(at(50, { detectorEfficiency: 0.1 }).secretKeyRateBps).toBeGreaterThan(2 * at(50).secretKeyRateBps);
    expect(at(50, { detectorErrorRate: 0.02 }).baselineQber).toBeCloseTo(0.02, 2);
  });

  it("a higher QBER lowers the rate through the model: exact at the baseline, zero at intercept-resend", () => {
    const l = buildLink({ aNodeId: "a", bNodeId: "b", lengthKm: 50 });
    expect(rateAtQber(l, l.baselineQber) / nominalRateBps(l)).toBeCloseTo(1, 10);
    const rates = [0.04, 0.05, 0.06, 0.07].map((q) => rateAtQber(l, q));
    expect(rates.every((r, i) => i === 0 || r < rates[i - 1]!)).toBe(true);
    expect(rateAtQber(l, 0.05) / 1e3).toBeCloseTo(89.6, 0);
    expect(rateAtQber(l, QBER_ABORT)).toBe(0);
    expect(rateAtQber(l, operatingPoint(l).eavesdropperQber)).toBe(0);
  });

  it("fills the pool at the key rate and never above capacity", () => {
    const l = buildLink({ aNodeId: "a", bNodeId: "b", lengthKm: 30, detectorErrorRate: 0.02, fill: 0 });
    const { link, trace } = run(l, 10, 1);
    expect(link.poolBits).toBeGreaterThan(0.8 * l.secretKeyRateBps * 10);
    expect(link.poolBits).toBeLessThan(1.2 * l.secretKeyRateBps * 10);
    const full = run(l, 2_000, 50).trace;
    expect(Math.max(...full.map((s) => s.poolBits))).toBe(l.poolCapacityBits);
    expect(trace.every((s, i) => i === 0 || s.poolBits >= trace[i - 1]!.poolBits)).toBe(true);
  });

  it("keeps QBER around its baseline without an eavesdropper", () => {
    const l = buildLink({ aNodeId: "a", bNodeId: "b", lengthKm: 30, detectorErrorRate: 0.02 });
    const { trace } = run(l, 600, 1);
    const mean = trace.reduce((n, s) => n + s.qber, 0) / trace.length;
    expect(mean).toBeGreaterThan(0.017);
    expect(mean).toBeLessThan(0.023);
    expect(trace.every((s) => s.health === "healthy")).toBe(true);
  });

  it("an eavesdropper drives QBER over the abort threshold within seconds and stops the pool", () => {
    const l = { ...buildLink({ aNodeId: "a", bNodeId: "b", lengthKm: 30, detectorErrorRate: 0.02, fill: 0.5 }), eavesdropper: true };
    const { trace } = run(l, 10, 0.5);
    const crossed = trace.findIndex((s) => s.qber > QBER_ABORT);
    expect(crossed).toBeGreaterThan(-1);
    expect(crossed * 0.5).toBeLessThan(4);
    expect(trace[trace.length - 1]!.qber).toBeGreaterThan(0.2);
    expect(trace[trace.length - 1]!.secretKeyRateBps).toBe(0);
    expect(trace[trace.length - 1]!.health).toBe("compromised");
  });

  it("is deterministic for a seed, and a severed link neither fills nor moves", () => {
    const l = buildLink({ aNodeId: "a", bNodeId: "b", lengthKm: 30, detectorErrorRate: 0.02, fill: 0.1 });
    expect(run(l, 20, 1, 3).link).toEqual(run(l, 20, 1, 3).link);
    expect(run(l, 20, 1, 3).link.qber).not.toBe(run(l, 20, 1, 4).link.qber);
    const down = { ...l, status: "DOWN" as const };
    expect(run(down, 20, 1).link).toMatchObject({ qber: l.qber, poolBits: l.poolBits });
  });

  it("a long catch-up step is as valid as many short ones (exact OU sampling, capped pool)", () => {
    const l = buildLink({ aNodeId: "a", bNodeId: "b", lengthKm: 60, detectorErrorRate: 0.025, fill: 0 });
    const long = stepLink(l, 3_600, new Prng(1));
    expect(long.poolBits).toBe(l.poolCapacityBits);
    expect(long.qber).toBeGreaterThan(0.01);
    expect(long.qber).toBeLessThan(0.04);
  });
});

describe("alarm hysteresis", () => {
  it("a link hovering around the warning threshold does not flap", () => {
    const l = buildLink({ aNodeId: "a", bNodeId: "b", lengthKm: 30, detectorErrorRate: 0.05 });
    const { trace } = run(l, 600, 1, 11);
    const crossings = trace.filter((s) => s.health !== s.previousHealth).length;
    const rawCrossings = trace.filter((s, i) => i > 0 && (s.qber > 0.05) !== (trace[i - 1]!.qber > 0.05)).length;
    expect(rawCrossings).toBeGreaterThan(20);
    expect(crossings).toBeLessThan(rawCrossings / 4);
  });

  it("clears an alarm only one point below the threshold it crossed", () => {
    expect(healthWithHysteresis("warning", "UP", 0.042)).toBe("warning");
    expect(healthWithHysteresis("warning", "UP", 0.039)).toBe("healthy");
    expect(healthWithHysteresis("healthy", "UP", 0.051)).toBe("warning");
    expect(healthWithHysteresis("compromised", "UP", 0.105)).toBe("compromised");
    expect(healthWithHysteresis("compromised", "UP", 0.095)).toBe("warning");
  });
});
