/**
 * Runs once when a Next.js server starts: validates the environment and applies
 * pending migrations, so `next start` with a DATABASE_URL is enough on its own.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { parseEnv } = await import("./server/config/env");
  const env = parseEnv();
  if (!env.DATABASE_URL) {
    console.error("DATABASE_URL is not set: start the console with `npm run demo`, which provides a database");
    return;
  }
  const { migrate } = await import("./server/db/migrate");
  const r = await migrate(env.DATABASE_URL);
  if (r.applied.length) console.log(`Applied migrations: ${r.applied.join(", ")}`);
}
