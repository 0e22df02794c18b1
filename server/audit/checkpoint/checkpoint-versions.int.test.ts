/**
 * A hub upgraded from version-1 checkpoints (signed canonical JSON) to
 * version 2 (C2SP signed notes) keeps reading the old ones: the publisher
 * extends a log whose last checkpoint is version 1, the integrity monitor
 * and the offline verifier accept the mixed history, and the endpoint's
 * lines carry a signed note only for version 2.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createNodes, testKeyService } from "../../testing/fixtures";
import { testCheckpointService } from "../../testing/checkpoint-fixtures";
import { createTestDatabase, type TestDatabase } from "../../testing/test-database";
import { toRecord } from "../audit-log";
import { auditExport } from "../export/export-service";
import { IntegrityMonitor } from "../integrity/integrity-monitor";
import { CompactRange } from "../../domain/audit/merkle/compact-range";
import { toHex } from "../../domain/audit/merkle/hasher";
import { nodeHasher } from "../merkle/node-hasher";
import { parseCheckpointFile, verifyExport } from "../offline/verify-export";
import { AUDIT_LOG_ID, checkpointBody } from "../../domain/audit/checkpoint-format";
import type { CheckpointService } from "./checkpoint-service";
import { leafHashOf } from "./leaf-hash";

let t: TestDatabase;
let svc: CheckpointService;

async function append(keys: ReturnType<typeof testKeyService>, n: number, label: string) {
  await keys.runner.submit({
    keyIds: [],
    run: (ws) => {
      for (let j = 0; j < n; j++) ws.audit({ actor: "system:test", action: "TEST_EVENT", subjectType: "test", subjectId: `${label}-${j}`, fromState: null, toState: null, details: { j } });
    },
  });
}

beforeAll(async () => {
  t = await createTestDatabase(inject("adminUrl"), "cpversions");
  await createNodes(t.db);
  const keys = testKeyService(t.db);
  svc = testCheckpointService(t.db);
  await append(keys, 40, "old");
  // What the previous release published: a version-1 checkpoint of #1–#40, in the table and the file.
  const entries = (await t.db.auditEntry.findMany({ orderBy: { seq: "asc" } })).map(toRecord);
  const range = new CompactRange(nodeHasher);
  for (const e of entries) range.appendLeafHash(leafHashOf(e));
  const body = checkpointBody({ v: 1, log: AUDIT_LOG_ID, treeSize: "40", rootHash: toHex(range.root()), headHash: entries[39]!.entryHash, timestamp: "2026-11-30T12:00:00.000Z", keyId: svc.key.keyId });
  const v1 = { ...body, signature: svc.key.sign(body), consistency: null };
  await t.db.$executeRaw`INSERT INTO audit_checkpoints (tree_size, root_hash, head_hash, published_at, key_id, signature, consistency, version)
    VALUES (40, ${v1.rootHash}, ${v1.headHash}, ${new Date(v1.timestamp)}, ${v1.keyId}, ${v1.signature}, NULL, 1)`;
  await svc.file.append([v1]);
  await append(keys, 25, "new");
});
afterAll(async () => t?.dispose());

describe("version-1 checkpoints keep verifying after the upgrade to C2SP signed notes", () => {
  it("the publisher extends a version-1 checkpoint with a version-2 one and its consistency proof", async () => {
    const r = await svc.publish();
    expect(r.checkpoint).toMatchObject({ v: 2, treeSize: "65", consistency: { fromSize: "40" } });
    expect(r.checkpoint?.note).toMatch(/^qecnet-audit\n65\n[A-Za-z0-9+/]{43}=\nhead-hash [0-9a-f]{64}\ntimestamp .*Z\n\n\u2014 qecnet-audit [A-Za-z0-9+/]+=*\n$/);
    const listed = await svc.list({ limit: 10 });
    expect(listed.map((c) => [c.v, c.treeSize, c.note === undefined])).toEqual([[1, "40", true], [2, "65", false]]);
  });

  it("the integrity monitor and the offline verifier accept the mixed history", async () => {
    const monitor = new IntegrityMonitor(t.db, svc, { clock: () => new Date("2026-12-05T12:00:00Z") });
    const s = await monitor.verifyAll();
    expect(s.failures).toEqual([]);
    expect(s.state).toBe("ok");

    let text = "";
    for await (const chunk of (await auditExport(t.db, svc, { format: "jsonl" })).body) text += chunk;
    const r = await verifyExport(text.split("\n").filter(Boolean), {
      publicKey: svc.key.publicKey,
      checkpoints: parseCheckpointFile(readFileSync(svc.file.path, "utf8"), "checkpoints.jsonl"),
    });
    expect(r.failures).toEqual([]);
    expect(r).toMatchObject({ ok: true, entries: 65, checkpoints: 2, rootsRecomputed: 2, consistencyProofsVerified: 1 });
  });
});
