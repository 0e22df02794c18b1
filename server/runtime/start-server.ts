/**
 * What a Next.js server process does once at start (instrumentation.ts calls
 * it in the Node.js runtime only): validates the environment and applies
 * pending migrations, so `next start` with a DATABASE_URL is enough on its own,
 * then starts the background work (approvals' duties, live events, mesh
 * simulation, resuming interrupted work; server/runtime/background.ts).
 * A bad configuration or a failed migration stops the server with the reason,
 * rather than leaving it up to answer every request with an error.
 */
export async function startServer(): Promise<void> {
  const { parseEnv } = await import("../config/env");
  try {
    const env = parseEnv();
    if (!env.DATABASE_URL) {
      throw new Error("DATABASE_URL is not set: start the console with `npm run demo`, which provides a database, or set DATABASE_URL");
    }
    const { migrate } = await import("../db/migrate");
    const r = await migrate(env.DATABASE_URL);
    if (r.applied.length) console.log(`Applied migrations: ${r.applied.join(", ")}`);
    // Sign-in settings are checked at start too (each bad one named).
    const { parseAuthEnv } = await import("../auth/auth-config");
    parseAuthEnv();
    const { startBackground } = await import("./background");
    await startBackground();
  } catch (err) {
    console.error(`QECNet cannot start: ${(err as Error).message}`);
    process.exit(2);
  }
}
