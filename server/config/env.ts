/**
 * Environment variables of the console, validated once at start-up. Each bad
 * variable gets its own line saying what is wrong and what is expected; values
 * are never echoed because QECNET_MASTER_KEY is a secret.
 */
import { isIP } from "node:net";
import path from "node:path";
import { z } from "zod";

const ZPostgresUrl = z
  .string()
  .refine((v) => /^postgres(ql)?:\/\/.+/.test(v), {
    message: "must be a PostgreSQL connection URL such as postgresql://user@127.0.0.1:5432/qecnet",
  });

export const ZEnvSchema = z.object({
  DATABASE_URL: ZPostgresUrl.optional(),
  QECNET_MASTER_KEY: z
    .string()
    .refine((v) => /^[0-9a-fA-F]{64}$/.test(v.trim()) || /^[A-Za-z0-9+/]{43}=?$/.test(v.trim()), {
      message: "must be 64 hex characters or base64 of exactly 32 bytes (a 256-bit key)",
    })
    .optional(),
  QECNET_DATA_DIR: z.string().min(1, "must be a folder path").optional(),
  PORT: z.coerce
    .number({ message: "must be a number" })
    .int("must be a whole number")
    .min(1, "must be between 1 and 65535")
    .max(65535, "must be between 1 and 65535")
    .default(3000),
  /**
   * A demonstration console: seeds the demo mesh on an empty database and allows the demo powers (the simulated
   * eavesdropper, the scripted scenario). Off unless asked for: `npm run demo` sets it; `npm start` never does.
   */
  QECNET_SEED_DEMO: z
    .enum(["true", "false"], { message: "must be true or false" })
    .default("false")
    .transform((v) => v === "true"),
  QECNET_EMBEDDED_PG_PORT: z.coerce
    .number({ message: "must be a number" })
    .int("must be a whole number")
    .min(1024, "must be between 1024 and 65535")
    .max(65535, "must be between 1024 and 65535")
    .default(54329),
  QECNET_SIMULATION: z
    .enum(["on", "off"], { message: "must be on or off" })
    .default("on"),
  /** The every-minute scheduled rotation sweep (server/rotation/rotation-sweep.ts); rotation jobs run either way. */
  QECNET_ROTATION_SWEEP: z
    .enum(["on", "off"], { message: "must be on or off" })
    .default("on"),
  QECNET_SIM_SPEED: z.coerce
    .number({ message: "must be a number" })
    .min(0.1, "must be between 0.1 and 3600 (simulated seconds per second)")
    .max(3600, "must be between 0.1 and 3600 (simulated seconds per second)")
    .default(1),
  QECNET_SIM_TICK_MS: z.coerce
    .number({ message: "must be a number" })
    .int("must be a whole number of milliseconds")
    .min(100, "must be between 100 and 60000 ms")
    .max(60_000, "must be between 100 and 60000 ms")
    .default(1000),
  QECNET_RECEIPT_TIMEOUT_MS: z.coerce
    .number({ message: "must be a number" })
    .int("must be a whole number of milliseconds")
    .min(50, "must be between 50 and 600000 ms")
    .max(600_000, "must be between 50 and 600000 ms")
    .default(2000),
  QECNET_AUDIT_SIGNING_KEY: z
    .string()
    .refine((v) => /^[0-9a-fA-F]{64}$/.test(v.trim()) || v.trim().startsWith("-----BEGIN PRIVATE KEY-----"), {
      message: "must be an Ed25519 private key as PKCS#8 PEM or its 32-byte seed as 64 hex characters",
    })
    .optional(),
  QECNET_AUDIT_CHECKPOINT_INTERVAL_S: z.coerce
    .number({ message: "must be a number of seconds" })
    .int("must be a whole number of seconds")
    .min(0, "must be 0 (off) or more seconds")
    .max(86_400, "must be at most 86400 (one day)")
    .default(60),
  QECNET_AUDIT_VERIFY_INTERVAL_S: z.coerce
    .number({ message: "must be a number of seconds" })
    .int("must be a whole number of seconds")
    .min(1, "must be at least 1 second")
    .max(3600, "must be at most 3600 (one hour)")
    .default(30),
  QECNET_AUDIT_FORWARD: z
    .string()
    .refine((v) => /^(tcp|syslog\+tcp|syslog\+udp):\/\/[^/:]+:\d{1,5}$/.test(v), {
      message: "must be tcp://host:port (JSON lines), syslog+tcp://host:port or syslog+udp://host:port (RFC 5424)",
    })
    .optional(),
  /**
   * The bearer token Prometheus sends to /api/metrics (its `authorization` setting) and probes may send to
   * /api/ready. Unset: /api/metrics refuses every scrape. Never logged.
   */
  QECNET_METRICS_TOKEN: z
    .string()
    .regex(/^[\x21-\x7e]{32,256}$/, "must be 32 to 256 printable characters without spaces (e.g. `openssl rand -hex 32`)")
    .optional(),
  /**
   * Reverse proxies whose X-Forwarded-For is believed, as a comma-separated list of IP addresses (IPv4 or IPv6).
   * Unset: none; the client address is the socket's peer and X-Forwarded-For is ignored.
   */
  QECNET_TRUSTED_PROXIES: z
    .string()
    .transform((v) => v.split(",").map((a) => a.trim()).filter((a) => a !== ""))
    .refine((list) => list.every((a) => isIP(a) !== 0), { message: "must be a comma-separated list of IP addresses, e.g. 10.0.0.5,::1" })
    .default([]),
  /** Approvers are told outside the console: a JSON POST here on every new approval request, vote and expiry. */
  QECNET_NOTIFY_WEBHOOK: z
    .url({ message: "must be an http:// or https:// URL that accepts a JSON POST" })
    .refine((v) => /^https?:\/\//.test(v), "must be an http:// or https:// URL that accepts a JSON POST")
    .optional(),
  /** Signs each notice (x-qecnet-signature: sha256=<HMAC-SHA256 of the body>). */
  QECNET_NOTIFY_WEBHOOK_SECRET: z.string().min(32, "must be at least 32 characters (e.g. `openssl rand -hex 32`)").optional(),
  /** Where node agents run: `in-process` (test double, the default for now) or `process` (agents dial the agent port). */
  QECNET_AGENTS: z.enum(["in-process", "process"], { message: "must be in-process or process" }).default("in-process"),
  /** The hub's agent listener (WSS + mTLS, path /agent/v1); used when QECNET_AGENTS=process. */
  QECNET_AGENT_PORT: z.coerce
    .number({ message: "must be a number" })
    .int("must be a whole number")
    .min(1, "must be between 1 and 65535")
    .max(65535, "must be between 1 and 65535")
    .default(7443),
  /** The agent listener's bind address (loopback unless sites dial in from elsewhere). */
  QECNET_AGENT_HOST: z.string().refine((v) => isIP(v) !== 0, { message: "must be an IP address, e.g. 127.0.0.1 or 0.0.0.0" }).default("127.0.0.1"),
  /** The Agent CA (PEM) that client certificates must chain to; default <data dir>/pki/agent-ca.crt. */
  QECNET_AGENT_CA: z.string().min(1, "must be a file path").optional(),
  /** The hub's server certificate and key for the agent port (PEM); default <data dir>/pki/hub.crt and hub.key. */
  QECNET_AGENT_HUB_CERT: z.string().min(1, "must be a file path").optional(),
  QECNET_AGENT_HUB_KEY: z.string().min(1, "must be a file path").optional(),
  /** How often agents send a heartbeat, and how many may be missed before the node goes OFFLINE. */
  QECNET_AGENT_HEARTBEAT_MS: z.coerce
    .number({ message: "must be a number" })
    .int("must be a whole number of milliseconds")
    .min(100, "must be between 100 and 60000 ms")
    .max(60_000, "must be between 100 and 60000 ms")
    .default(1000),
  QECNET_AGENT_MISSED_LIMIT: z.coerce
    .number({ message: "must be a number" })
    .int("must be a whole number")
    .min(1, "must be between 1 and 100")
    .max(100, "must be between 1 and 100")
    .default(3),
  /** How often a holder that has not confirmed a purge is sent it again, at most (KEY-DELIVERY.md §6.4). */
  QECNET_PURGE_RESEND_MS: z.coerce
    .number({ message: "must be a number" })
    .int("must be a whole number of milliseconds")
    .min(100, "must be between 100 and 3600000 ms")
    .max(3_600_000, "must be between 100 and 3600000 ms")
    .default(30_000),
  /** ETSI 014 key delivery (KEY-DELIVERY.md §5.1): the key pool of each application pair holds this many keys (max_key_count). */
  QECNET_KME_POOL_TARGET: z.coerce
    .number({ message: "must be a number" })
    .int("must be a whole number")
    .min(1, "must be between 1 and 100000")
    .max(100_000, "must be between 1 and 100000")
    .default(1000),
  /** The pool replenisher: `on` tops every pool up; `off` pauses it (pools drain; tests of exhaustion). */
  QECNET_KME_REFILL: z.enum(["on", "off"], { message: "must be on or off" }).default("on"),
  /** `npm run demo`: the first demo KME's port (ep-bank); the next demo site's KME takes the next port (server/demo/demo-saes.ts). */
  QECNET_KME_DEMO_PORT: z.coerce
    .number({ message: "must be a number" })
    .int("must be a whole number")
    .min(1, "must be between 1 and 65000")
    .max(65_000, "must be between 1 and 65000")
    .default(8443),
  QECNET_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], { message: "must be one of fatal, error, warn, info, debug, trace, silent" }).default("info"),
});

export type TEnv = z.infer<typeof ZEnvSchema> & { dataDir: string };

export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "EnvError";
  }
}

/** Parses an environment (default: process.env); throws EnvError listing every bad variable. */
export function parseEnv(source: Record<string, string | undefined> = process.env): TEnv {
  const picked = Object.fromEntries(
    Object.keys(ZEnvSchema.shape).map((k) => [k, source[k] === "" ? undefined : source[k]]),
  );
  const result = ZEnvSchema.safeParse(picked);
  if (!result.success) {
    throw new EnvError(
      result.error.issues.map((i) => `${i.path.join(".") || "environment"} ${i.message}`),
    );
  }
  const dataDir = path.resolve(result.data.QECNET_DATA_DIR ?? path.join(/* turbopackIgnore: true */ process.cwd(), ".data"));
  return { ...result.data, dataDir };
}

let cached: TEnv | undefined;
/** The validated environment of this process, parsed on first use. */
export function env(): TEnv {
  cached ??= parseEnv();
  return cached;
}

/** Tests that change process.env: the next env() parses it again. */
export function forgetEnv(): void {
  cached = undefined;
}
