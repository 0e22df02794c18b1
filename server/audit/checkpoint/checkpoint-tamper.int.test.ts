/**
 * An attacker with superuser access edits audit_entries directly with SQL —
 * change, delete, insert, with and without recomputing the chain hashes — and
 * both verifiers catch each: the console's online verifier (anchored on the
 * published checkpoints) and the offline verifier run on an export of the
 * tampered database against the checkpoint file published before.
 */
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { ACTOR, createNodes, testKeyService } from "../../testing/fixtures";
import { testCheckpointService } from "../../testing/checkpoint-fixtures";
import { createTestDatabase, type TestDatabase } from "../../testing/test-database";
import { AuditService } from "../audit-service";
import { toRecord, verifyStoredChain } from "../audit-log";
import { chainEntries } from "../entry-hash";
import type { AuditEntryRecord } from "../../domain/audit/types";
import { auditExport } from "../export/export-service";
import { parseCheckpointFile, verifyExport, type ExportReport } from "../offline/verify-export";
import type { CheckpointService } from "./checkpoint-service";

let t: TestDatabase;
let attacker: pg.Client;
let svc: CheckpointService;
let audit: AuditService;
let pristine: AuditEntryRecord[];
let n: number;
const sql = (text: string, params: unknown[] = []) => attacker.query(text, params);

beforeAll(async () => {
  t = await createTestDatabase(inject("adminUrl"), "cptamper");
  await createNodes(t.db);
  const keys = testKeyService(t.db);
  svc = testCheckpointService(t.db);
  audit = new AuditService(t.db, keys.runner, svc);
  for (let i = 0; i < 12; i++) {
    const k = await keys.create({ label: `t-${i}`, purpose: "tamper", policy: "standard", participants: ["node-a", "node-b"] }, ACTOR);
    await keys.apply(k.id, { type: "DISTRIBUTE" }, ACTOR);
    if (i === 5) await svc.publish(); // a checkpoint in the middle...
  }
  await svc.publish(); // ...and one at the head
  pristine = (await t.db.auditEntry.findMany({ orderBy: { seq: "asc" } })).map(toRecord);
  n = pristine.length;
  attacker = new pg.Client({ connectionString: t.url });
  await attacker.connect();
  await sql("SET session_replication_role = replica"); // superuser: the append-only triggers are off
  await sql(`CREATE SCHEMA pristine;
    CREATE TABLE pristine.audit_entries AS TABLE public.audit_entries;
    CREATE TABLE pristine.audit_head AS TABLE public.audit_head;
    CREATE TABLE pristine.audit_checkpoints AS TABLE public.audit_checkpoints`);
});
afterAll(async () => {
  await attacker?.end();
  await t?.dispose();
});
beforeEach(async () => {
  await sql(`BEGIN;
    DELETE FROM public.audit_entries; INSERT INTO public.audit_entries SELECT * FROM pristine.audit_entries;
    DELETE FROM public.audit_checkpoints; INSERT INTO public.audit_checkpoints SELECT * FROM pristine.audit_checkpoints;
    UPDATE public.audit_head h SET seq = p.seq, hash = p.hash FROM pristine.audit_head p WHERE h.id = p.id;
    COMMIT`);
});

/** Replaces the stored chain with `chain` (re-chained with correct hashes from its first entry) and moves the head. */
async function writeChain(chain: Omit<AuditEntryRecord, "seq" | "prevHash" | "entryHash">[]) {
  const rows = chainEntries("0".repeat(64), 1n, chain);
  await sql("DELETE FROM audit_entries");
  for (const e of rows) {
    await sql(
      `INSERT INTO audit_entries (seq, at, actor, action, subject_type, subject_id, from_state, to_state, details, prev_hash, entry_hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11)`,
      [e.seq.toString(), e.at, e.actor, e.action, e.subjectType, e.subjectId, e.fromState, e.toState, JSON.stringify(e.details), e.prevHash, e.entryHash],
    );
  }
  const last = rows[rows.length - 1]!;
  await sql("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1", [last.seq.toString(), last.entryHash]);
}

async function exportText(): Promise<string> {
  // Up to the head the checkpoints cover (#n), as an auditor exporting the checkpointed log would.
  const out = await auditExport(t.db, svc, { format: "jsonl", to: BigInt(n) });
  let text = "";
  for await (const chunk of out.body) text += chunk;
  return text;
}

async function offline(): Promise<ExportReport> {
  const published = parseCheckpointFile(readFileSync(svc.file.path, "utf8"), "published.jsonl");
  return verifyExport((await exportText()).split("\n").slice(0, -1), { publicKey: svc.key.publicKey, checkpoints: published });
}

/** The online verifier: the stored chain against the head row and every checkpoint this hub signed (file and table). */
async function online() {
  return (await verifyStoredChain(t.db, { anchors: (await svc.trustedAnchors()).anchors })).result;
}

const drafts = () => pristine.map(({ seq: _s, prevHash: _p, entryHash: _e, ...d }) => d);
const mid = () => Math.floor(n / 2) - 3; // an entry before the middle checkpoint

describe("tampering with audit_entries by SQL is caught online and offline", () => {
  it("the untouched log verifies both ways", async () => {
    expect(n).toBeGreaterThan(20);
    const online = await audit.verify({ actor: "auditor" });
    expect(online).toMatchObject({ ok: true, anchors: 2, checkpointConflicts: [] });
    await sql("DELETE FROM audit_entries WHERE seq = $1", [n + 1]); // the verification's own entry, to keep the head covered
    await sql("UPDATE audit_head SET seq = p.seq, hash = p.hash FROM pristine.audit_head p WHERE audit_head.id = p.id");
    expect(await offline()).toMatchObject({ ok: true, entries: n, rootsRecomputed: 2, failure: null });
  });

  it.each<{ name: string; tamper: () => Promise<void>; online: string; offline: string }>([
    {
      name: "a changed field, hashes left alone",
      tamper: async () => void (await sql("UPDATE audit_entries SET actor = 'mallory' WHERE seq = $1", [mid()])),
      online: "ENTRY_HASH_MISMATCH", offline: "ENTRY_HASH_MISMATCH",
    },
    {
      name: "a changed field, every later hash recomputed and the head moved",
      tamper: () => writeChain(drafts().map((d, i) => (i === mid() - 1 ? { ...d, actor: "mallory" } : d))),
      online: "ANCHOR_MISMATCH", offline: "ROOT_MISMATCH",
    },
    {
      name: "a deleted entry, hashes left alone",
      tamper: async () => void (await sql("DELETE FROM audit_entries WHERE seq = $1", [mid()])),
      online: "SEQUENCE_GAP", offline: "SEQUENCE_GAP",
    },
    {
      name: "a deleted entry, later entries renumbered and re-hashed, a filler entry keeping the length",
      tamper: () => writeChain([...drafts().filter((_, i) => i !== mid() - 1), { ...drafts()[n - 1]!, actor: "filler" }]),
      online: "ANCHOR_MISMATCH", offline: "ROOT_MISMATCH",
    },
    {
      name: "an inserted entry with a valid hash of its own, later entries renumbered but not re-hashed",
      tamper: async () => {
        const k = mid();
        const [forged] = chainEntries(pristine[k - 2]!.entryHash, BigInt(k), [{ ...drafts()[k - 1]!, actor: "mallory" }]);
        await sql("UPDATE audit_entries SET seq = -seq WHERE seq >= $1", [k]);
        await sql("UPDATE audit_entries SET seq = -seq + 1 WHERE seq < 0");
        await sql(
          `INSERT INTO audit_entries (seq, at, actor, action, subject_type, subject_id, from_state, to_state, details, prev_hash, entry_hash)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11)`,
          [k, forged!.at, forged!.actor, forged!.action, forged!.subjectType, forged!.subjectId, forged!.fromState, forged!.toState, JSON.stringify(forged!.details), forged!.prevHash, forged!.entryHash],
        );
      },
      online: "PREV_HASH_MISMATCH", offline: "PREV_HASH_MISMATCH",
    },
    {
      name: "an inserted entry, later entries renumbered and re-hashed, the last dropped to keep the length",
      tamper: () => writeChain([...drafts().slice(0, mid()), { ...drafts()[mid()]!, actor: "inserted" }, ...drafts().slice(mid(), n - 1)]),
      online: "ANCHOR_MISMATCH", offline: "ROOT_MISMATCH",
    },
  ])("$name", async ({ tamper, online: onlineKind, offline: offlineKind }) => {
    await tamper();
    const r = await online();
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.failure.kind).toBe(onlineKind);
    const off = await offline().catch((err: Error) => ({ ok: false, failure: { kind: `threw: ${err.message}` } }) as never as ExportReport);
    expect(off.ok).toBe(false);
    expect(off.failure?.kind).toBe(offlineKind);
  });

  it("rewriting the chain AND deleting the checkpoint rows: the file outside the database still anchors it, and no checkpoint is signed over the forgery", async () => {
    await writeChain(drafts().map((d, i) => (i === 2 ? { ...d, actor: "mallory" } : d)));
    await sql("DELETE FROM audit_checkpoints");
    const r = await online();
    expect(r.ok ? null : r.failure.kind).toBe("ANCHOR_MISMATCH");
    await expect(svc.publish()).rejects.toThrow(/in the checkpoint file is missing from or different in the database/);
    // Reading an export never publishes (issue 19): with the table emptied there is nothing signed to export against.
    await expect(auditExport(t.db, svc, { format: "jsonl" })).rejects.toThrow(/No checkpoint has been published yet/);
    expect(await t.db.auditCheckpoint.count()).toBe(0);
  });

  it("the npm run audit:verify command: exit 0 on the pristine export, 1 with the failure's place on a tampered one", async () => {
    const run = promisify(execFile);
    const dir = tmpdir();
    const good = join(dir, `good-${process.pid}.jsonl`);
    writeFileSync(good, await exportText());
    const ok = await run("npx", ["tsx", "scripts/audit-verify.ts", good, "--checkpoint", svc.file.path, "--pubkey", svc.key.publicKey]);
    expect(ok.stdout).toMatch(/^OK .*entries #1–#\d+ .*hash chain intact.*\(pinned\)/m);

    await writeChain(drafts().map((d, i) => (i === 4 ? { ...d, actor: "mallory" } : d)));
    const bad = join(dir, `bad-${process.pid}.jsonl`);
    writeFileSync(bad, await exportText());
    const failed = await run("npx", ["tsx", "scripts/audit-verify.ts", bad, "--checkpoint", svc.file.path, "--pubkey", svc.key.publicKey]).then(
      () => { throw new Error("audit:verify accepted a tampered export"); },
      (err: { code: number; stdout: string }) => err,
    );
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/FAILED .*ROOT_MISMATCH at line \d+ \(entry #\d+\)/);
    expect(failed.stdout).toMatch(/expected: [0-9a-f]{64}\n {2}actual: {3}[0-9a-f]{64}/);
  });
});
