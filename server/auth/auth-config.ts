/**
 * Sign-in settings from the environment, validated like server/config/env.ts
 * (each bad variable named, secrets never echoed). Kept apart from env.ts so
 * the sign-in feature is one folder.
 */
import { z } from "zod";

const ZRateLimit = z
  .string()
  .regex(/^\d{1,4}\/\d{1,5}$/, "must be <attempts>/<seconds>, e.g. 5/60")
  .transform((v) => {
    const [max, window] = v.split("/").map(Number) as [number, number];
    return { max, window };
  })
  .refine((r) => r.max >= 1 && r.window >= 1, "attempts and seconds must be at least 1");

export const ZAuthEnvSchema = z.object({
  /** The console's public origin. https:// makes cookies Secure (and __Secure- prefixed). */
  QECNET_PUBLIC_URL: z
    .url({ message: "must be the console's public URL, e.g. https://qecnet.example.org" })
    .refine((v) => /^https?:\/\//.test(v), "must start with http:// or https://")
    .optional(),
  /** Signs session cookies. Unset: generated once into <data>/auth.secret (mode 0600). */
  QECNET_AUTH_SECRET: z.string().min(32, "must be at least 32 characters (e.g. `openssl rand -hex 32`)").optional(),
  /** Sign-in attempts per client address and window; database-backed so every instance shares it. */
  QECNET_SIGNIN_RATE_LIMIT: ZRateLimit.default({ max: 5, window: 60 }),
  /**
   * Failed sign-ins per account (the email tried, whether or not it names a user) and window, from any address;
   * beyond it that account is refused (429) until the window ends, even with the right password.
   */
  QECNET_SIGNIN_ACCOUNT_LIMIT: ZRateLimit.default({ max: 10, window: 900 }),
  /** How long a session lives from sign-in (then sign in again). */
  QECNET_SESSION_HOURS: z.coerce.number({ message: "must be a number" }).int("must be a whole number").min(1, "at least 1").max(720, "at most 720 (30 days)").default(8),
});

export type TAuthEnv = z.infer<typeof ZAuthEnvSchema>;

export function parseAuthEnv(source: Record<string, string | undefined> = process.env): TAuthEnv {
  const picked = Object.fromEntries(Object.keys(ZAuthEnvSchema.shape).map((k) => [k, source[k] === "" ? undefined : source[k]]));
  const r = ZAuthEnvSchema.safeParse(picked);
  if (!r.success) {
    throw new Error(`Invalid sign-in configuration:\n${r.error.issues.map((i) => `  - ${i.path.join(".")} ${i.message}`).join("\n")}`);
  }
  return r.data;
}

/** The origin mutations must come from, when configured (else the request's own Host). */
export function publicOrigin(cfg: TAuthEnv): string | null {
  return cfg.QECNET_PUBLIC_URL ? new URL(cfg.QECNET_PUBLIC_URL).origin : null;
}
