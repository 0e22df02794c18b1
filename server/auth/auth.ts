/**
 * Sign-in with better-auth: email + password (its scrypt hashing), sessions
 * in PostgreSQL (tables from our own migration, snake_case names mapped here),
 * database-backed rate limiting of sign-in attempts so that every server
 * instance counts together (per client address, taken from the socket by the
 * console's HTTP server, never from a client's X-Forwarded-For; and per
 * account, server/auth/sign-in-throttle.ts), no self sign-up (administrators create users).
 * Cookies are HttpOnly and SameSite=Lax, Secure when QECNET_PUBLIC_URL is
 * https. Sign-ins and sign-outs are written to the audit chain; failures are counted
 * in metrics and summarised in the chain (a few entries per account and window).
 *
 * Second factor (server/auth/second-factor-hooks.ts): better-auth's two-factor
 * plugin (TOTP, recovery codes; "remember this device" refused) and passkeys
 * (@better-auth/passkey) as the phishing-resistant second step, never as a
 * sign-in on their own. Each proof stamps the session's second_factor_at, which
 * the step-up check reads.
 */
import { randomUUID } from "node:crypto";
import { passkey } from "@better-auth/passkey";
import { betterAuth } from "better-auth";
import { twoFactor } from "better-auth/plugins/two-factor";
import { APIError, createAuthMiddleware, getSessionFromCtx, isAPIError } from "better-auth/api";
import type pg from "pg";
import type { TransitionRunner } from "../commit/transition-runner";
import { metrics, type QecnetMetrics } from "../ops/metrics";
import { toSafeText } from "../domain/validation/safe-text";
import { auditAuthEvent } from "./auth-audit";
import { CLIENT_IP_HEADER } from "./client-address";
import { SignInThrottle, type ThrottleWindow } from "./sign-in-throttle";
import { addressedOrigin } from "../domain/access/csrf";
import type { TAuthEnv } from "./auth-config";
import { passkeyIsSecondStep, refuseUnsafeSecondFactorCalls, recordSecondFactorOutcome, SECOND_FACTOR_PROOF_PATHS } from "./second-factor-hooks";

export const MIN_PASSWORD_LENGTH = 12;
export const COOKIE_PREFIX = "qecnet";
/** Set on a 429 refused per account, so the route can count per-address refusals (better-auth's own) apart. */
export const THROTTLE_SCOPE_HEADER = "x-qecnet-throttled";

export interface AuthDeps {
  pool: pg.Pool;
  runner: TransitionRunner;
  config: TAuthEnv;
  secret: string;
  /** The clock of throttling windows (default: the runner's, the one injected clock). */
  clock?: () => Date;
  /** Counts sign-in failures and throttling (default: the process-wide metrics). */
  metrics?: Pick<QecnetMetrics, "signInFailures" | "signInThrottled">;
}

const emailOf = (body: unknown): string => {
  const e = (body as { email?: unknown } | undefined)?.email;
  return typeof e === "string" ? toSafeText(e.trim().toLowerCase().slice(0, 254)) : "";
};

const ts = { createdAt: "created_at", updatedAt: "updated_at" } as const;

export function createAuth({ pool, runner, config, secret, clock = runner.clock, metrics: m = metrics() }: AuthDeps) {
  const throttle = new SignInThrottle(pool, config.QECNET_SIGNIN_ACCOUNT_LIMIT, clock);
  const windowSeconds = throttle.windowSeconds;
  const summarise = (email: string, w: ThrottleWindow) =>
    audit({ action: "USER_SIGN_IN_FAILURES_SUMMARISED", email, userId: null, details: { failures: w.count, windowStart: w.windowStart.toISOString(), windowSeconds } });
  const secure = config.QECNET_PUBLIC_URL?.startsWith("https://") ?? false;
  const audit = (e: Parameters<typeof auditAuthEvent>[1]) =>
    auditAuthEvent(runner, e).catch((err: unknown) => {
      // A sign-in must not succeed silently when its audit entry cannot be written.
      console.error(JSON.stringify({ level: "error", msg: "sign-in audit entry not written", action: e.action, error: (err as Error).name }));
      throw err;
    });

  const sf = { pool, clock, audit };
  return betterAuth({
    appName: "QECNet",
    database: pool,
    secret,
    baseURL: config.QECNET_PUBLIC_URL,
    // Without a public URL, the origin the browser addressed is the trusted one (its Origin must match it).
    trustedOrigins: config.QECNET_PUBLIC_URL ? [new URL(config.QECNET_PUBLIC_URL).origin] : (req) => (req ? [addressedOrigin(req)] : []),
    basePath: "/api/auth",
    telemetry: { enabled: false },
    logger: { level: "error" },
    onAPIError: {
      // better-auth would log every refusal (wrong password, throttled) as an error: those are counted in
      // qecnet_signin_failures_total / qecnet_signin_throttled_total and summarised in the audit chain instead,
      // so a flood of guesses does not flood the log either. Server-side faults are still logged.
      onError: (e) => {
        if (isAPIError(e) && e.statusCode < 500) return;
        const message = e instanceof Error ? e.message : String(e);
        console.error(JSON.stringify({ level: "error", msg: "sign-in endpoint error", error: e instanceof Error ? e.name : "unknown", message: message.slice(0, 200) }));
      },
    },
    emailAndPassword: {
      enabled: true,
      disableSignUp: true,
      minPasswordLength: MIN_PASSWORD_LENGTH,
      maxPasswordLength: 128,
    },
    user: {
      modelName: "users",
      fields: { emailVerified: "email_verified", ...ts },
      additionalFields: {
        role: { type: "string", required: false, defaultValue: "viewer", input: false },
        disabledAt: { type: "date", required: false, input: false, fieldName: "disabled_at" },
      },
      changeEmail: { enabled: false },
      deleteUser: { enabled: false },
    },
    session: {
      modelName: "user_sessions",
      fields: { expiresAt: "expires_at", ipAddress: "ip_address", userAgent: "user_agent", userId: "user_id", ...ts },
      // A fixed lifetime from sign-in: session checks happen server-side (proxy, tRPC), where a
      // refreshed cookie could not reach the browser, so the cookie and the row must expire together.
      expiresIn: config.QECNET_SESSION_HOURS * 3600,
      disableSessionRefresh: true,
      // No cookie cache: a revoked session or a changed role counts on the next request.
      cookieCache: { enabled: false },
      additionalFields: {
        secondFactorAt: { type: "date", required: false, input: false, fieldName: "second_factor_at" },
      },
    },
    plugins: [
      twoFactor({
        issuer: "QECNet",
        // Recovery codes are stored encrypted (the default) and shown once, at enrolment or regeneration.
        backupCodeOptions: { amount: 10, length: 10 },
        schema: {
          user: { fields: { twoFactorEnabled: "two_factor_enabled" } },
          twoFactor: {
            modelName: "user_two_factors",
            fields: { userId: "user_id", backupCodes: "backup_codes", failedVerificationCount: "failed_verification_count", lockedUntil: "locked_until" },
          },
        },
      }),
      passkey({
        rpName: "QECNet",
        rpID: config.QECNET_PUBLIC_URL ? new URL(config.QECNET_PUBLIC_URL).hostname : "localhost",
        ...(config.QECNET_PUBLIC_URL ? { origin: new URL(config.QECNET_PUBLIC_URL).origin } : {}),
        authenticatorSelection: { userVerification: "preferred" },
        authentication: { afterVerification: ({ ctx, verification }) => passkeyIsSecondStep(ctx, verification.authenticationInfo.credentialID, pool) },
        schema: {
          passkey: {
            modelName: "user_passkeys",
            fields: { userId: "user_id", publicKey: "public_key", credentialID: "credential_id", deviceType: "device_type", backedUp: "backed_up", createdAt: "created_at" },
          },
        },
      }),
    ],
    // Paths that would show a TOTP secret again, turn the factor off, or send codes we never configured.
    disabledPaths: ["/two-factor/get-totp-uri", "/two-factor/disable", "/two-factor/send-otp", "/two-factor/verify-otp"],
    account: {
      modelName: "user_accounts",
      fields: {
        accountId: "account_id", providerId: "provider_id", userId: "user_id", accessToken: "access_token",
        refreshToken: "refresh_token", idToken: "id_token", accessTokenExpiresAt: "access_token_expires_at",
        refreshTokenExpiresAt: "refresh_token_expires_at", ...ts,
      },
    },
    verification: { modelName: "auth_verifications", fields: { expiresAt: "expires_at", ...ts } },
    rateLimit: {
      enabled: true,
      storage: "database",
      modelName: "auth_rate_limits",
      fields: { lastRequest: "last_request" },
      window: 60,
      max: 300,
      customRules: {
        "/sign-in/email": { window: config.QECNET_SIGNIN_RATE_LIMIT.window, max: config.QECNET_SIGNIN_RATE_LIMIT.max },
        // The page gate (proxy.ts) asks for the session on every navigation, from the server itself: limiting
        // it would sign busy wall screens out. It answers only to a valid session cookie and changes nothing.
        "/get-session": false,
        // Guessing a 6-digit code must be slow, also for a signed-in session (step-up).
        ...Object.fromEntries(SECOND_FACTOR_PROOF_PATHS.map((p) => [p, { window: 60, max: 10 }])),
      },
    },
    advanced: {
      // The client address is the one the console's HTTP server stamped from the socket (server/auth/client-address.ts);
      // X-Forwarded-For is never read here. Unstamped requests share one bucket (fail closed).
      ipAddress: { ipAddressHeaders: [CLIENT_IP_HEADER] },
      useSecureCookies: secure,
      cookiePrefix: COOKIE_PREFIX,
      defaultCookieAttributes: { httpOnly: true, sameSite: "lax", secure },
      database: { generateId: () => randomUUID() },
    },
    databaseHooks: {
      session: {
        create: {
          // A disabled user cannot start a session, whatever the password.
          before: async (session) => {
            const { rows } = await pool.query<{ disabled_at: Date | null }>("SELECT disabled_at FROM users WHERE id = $1", [session.userId]);
            if (!rows[0] || rows[0].disabled_at) throw new APIError("FORBIDDEN", { message: "This account is disabled." });
          },
        },
      },
    },
    hooks: {
      before: createAuthMiddleware(async (ctx) => {
        await refuseUnsafeSecondFactorCalls(ctx, clock);
        if (ctx.path === "/sign-in/email") {
          // Per account, from any address: a distributed guess at one account is refused too (even the right password).
          const wait = await throttle.retryAfter(emailOf(ctx.body));
          if (wait > 0) {
            m.signInThrottled.inc({ scope: "account" });
            await throttle.recordFailure(emailOf(ctx.body)); // in the window's count, so its summary counts every attempt
            throw new APIError("TOO_MANY_REQUESTS", { message: `Too many failed sign-ins for this account: try again in ${wait} s.` }, { "retry-after": String(wait), [THROTTLE_SCOPE_HEADER]: "account" });
          }
          return;
        }
        if (ctx.path !== "/sign-out") return;
        const s = await getSessionFromCtx(ctx).catch(() => null);
        if (s) await audit({ action: "USER_SIGNED_OUT", email: s.user.email, userId: s.user.id });
      }),
      after: createAuthMiddleware(async (ctx) => {
        await recordSecondFactorOutcome(ctx, sf);
        if (ctx.path !== "/sign-in/email") return;
        const email = emailOf(ctx.body);
        const created = ctx.context.newSession;
        // An enrolled user's password step opens no session (the two-factor plugin ends it); the second step is the sign-in.
        if (created && (created.user as { twoFactorEnabled?: boolean | null }).twoFactorEnabled) return;
        if (created) {
          const ended = await throttle.reset(email);
          if (ended) await summarise(email, ended);
          await audit({ action: "USER_SIGNED_IN", email: created.user.email, userId: created.user.id, details: { sessionExpiresAt: created.session.expiresAt.toISOString() } });
        } else if (isAPIError(ctx.context.returned) && ctx.context.returned.statusCode !== 429) {
          const err = ctx.context.returned;
          m.signInFailures.inc();
          const f = await throttle.recordFailure(email);
          if (f.endedWindow) await summarise(email, f.endedWindow);
          // The chain records the first failure of a window and the moment throttling engages; the rest are summarised.
          if (f.count === 1) await audit({ action: "USER_SIGN_IN_FAILED", email, userId: null, details: { status: err.statusCode, reason: err.message.slice(0, 120) } });
          if (f.count === throttle.max) await audit({ action: "USER_SIGN_IN_THROTTLED", email, userId: null, details: { failures: f.count, windowStart: f.windowStart.toISOString(), windowSeconds } });
        }
      }),
    },
  });
}

export type Auth = ReturnType<typeof createAuth>;
