/**
 * Our audit log checked by code that is not ours (issue 19): the Go program
 * in interop/go-verifier, built on golang.org/x/mod/sumdb/note and
 * sumdb/tlog from Debian's golang-golang-x-mod-dev (GOPATH at the packaged
 * sources, GO111MODULE=off: no module download), verifies a demo log (the
 * demo seed plus a few hundred more entries, several checkpoints): every
 * signed note, every entry hash, the Merkle root at every checkpoint, and
 * inclusion and consistency proofs as the proof endpoints answer them.
 * A tampered input must make it fail, so a pass is not vacuous.
 *
 * Without `go` this is skipped with the reason, except in CI (CI=true), where
 * scripts/ensure-go.sh installs it and a missing toolchain is a failure.
 */
import { execFile, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { seedDemo } from "../../demo/demo-seed";
import { testCheckpointService } from "../../testing/checkpoint-fixtures";
import { testKeyService, testVault } from "../../testing/fixtures";
import { createTestDatabase, type TestDatabase } from "../../testing/test-database";
import type { CheckpointService } from "../checkpoint/checkpoint-service";
import { checkpointLine } from "../checkpoint/checkpoint-file";
import { auditExport } from "../export/export-service";

const GOPATH = "/usr/share/gocode";
const goFound = spawnSync("go", ["version"]).status === 0 && existsSync(join(GOPATH, "src/golang.org/x/mod/sumdb/note/note.go"));
const missing = "go or golang.org/x/mod is not installed (apt-get install golang-go golang-golang-x-mod-dev, or bash scripts/ensure-go.sh)";
if (!goFound && !process.env.CI) console.warn(`SKIPPED the Go interoperability test: ${missing}`);

const run = promisify(execFile);
const goEnv = { ...process.env, GO111MODULE: "off", GOPATH, GOFLAGS: "", GOCACHE: join(tmpdir(), "qecnet-go-cache") };

let t: TestDatabase;
let svc: CheckpointService;
let dir: string;
let binary: string;
let input: Record<string, unknown>;

async function goVerify(data: Record<string, unknown>): Promise<{ code: number; stdout: string; stderr: string }> {
  const file = join(dir, `input-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(data));
  return run(binary, [file]).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

describe.skipIf(!goFound && !process.env.CI)("Go's sumdb/note and sumdb/tlog verify our log (issue 19)", () => {
  beforeAll(async () => {
    if (!goFound) throw new Error(`CI must run the Go interoperability test, but ${missing}`);
    dir = mkdtempSync(join(tmpdir(), "qecnet-go-interop-"));
    binary = join(dir, "go-verifier");
    await run("go", ["build", "-o", binary, "."], { cwd: resolve("interop/go-verifier"), env: goEnv });

    t = await createTestDatabase(inject("adminUrl"), "gointerop");
    await seedDemo(t.db, testVault(), { now: new Date("2026-12-01T12:00:00.000Z") });
    svc = testCheckpointService(t.db);
    const keys = testKeyService(t.db);
    await svc.publish();
    for (let round = 0; round < 4; round++) {
      await keys.runner.submit({
        keyIds: [],
        run: (ws) => {
          for (let j = 0; j < 60 + round * 7; j++) {
            ws.audit({ actor: "system:interop", action: "INTEROP_EVENT", subjectType: "test", subjectId: `r${round}-${j}`, fromState: null, toState: null, details: { round, j, note: "naïve ✓ <&> \"quoted\"" } });
          }
        },
      });
      await svc.publish();
    }
    const lines: string[] = [];
    for await (const chunk of (await auditExport(t.db, svc, { format: "jsonl" })).body) lines.push(...chunk.split("\n").filter(Boolean));
    const checkpoints = await svc.list({ limit: 1000 });
    const sizes = checkpoints.map((c) => BigInt(c.treeSize));
    const last = sizes[sizes.length - 1]!;
    const inclusion = [];
    for (const seq of [1n, 2n, last / 3n, last / 2n, last - 1n, last]) {
      for (const size of sizes.filter((s) => s >= seq)) inclusion.push(await svc.inclusionProof(seq, size));
    }
    const consistency = [];
    for (let i = 0; i < sizes.length; i++) for (let j = i + 1; j < sizes.length; j++) consistency.push(await svc.consistencyProof(sizes[i]!, sizes[j]!));
    input = {
      verifierKey: svc.publicKey.noteVerifierKey,
      exportLines: lines,
      checkpoints: checkpoints.map(checkpointLine),
      inclusion: JSON.parse(JSON.stringify(inclusion)) as unknown,
      consistency: JSON.parse(JSON.stringify(consistency)) as unknown,
    };
  }, 180_000);
  afterAll(async () => t?.dispose());

  it("accepts every note, entry hash, root, inclusion and consistency proof of a demo log with a few hundred entries", async () => {
    const checkpoints = input.checkpoints as string[];
    expect(checkpoints.length).toBeGreaterThanOrEqual(5);
    const r = await goVerify(input);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as Record<string, number | boolean>;
    expect(summary.entries).toBeGreaterThanOrEqual(300);
    expect(summary).toMatchObject({ ok: true, notesVerified: checkpoints.length, rootsRecomputed: checkpoints.length });
    expect(summary.inclusionProofs).toBeGreaterThan(10);
    expect(summary.consistencyProofs).toBe((checkpoints.length * (checkpoints.length - 1)) / 2);
  });

  it.each<[string, (i: Record<string, unknown>) => Record<string, unknown>, RegExp]>([
    ["a signed note with one changed byte", (i) => ({ ...i, checkpoints: (i.checkpoints as string[]).map((l, k) => (k === 1 ? l.replace(/\\ntimestamp 20/, "\\ntimestamp 19") : l)) }), /note\.Open|signed note/],
    ["an edited exported entry", (i) => ({ ...i, exportLines: (i.exportLines as string[]).map((l) => l.replace('"subjectId":"r1-5"', '"subjectId":"r1-6"')) }), /entry hash recomputed/],
    ["a garbage inclusion proof", (i) => ({ ...i, inclusion: [{ ...(i.inclusion as Array<Record<string, unknown>>)[3]!, proof: ["ab".repeat(32)] }] }), /inclusion of leaf/],
    ["a garbage consistency proof", (i) => ({ ...i, consistency: [{ ...(i.consistency as Array<Record<string, unknown>>)[0]!, proof: ["cd".repeat(32)] }] }), /consistency/],
  ])("refuses %s", async (_name, damage, message) => {
    const damaged = damage(input);
    expect(JSON.stringify(damaged)).not.toBe(JSON.stringify(input));
    const r = await goVerify(damaged);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
  });
});
