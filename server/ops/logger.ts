/**
 * Structured JSON logs (pino), one line per event, with a request id where
 * there is a request. Key material must never reach a log: the redaction list
 * censors every field that could hold it (key bytes, sealed material, seeds,
 * private keys, master and signing keys, credentials), at the top level and
 * one or two levels down, and the logger test proves it.
 */
import pino, { type DestinationStream, type Logger } from "pino";

export const REDACTED_FIELDS = [
  "key", "keyBytes", "material", "materialCiphertext", "materialNonce", "plaintext", "seed", "privateKey",
  "masterKey", "signingKey", "secret", "password", "token", "authorization", "cookie",
  "QECNET_MASTER_KEY", "QECNET_AUDIT_SIGNING_KEY",
] as const;

export const REDACT_PATHS = [
  ...REDACTED_FIELDS,
  ...REDACTED_FIELDS.map((f) => `*.${f}`),
  ...REDACTED_FIELDS.map((f) => `*.*.${f}`),
  "req.headers.authorization",
  "req.headers.cookie",
];

export function createLogger(opts: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: opts.level ?? process.env.QECNET_LOG_LEVEL ?? "info",
      base: { service: "qecnet-console" },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      formatters: { level: (label) => ({ level: label }) },
    },
    opts.destination,
  );
}

const g = globalThis as unknown as { __qecnetLogger?: Logger };

/** The process-wide logger. */
export function logger(): Logger {
  g.__qecnetLogger ??= createLogger();
  return g.__qecnetLogger;
}
