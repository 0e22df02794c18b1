/**
 * Readiness: the database answers, every migration in prisma/migrations is
 * applied (and none failed), and every registered background worker reports
 * itself healthy. Each check says what it found, so an orchestrator's log
 * tells an operator what to fix.
 */
import type { Db } from "../db/client";
import { readMigrations } from "../db/migrate";
import { workerStatuses } from "../background/worker-status";

export interface ReadinessCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export async function checkReadiness(db: Db): Promise<{ ready: boolean; checks: ReadinessCheck[] }> {
  const checks: ReadinessCheck[] = [];
  let dbUp = false;
  try {
    await db.$queryRaw`SELECT 1`;
    dbUp = true;
    checks.push({ name: "database", ok: true, detail: "reachable" });
  } catch (err) {
    checks.push({ name: "database", ok: false, detail: `unreachable: ${(err as Error).message.split("\n")[0]}` });
  }
  if (dbUp) {
    try {
      const files = (await readMigrations()).map((m) => m.name);
      const rows = await db.$queryRaw<Array<{ migration_name: string; finished_at: Date | null; rolled_back_at: Date | null }>>`
        SELECT migration_name, finished_at, rolled_back_at FROM _prisma_migrations`;
      const applied = new Set(rows.filter((r) => r.finished_at && !r.rolled_back_at).map((r) => r.migration_name));
      const pending = files.filter((f) => !applied.has(f));
      checks.push(pending.length
        ? { name: "migrations", ok: false, detail: `not applied: ${pending.join(", ")}` }
        : { name: "migrations", ok: true, detail: `${files.length} applied` });
    } catch (err) {
      checks.push({ name: "migrations", ok: false, detail: `cannot read the migration history: ${(err as Error).message.split("\n")[0]}` });
    }
  }
  for (const w of workerStatuses()) checks.push({ name: `worker:${w.name}`, ok: w.ok, detail: w.detail });
  return { ready: checks.every((c) => c.ok), checks };
}
