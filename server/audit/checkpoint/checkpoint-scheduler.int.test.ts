/**
 * The scheduler as a background worker: it publishes on start and every
 * interval, reports through the workers registry, and a tampered new entry
 * raises the integrity alarm (logged, gauge, worker detail) without signing.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createLogger } from "../../ops/logger";
import { metrics } from "../../ops/metrics";
import { workerStatuses } from "../../background/worker-status";
import { testCheckpointService } from "../../testing/checkpoint-fixtures";
import { ACTOR, createNodes, testKeyService } from "../../testing/fixtures";
import { createTestDatabase, type TestDatabase } from "../../testing/test-database";
import { startCheckpointScheduler } from "./checkpoint-scheduler";

let t: TestDatabase;
const status = () => workerStatuses().find((w) => w.name === "audit-checkpoints");
async function until(cond: () => boolean | Promise<boolean>) {
  for (let i = 0; i < 100; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("condition not reached in 5 s");
}

beforeAll(async () => {
  t = await createTestDatabase(inject("adminUrl"), "cpsched");
  await createNodes(t.db);
});
afterAll(async () => t?.dispose());

describe("checkpoint scheduler", () => {
  it("publishes, reports itself, and raises the integrity alarm on a tampered new entry", async () => {
    const keys = testKeyService(t.db);
    await keys.create({ label: "s-1", purpose: "sched", policy: "standard", participants: ["node-a"] }, ACTOR);
    const svc = testCheckpointService(t.db);
    const lines: string[] = [];
    const log = createLogger({ level: "info", destination: { write: (s: string) => void lines.push(s) } });
    const stop = startCheckpointScheduler(svc, 1, log);
    try {
      await until(async () => (await t.db.auditCheckpoint.count()) === 1);
      await until(() => Boolean(status()?.lastSuccessAt));
      expect(status()).toMatchObject({ ok: true, detail: expect.stringMatching(/^checkpoint 1, checked /) });

      await keys.create({ label: "s-2", purpose: "sched", policy: "standard", participants: ["node-a"] }, ACTOR);
      const attacker = new pg.Client({ connectionString: t.url });
      await attacker.connect();
      await attacker.query("SET session_replication_role = replica");
      await attacker.query("UPDATE audit_entries SET actor = 'mallory' WHERE seq = 2");
      await attacker.end();
      await until(() => /ALARM/.test(status()?.detail ?? ""));
      expect(status()).toMatchObject({ ok: true, detail: expect.stringMatching(/^ALARM, no checkpoint signed: No checkpoint published: Entry #2: stored hash/) });
      expect(await t.db.auditCheckpoint.count()).toBe(1);
      expect(lines.join("")).toMatch(/"alarm":"AUDIT_TAMPERED"/);
      expect(await metrics().registry.getSingleMetricAsString("qecnet_audit_integrity_alarm")).toMatch(/qecnet_audit_integrity_alarm 1$/m);
    } finally {
      stop();
    }
    expect(status()).toBeUndefined();
  });
});
