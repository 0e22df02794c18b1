/**
 * Runs once when a Next.js server starts: validates the environment and applies
 * pending migrations, so `next start` with a DATABASE_URL is enough on its own,
 * then starts the background workers.
 * A bad configuration or a failed migration stops the server with the reason,
 * rather than leaving it up to answer every request with an error.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { parseEnv } = await import("./server/config/env");
  try {
    const env = parseEnv();
    if (!env.DATABASE_URL) {
      throw new Error("DATABASE_URL is not set: start the console with `npm run demo`, which provides a database, or set DATABASE_URL");
    }
    const { migrate } = await import("./server/db/migrate");
    const r = await migrate(env.DATABASE_URL);
    if (r.applied.length) console.log(`Applied migrations: ${r.applied.join(", ")}`);
    // Checkpoint scheduler, SIEM forwarder: see server/runtime/background.ts.
    (await import("./server/runtime/background")).startBackgroundWorkers();
  } catch (err) {
    console.error(`QECNet cannot start: ${(err as Error).message}`);
    process.exit(2);
  }
}
