/**
 * Issue 12, finding 10, reproduced: a log of 300 entries with checkpoints at
 * #120, #240 and #300; a superuser disables the append-only trigger, edits
 * entry #150, deletes entry #250 and re-enables the trigger; the console
 * "restarts" (new services on the same database, key and checkpoint file).
 *
 * Before the fix: the restarted publisher resumed from its stored subtrees,
 * signed more checkpoints, the alarm stayed 0, readiness said ready, both
 * verifiers reported #150 only, and a range export #200–#300 was blamed on
 * #200–#240. Now: the start-up verification raises the alarm naming both,
 * the gauge is 1, readiness fails, the publisher refuses, both verifiers
 * report both breaks, and the range verification names only #250 in range.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createNodes, testKeyService } from "../../testing/fixtures";
import { testCheckpointService } from "../../testing/checkpoint-fixtures";
import { createTestDatabase, type TestDatabase } from "../../testing/test-database";
import { metrics } from "../../ops/metrics";
import { checkReadiness } from "../../runtime/readiness";
import { verifyStoredChain } from "../audit-log";
import type { CheckpointService } from "../checkpoint/checkpoint-service";
import { auditExport } from "../export/export-service";
import { parseCheckpointFile, verifyExport } from "../offline/verify-export";
import type { KeyService } from "../../keys/key-service";
import { IntegrityMonitor } from "./integrity-monitor";
import { startIntegrityMonitor } from "./integrity-worker";
import { readFileSync } from "node:fs";

let t: TestDatabase;
let dataDir: string;
let keys: KeyService;

async function append(n: number, label: string): Promise<void> {
  for (let i = 0; i < n; i += 10) {
    await keys.runner.submit({
      keyIds: [],
      run: (ws) => {
        for (let j = i; j < Math.min(n, i + 10); j++) {
          ws.audit({ actor: "system:test", action: "TEST_EVENT", subjectType: "test", subjectId: `${label}-${j}`, fromState: null, toState: null, details: { j } });
        }
      },
    });
  }
}

async function headSeq(): Promise<number> {
  return Number((await t.db.auditHead.findUniqueOrThrow({ where: { id: 1 } })).seq);
}

/** Appends until the head is exactly `seq`, then publishes a checkpoint there. */
async function checkpointAt(svc: CheckpointService, seq: number): Promise<void> {
  await append(seq - (await headSeq()), `to-${seq}`);
  expect(await headSeq()).toBe(seq);
  expect((await svc.publish()).checkpoint?.treeSize).toBe(String(seq));
}

const kinds = (failures: ReadonlyArray<{ kind: string; seq: bigint | null }>) => failures.map((f) => `${f.kind}@${f.seq}`);

async function exportLines(svc: CheckpointService, from?: bigint, to?: bigint): Promise<string[]> {
  const out = await auditExport(t.db, svc, { from, to, format: "jsonl" });
  let text = "";
  for await (const chunk of out.body) text += chunk;
  return text.split("\n").filter((l) => l.length > 0);
}

beforeAll(async () => {
  t = await createTestDatabase(inject("adminUrl"), "integrity");
  await createNodes(t.db);
  keys = testKeyService(t.db);
  dataDir = mkdtempSync(join(tmpdir(), "qecnet-integrity-"));
  const before = testCheckpointService(t.db, { dataDir });
  for (const size of [120, 240, 300]) await checkpointAt(before, size);

  // The attacker: a superuser with the append-only trigger disabled, then re-enabled.
  const attacker = new pg.Client({ connectionString: t.url });
  await attacker.connect();
  await attacker.query("ALTER TABLE audit_entries DISABLE TRIGGER USER");
  await attacker.query(`UPDATE audit_entries SET details = '{"j": 999}'::jsonb WHERE seq = 150`);
  await attacker.query("DELETE FROM audit_entries WHERE seq = 250");
  await attacker.query("ALTER TABLE audit_entries ENABLE TRIGGER USER");
  await attacker.end();
});
afterAll(async () => t?.dispose());

describe("tampering is noticed at start, without anyone pressing a button (issue 12 finding 10)", () => {
  it("the integrity monitor at start reports the edit AND the deletion, and holds everything it should", async () => {
    const svc = testCheckpointService(t.db, { dataDir }); // the restarted process: same key, same checkpoint file
    const monitor = new IntegrityMonitor(t.db, svc, { clock: () => new Date("2026-12-05T12:00:00Z"), pageSize: 64 });
    const stop = startIntegrityMonitor(monitor, svc, pino({ level: "silent" }), 3_600_000);
    try {
      await expect.poll(() => monitor.status().state, { timeout: 10_000 }).toBe("alarm");
      const s = monitor.status();
      expect(kinds(s.failures)).toContain("ENTRY_HASH_MISMATCH@150");
      expect(kinds(s.failures)).toContain("SEQUENCE_GAP@250");
      expect(s.alarm).toMatch(/#150.*#250/);

      // The gauge rises.
      const scraped = await metrics().scrape();
      expect(scraped).toMatch(/^qecnet_audit_integrity_alarm 1$/m);
      // /api/ready says so.
      const ready = await checkReadiness(t.db);
      expect(ready.ready).toBe(false);
      expect(ready.checks.find((c) => c.name === "worker:audit-integrity")).toMatchObject({ ok: false, detail: expect.stringMatching(/ALARM.*#150.*#250/) });
      // The publisher refuses to sign, even with new entries to cover.
      await append(3, "after");
      await expect(svc.publish()).rejects.toMatchObject({ code: "AUDIT_TAMPERED" });
      expect(await svc.latest()).toMatchObject({ treeSize: "300" });

      // A later round (the background re-verification) keeps finding both.
      const again = await monitor.round();
      expect(kinds(again.failures)).toEqual(expect.arrayContaining(["ENTRY_HASH_MISMATCH@150", "SEQUENCE_GAP@250"]));
    } finally {
      stop();
    }
    expect(await metrics().scrape()).toMatch(/^qecnet_audit_integrity_alarm 1$/m); // until the cause is gone, not by stopping
  });

  it("reports the same with and without the fast lane (whole walk, and small slices with a budget)", async () => {
    const svc = testCheckpointService(t.db, { dataDir });
    const clock = () => new Date("2026-12-05T12:00:00Z");
    const both = await Promise.all([true, false].map(async (fastLane) => {
      const whole = await new IntegrityMonitor(t.db, svc, { clock, pageSize: 64, fastLane }).verifyAll();
      const sliced = new IntegrityMonitor(t.db, svc, { clock, pageSize: 16, sweepBudget: 40, pauseMs: 0, fastLane });
      let s = await sliced.verifyAll();
      for (let round = 0; round < 30; round++) {
        s = await sliced.round();
        if (s.sweepAt === null) break; // the re-verification reached the head
      }
      return { whole: { ...whole, lastCompleteAt: null }, sliced: kinds(s.failures) };
    }));
    expect(both[0]).toEqual(both[1]);
    expect(kinds(both[0]!.whole.failures)).toEqual(expect.arrayContaining(["ENTRY_HASH_MISMATCH@150", "SEQUENCE_GAP@250"]));
  });

  it("the console's verifier reports both breaks", async () => {
    const svc = testCheckpointService(t.db, { dataDir });
    const { anchors } = await svc.trustedAnchors();
    const r = await verifyStoredChain(t.db, { anchors });
    expect(r.result.ok).toBe(false);
    if (r.result.ok) return;
    expect(kinds(r.result.failures)).toEqual(["ENTRY_HASH_MISMATCH@150", "SEQUENCE_GAP@250"]);
  });

  it("the offline verifier reports both breaks in a whole export, and reading an export publishes nothing", async () => {
    const svc = testCheckpointService(t.db, { dataDir });
    const lines = await exportLines(svc, 1n, 300n);
    expect(await svc.latest()).toMatchObject({ treeSize: "300" });
    const published = parseCheckpointFile(readFileSync(svc.file.path, "utf8"), "checkpoints.jsonl");
    const r = await verifyExport(lines, { publicKey: svc.key.publicKey, checkpoints: published });
    expect(r.ok).toBe(false);
    expect(kinds(r.failures)).toContain("ENTRY_HASH_MISMATCH@150");
    expect(kinds(r.failures)).toContain("SEQUENCE_GAP@250");
  });

  it("a range verification #200–#300 names only the damage inside its range", async () => {
    const svc = testCheckpointService(t.db, { dataDir });
    const r = await verifyExport(await exportLines(svc, 200n, 300n), { publicKey: svc.key.publicKey });
    expect(r.ok).toBe(false);
    const inRange = r.failures.filter((f) => f.seq !== null);
    expect(kinds(inRange)).toEqual(["SEQUENCE_GAP@250"]);
    expect(r.failures.map((f) => f.kind)).not.toContain("ROOT_MISMATCH"); // the old code blamed "an entry in #200–#240"
    // What lies before the range is reported as such, not as damage in it.
    const outside = r.failures.filter((f) => f.seq === null);
    expect(outside.map((f) => f.kind)).toEqual(["PREFIX_MISMATCH"]);
    expect(outside[0]!.message).toMatch(/entries before #200 were changed/);
  });
});

describe("continuously: an old entry edited after a clean start is found by the background re-verification", () => {
  it("verifies clean at start, then a later round (small slices) finds the edit under an old checkpoint", async () => {
    const t2 = await createTestDatabase(inject("adminUrl"), "integrity2");
    try {
      await createNodes(t2.db);
      const keys2 = testKeyService(t2.db);
      const svc = testCheckpointService(t2.db);
      for (let i = 0; i < 12; i++) {
        await keys2.runner.submit({ keyIds: [], run: (ws) => { for (let j = 0; j < 10; j++) ws.audit({ actor: "system:test", action: "TEST_EVENT", subjectType: "test", subjectId: `c-${i}-${j}`, fromState: null, toState: null, details: { i, j } }); } });
        if (i % 4 === 3) await svc.publish();
      }
      const monitor = new IntegrityMonitor(t2.db, svc, { clock: () => new Date("2026-12-05T12:00:00Z"), pageSize: 16, sweepBudget: 32, pauseMs: 1 });
      svc.integrityGate = monitor;
      expect((await monitor.verifyAll()).state).toBe("ok");
      expect((await svc.publish()).created).toBe(false); // nothing new, but the gate let it through
      // Incremental: new entries and a new checkpoint are checked by the next round.
      await keys2.runner.submit({ keyIds: [], run: (ws) => { for (let j = 0; j < 10; j++) ws.audit({ actor: "system:test", action: "TEST_EVENT", subjectType: "test", subjectId: `d-${j}`, fromState: null, toState: null, details: { j } }); } });
      expect((await svc.publish()).checkpoint?.treeSize).toBe("130");
      const tail = await monitor.round();
      expect({ state: tail.state, checkedThrough: tail.checkedThrough }).toEqual({ state: "ok", checkedThrough: 130n });

      const attacker = new pg.Client({ connectionString: t2.url });
      await attacker.connect();
      await attacker.query("ALTER TABLE audit_entries DISABLE TRIGGER USER");
      await attacker.query("UPDATE audit_entries SET actor = 'mallory' WHERE seq = 20"); // under the first checkpoint (#40)
      await attacker.query("ALTER TABLE audit_entries ENABLE TRIGGER USER");
      await attacker.end();

      let rounds = 0;
      let s = monitor.status();
      while (s.state !== "alarm" && rounds < 10) {
        s = await monitor.round();
        rounds++;
      }
      expect(rounds).toBeGreaterThan(0);
      expect(kinds(s.failures)).toEqual(["ENTRY_HASH_MISMATCH@20"]); // the alarm rises as soon as the slice passes #20
      for (let more = 0; more < 10 && s.sweepAt !== null; more++) s = await monitor.round();
      expect(kinds(s.failures)).toEqual(["ENTRY_HASH_MISMATCH@20", "CHECKPOINT_ROOT_MISMATCH@40"]);
      await expect(svc.publish()).rejects.toMatchObject({ code: "AUDIT_TAMPERED" });
    } finally {
      await t2.dispose();
    }
  });
});
