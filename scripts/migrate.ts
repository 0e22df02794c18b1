/** `npm run db:migrate`: applies pending migrations to DATABASE_URL (created when missing). */
import { parseEnv } from "../server/config/env";
import { ensureDatabase } from "../server/db/database-admin";
import { migrate } from "../server/db/migrate";

const env = parseEnv();
if (!env.DATABASE_URL) {
  console.error("Set DATABASE_URL to the database to migrate (npm run demo migrates its embedded database itself).");
  process.exit(2);
}
await ensureDatabase(env.DATABASE_URL);
const r = await migrate(env.DATABASE_URL);
console.log(`Applied ${r.applied.length} migration(s)${r.applied.length ? `: ${r.applied.join(", ")}` : ""}; ${r.alreadyApplied} already applied.`);
