/**
 * better-auth hooks for the second factor, kept apart from auth.ts:
 * - before: "remember this device" is refused (every sign-in proves the factor),
 *   and adding a passkey or new recovery codes needs a fresh proof (a stolen
 *   password plus an old session cannot plant a factor);
 * - a passkey is the second step after the password (or a step-up of a signed-in
 *   session), never a sign-in on its own: the password step's two-factor
 *   challenge must name the passkey's owner;
 * - after: a successful proof stamps the session's second_factor_at with the
 *   injected clock (the step-up check reads it) and is audited; failures are
 *   audited too. Enrolling ends the user's other (unproven) sessions. Codes, secrets and recovery codes never reach the audit or logs.
 */
import { APIError, getSessionFromCtx, isAPIError } from "better-auth/api";
import type pg from "pg";
import type { auditAuthEvent } from "./auth-audit";
import { STEP_UP_MAX_AGE_MS } from "./second-factor";

/** The calls that prove the second factor (rate-limited in auth.ts). */
export const SECOND_FACTOR_PROOF_PATHS = ["/two-factor/verify-totp", "/two-factor/verify-backup-code", "/passkey/verify-authentication"] as const;
const METHOD_OF: Record<string, string> = {
  "/two-factor/verify-totp": "totp",
  "/two-factor/verify-backup-code": "recovery-code",
  "/passkey/verify-authentication": "passkey",
};
/** Adding or renewing a factor needs a proof younger than the step-up window. */
const FRESH_PROOF_PATHS = new Set(["/passkey/generate-register-options", "/two-factor/generate-backup-codes", "/passkey/delete-passkey"]);
const TWO_FACTOR_COOKIE = "two_factor";

type Audit = (e: Parameters<typeof auditAuthEvent>[1]) => Promise<void>;
type HookCtx = Parameters<typeof getSessionFromCtx>[0];
type SessionWithProof = { session: { token: string; secondFactorAt?: Date | string | null }; user: { id: string; email: string; twoFactorEnabled?: boolean | null } };

export async function refuseUnsafeSecondFactorCalls(ctx: HookCtx, clock: () => Date): Promise<void> {
  const path = ctx.path ?? "";
  if (METHOD_OF[path] && (ctx.body as { trustDevice?: unknown } | undefined)?.trustDevice) {
    throw new APIError("BAD_REQUEST", { message: "This console does not remember devices: every sign-in asks for the second factor." });
  }
  if (!FRESH_PROOF_PATHS.has(path)) return;
  const s = (await getSessionFromCtx(ctx).catch(() => null)) as SessionWithProof | null;
  if (!s) return; // the endpoint itself answers 401
  if (!s.user.twoFactorEnabled) {
    throw new APIError("FORBIDDEN", { message: "Enrol an authenticator app (TOTP) with recovery codes first; passkeys come in addition." });
  }
  const at = s.session.secondFactorAt ? new Date(s.session.secondFactorAt).getTime() : null;
  if (at === null || clock().getTime() - at > STEP_UP_MAX_AGE_MS) {
    throw new APIError("FORBIDDEN", { message: "Prove your second factor again (the last proof is older than 5 minutes) before changing your factors." });
  }
}

/**
 * The passkey plugin's afterVerification: the owner of the credential must be
 * the signed-in user (step-up) or the user whose password step left the
 * two-factor challenge (sign-in), which is then used up.
 */
export async function passkeyIsSecondStep(ctx: HookCtx, credentialId: string, pool: pg.Pool): Promise<void> {
  const { rows } = await pool.query<{ user_id: string }>("SELECT user_id FROM user_passkeys WHERE credential_id = $1", [credentialId]);
  const owner = rows[0]?.user_id;
  const refuse = () => {
    throw new APIError("UNAUTHORIZED", { message: "A passkey is the second step: sign in with your email and password first." });
  };
  if (!owner) return refuse();
  const s = await getSessionFromCtx(ctx).catch(() => null);
  if (s) {
    if (s.user.id !== owner) refuse();
    return;
  }
  const cookie = ctx.context.createAuthCookie(TWO_FACTOR_COOKIE);
  const challenge = await ctx.getSignedCookie(cookie.name, ctx.context.secret);
  if (!challenge) return refuse();
  const consumed = await ctx.context.internalAdapter.consumeVerificationValue(challenge).catch(() => null);
  if (!consumed || consumed.value !== owner) return refuse();
  ctx.setCookie(cookie.name, "", { ...cookie.attributes, maxAge: 0 });
}

async function failedProver(ctx: HookCtx, challenge: string | null, pool: pg.Pool): Promise<{ id: string; email: string } | null> {
  const s = await getSessionFromCtx(ctx).catch(() => null);
  if (s) return { id: s.user.id, email: s.user.email };
  if (!challenge) return null;
  const v = await ctx.context.internalAdapter.findVerificationValue(challenge).catch(() => null);
  if (!v) return null;
  const { rows } = await pool.query<{ id: string; email: string }>("SELECT id, email FROM users WHERE id = $1", [v.value]);
  return rows[0] ?? null;
}

interface ProofReturned {
  token?: string;
  session?: { token: string };
  user?: { id: string; email: string; twoFactorEnabled?: boolean | null };
}

/** After a proof call: stamp the session, end the one it replaced (passkey step-up), audit the outcome. */
export async function recordSecondFactorOutcome(ctx: HookCtx, deps: { pool: pg.Pool; clock: () => Date; audit: Audit }): Promise<void> {
  const path = ctx.path ?? "";
  const returned = (ctx.context as { returned?: unknown }).returned;
  if (path === "/passkey/verify-registration" && returned && !isAPIError(returned)) {
    const s = await getSessionFromCtx(ctx).catch(() => null);
    if (s) await deps.audit({ action: "USER_PASSKEY_ADDED", email: s.user.email, userId: s.user.id });
    return;
  }
  const method = METHOD_OF[path];
  if (!method) return;
  const challenge = await ctx.getSignedCookie(ctx.context.createAuthCookie(TWO_FACTOR_COOKIE).name, ctx.context.secret);
  const hadChallenge = Boolean(challenge);
  if (isAPIError(returned) || !returned) {
    // Only attributable failures are audited (a session, or a password step's signed challenge):
    // anonymous noise must not be able to fill the chain.
    const who = await failedProver(ctx, challenge || null, deps.pool);
    if (!who) return;
    await deps.audit({
      action: "USER_SECOND_FACTOR_FAILED", email: who.email, userId: who.id,
      details: { method, during: hadChallenge ? "sign-in" : "step-up", status: isAPIError(returned) ? returned.statusCode : 0 },
    });
    return;
  }
  const r = returned as ProofReturned;
  const token = ctx.context.newSession?.session.token ?? r.session?.token ?? r.token;
  const user = r.user;
  if (!token || !user) return;
  await deps.pool.query("UPDATE user_sessions SET second_factor_at = $1 WHERE token = $2", [deps.clock(), token]);
  const previous = await ctx.getSignedCookie(ctx.context.authCookies.sessionToken.name, ctx.context.secret);
  // A passkey proof opens a fresh session; the one it stepped up from must not live on unproven.
  if (previous && previous !== token) await deps.pool.query("DELETE FROM user_sessions WHERE token = $1", [previous]);
  const action = hadChallenge ? "USER_SIGNED_IN" : user.twoFactorEnabled === false ? "USER_SECOND_FACTOR_ENROLLED" : "USER_SECOND_FACTOR_PROVEN";
  // Sessions opened before the enrolment never proved the factor: they end with it.
  if (action === "USER_SECOND_FACTOR_ENROLLED") await deps.pool.query("DELETE FROM user_sessions WHERE user_id = $1 AND token <> $2", [user.id, token]);
  await deps.audit({ action, email: user.email, userId: user.id, details: { secondFactor: method } });
}
