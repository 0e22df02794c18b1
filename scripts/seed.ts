/** `npm run db:seed`: seeds the demo mesh into DATABASE_URL when it is empty (migrating first). */
import { parseEnv } from "../server/config/env";
import { createPrismaClient } from "../server/db/client";
import { ensureDatabase } from "../server/db/database-admin";
import { migrate } from "../server/db/migrate";
import { isEmpty, seedDemo } from "../server/demo/demo-seed";
import { vaultFromEnvironment } from "../server/keys/key-vault";

const env = parseEnv();
if (!env.DATABASE_URL) {
  console.error("Set DATABASE_URL to the database to seed (npm run demo seeds its embedded database itself).");
  process.exit(2);
}
await ensureDatabase(env.DATABASE_URL);
await migrate(env.DATABASE_URL);
const db = createPrismaClient(env.DATABASE_URL, 4);
try {
  if (!(await isEmpty(db))) {
    console.log("The database already holds nodes or keys; nothing seeded.");
  } else {
    const r = await seedDemo(db, vaultFromEnvironment(env.QECNET_MASTER_KEY, env.dataDir));
    console.log(`Seeded ${r.nodes} nodes, ${r.links} links, ${r.keys} keys.`);
  }
} finally {
  await db.$disconnect();
}
