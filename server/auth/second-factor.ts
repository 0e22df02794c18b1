/**
 * When the console asks for a second factor, decided without I/O: officers and
 * administrators on a console that is not a demo must have enrolled one (TOTP
 * with recovery codes) and proven it in this session; a vote, a role grant or a
 * policy change also needs the proof to be younger than STEP_UP_MAX_AGE_MS
 * (step-up). Time comes from the caller's injected clock.
 */
import type { Role } from "../domain/access/roles";

export const STEP_UP_MAX_AGE_MS = 5 * 60_000;

/** The roles that must hold a second factor: they revoke, destroy and grant roles. */
export const SECOND_FACTOR_ROLES: readonly Role[] = ["officer", "admin"];

export interface SecondFactorState {
  /** False on a demo console (QECNET_SEED_DEMO=true): nobody is asked. */
  required: boolean;
  /** The user confirmed a TOTP enrolment (better-auth's twoFactorEnabled). */
  enrolled: boolean;
  /** When this session last proved the second factor; null: never. */
  provenAt: Date | null;
}

export type SecondFactorVerdict =
  | { ok: true }
  | { ok: false; code: "SECOND_FACTOR_ENROLMENT_REQUIRED" | "SECOND_FACTOR_REQUIRED"; message: string };

export function needsSecondFactor(role: Role, state: SecondFactorState): boolean {
  return state.required && SECOND_FACTOR_ROLES.includes(role);
}

/**
 * `stepUp`: the action needs a fresh proof (younger than STEP_UP_MAX_AGE_MS at
 * `now`); otherwise any proof in this session will do.
 */
export function checkSecondFactor(role: Role, state: SecondFactorState, stepUp: boolean, now: Date): SecondFactorVerdict {
  if (!needsSecondFactor(role, state)) return { ok: true };
  if (!state.enrolled) {
    return { ok: false, code: "SECOND_FACTOR_ENROLMENT_REQUIRED", message: `As ${role === "admin" ? "an administrator" : "an officer"} you must enrol a second factor first: open "Sign-in security" (/account/security).` };
  }
  if (!state.provenAt) return { ok: false, code: "SECOND_FACTOR_REQUIRED", message: "This session has not proven your second factor; enter a code from your authenticator or use a passkey." };
  if (stepUp && now.getTime() - state.provenAt.getTime() > STEP_UP_MAX_AGE_MS) {
    return { ok: false, code: "SECOND_FACTOR_REQUIRED", message: "This action needs your second factor again (the last proof is older than 5 minutes): enter a code from your authenticator or use a passkey." };
  }
  return { ok: true };
}

/** Until when the current proof satisfies step-up (null: it does not). */
export function stepUpValidUntil(state: SecondFactorState): Date | null {
  return state.provenAt ? new Date(state.provenAt.getTime() + STEP_UP_MAX_AGE_MS) : null;
}
