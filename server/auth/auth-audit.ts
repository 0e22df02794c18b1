/**
 * Sign-in events in the audit chain: each is a job of the transition runner
 * with no keys, so it is ordered in the chain like every other entry. Passwords
 * never reach this file; a failed sign-in records the email it was tried for.
 */
import type { JsonValue } from "../domain/audit/types";
import type { TransitionRunner } from "../commit/transition-runner";
import { toSafeText } from "../domain/validation/safe-text";

export type AuthAuditAction =
  | "USER_SIGNED_IN"
  | "USER_SIGN_IN_FAILED"
  /** Throttling engaged for an account (server/auth/sign-in-throttle.ts): further failures are summarised. */
  | "USER_SIGN_IN_THROTTLED"
  /** The failures of one account's throttling window, counted (not one entry each). */
  | "USER_SIGN_IN_FAILURES_SUMMARISED"
  | "USER_SIGNED_OUT"
  | "USER_SIGNED_OUT_EVERYWHERE"
  | "USER_SECOND_FACTOR_ENROLLED"
  | "USER_SECOND_FACTOR_PROVEN"
  | "USER_SECOND_FACTOR_FAILED"
  | "USER_PASSKEY_ADDED";

const ANONYMOUS_ACTIONS: ReadonlySet<AuthAuditAction> = new Set(["USER_SIGN_IN_FAILED", "USER_SIGN_IN_THROTTLED", "USER_SIGN_IN_FAILURES_SUMMARISED"]);

export function actorOf(email: string): string {
  return `user:${email}`;
}

export async function auditAuthEvent(
  runner: TransitionRunner,
  e: { action: AuthAuditAction; email: string; userId: string | null; details?: Record<string, JsonValue> },
): Promise<void> {
  // A failed sign-in records what was typed: PostgreSQL's jsonb refuses NUL, so control characters are replaced.
  const email = toSafeText(e.email.trim().toLowerCase().slice(0, 254));
  await runner.submit({
    keyIds: [],
    run: (ws) =>
      ws.audit({
        actor: ANONYMOUS_ACTIONS.has(e.action) ? "anonymous" : actorOf(email),
        action: e.action,
        subjectType: "user",
        subjectId: e.userId ?? email,
        fromState: null,
        toState: null,
        details: { email, ...(e.details ?? {}) },
      }),
  });
}
