/**
 * Sign-in events in the audit chain: each is a job of the transition runner
 * with no keys, so it is ordered in the chain like every other entry. Passwords
 * never reach this file; a failed sign-in records the email it was tried for.
 */
import type { JsonValue } from "../audit/types";
import type { TransitionRunner } from "../keys/transition-runner";

export type AuthAuditAction =
  | "USER_SIGNED_IN"
  | "USER_SIGN_IN_FAILED"
  | "USER_SIGNED_OUT"
  | "USER_SIGNED_OUT_EVERYWHERE"
  | "USER_SECOND_FACTOR_ENROLLED"
  | "USER_SECOND_FACTOR_PROVEN"
  | "USER_SECOND_FACTOR_FAILED"
  | "USER_PASSKEY_ADDED";

export function actorOf(email: string): string {
  return `user:${email}`;
}

export async function auditAuthEvent(
  runner: TransitionRunner,
  e: { action: AuthAuditAction; email: string; userId: string | null; details?: Record<string, JsonValue> },
): Promise<void> {
  const email = e.email.trim().toLowerCase().slice(0, 254);
  await runner.submit({
    keyIds: [],
    run: (ws) =>
      ws.audit({
        actor: e.action === "USER_SIGN_IN_FAILED" ? "anonymous" : actorOf(email),
        action: e.action,
        subjectType: "user",
        subjectId: e.userId ?? email,
        fromState: null,
        toState: null,
        details: { email, ...(e.details ?? {}) },
      }),
  });
}
