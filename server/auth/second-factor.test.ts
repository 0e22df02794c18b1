/** The second-factor decision: who is asked, for what, and the 5-minute step-up window, at any date. */
import { describe, expect, it } from "vitest";
import { checkSecondFactor, STEP_UP_MAX_AGE_MS, stepUpValidUntil, type SecondFactorState } from "./second-factor";

const NOW = new Date("2031-03-04T05:06:07.000Z");
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const state = (s: Partial<SecondFactorState>): SecondFactorState => ({ required: true, enrolled: true, provenAt: ago(1000), ...s });

describe("second factor", () => {
  it.each([
    ["a viewer is never asked", "viewer", state({ enrolled: false, provenAt: null }), true, true],
    ["an analyst is never asked", "analyst", state({ enrolled: false, provenAt: null }), true, true],
    ["a demo console asks nobody", "officer", state({ required: false, enrolled: false, provenAt: null }), true, true],
    ["an officer with a fresh proof may vote", "officer", state({}), true, true],
    ["exactly 5 minutes is still fresh", "officer", state({ provenAt: ago(STEP_UP_MAX_AGE_MS) }), true, true],
    ["an admin with an old proof may read", "admin", state({ provenAt: ago(STEP_UP_MAX_AGE_MS + 1) }), false, true],
  ] as const)("%s", (_n, role, s, stepUp, ok) => {
    expect(checkSecondFactor(role, s, stepUp, NOW).ok).toBe(ok);
  });

  it("an officer without enrolment must enrol before anything", () => {
    expect(checkSecondFactor("officer", state({ enrolled: false, provenAt: null }), false, NOW)).toMatchObject({ ok: false, code: "SECOND_FACTOR_ENROLMENT_REQUIRED" });
  });

  it("a session that never proved the factor must prove it", () => {
    expect(checkSecondFactor("admin", state({ provenAt: null }), false, NOW)).toMatchObject({ ok: false, code: "SECOND_FACTOR_REQUIRED" });
  });

  it("a proof older than 5 minutes asks again (step-up) for a sensitive action only", () => {
    const s = state({ provenAt: ago(STEP_UP_MAX_AGE_MS + 1) });
    expect(checkSecondFactor("officer", s, true, NOW)).toMatchObject({ ok: false, code: "SECOND_FACTOR_REQUIRED" });
    expect(checkSecondFactor("officer", s, false, NOW)).toEqual({ ok: true });
  });

  it("says until when the proof counts", () => {
    expect(stepUpValidUntil(state({ provenAt: ago(0) }))).toEqual(new Date(NOW.getTime() + STEP_UP_MAX_AGE_MS));
    expect(stepUpValidUntil(state({ provenAt: null }))).toBeNull();
  });
});
