/**
 * The process-wide better-auth instance over the same pg pool and transition
 * runner as the rest of the server (kept across Next.js hot reloads).
 */
import { env } from "../config/env";
import { poolOf } from "../db/client";
import { services } from "./services";
import { createAuth, type Auth } from "../auth/auth";
import { parseAuthEnv } from "../auth/auth-config";
import { loadAuthSecret } from "../auth/auth-secret";

const g = globalThis as unknown as { __qecnetAuth?: Auth };

export function auth(): Auth {
  if (!g.__qecnetAuth) {
    const s = services();
    const config = parseAuthEnv();
    g.__qecnetAuth = createAuth({ pool: poolOf(s.db), runner: s.keys.runner, config, secret: loadAuthSecret(config.QECNET_AUTH_SECRET, env().dataDir) });
  }
  return g.__qecnetAuth;
}
