/**
 * A server killed around the last approval: inside the vote's transaction
 * (nothing of it survives; approving again executes once), or after the vote
 * committed and before the executor finished (after a restart the executor
 * completes it exactly once, even with two instances resuming at the same time).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, inject, it } from "vitest";
import { verifyStoredChain } from "../audit/audit-log";
import type { SessionUser } from "../auth/session-user";
import { createPrismaClient, type Db } from "../db/client";
import { createTestUsers } from "../testing/auth-fixtures";
import { ACTOR, createNodes, testKeyService } from "../testing/fixtures";
import { createTestDatabase } from "../testing/test-database";
import { approvalsFor } from "./approval-service";

const ROOT = path.resolve(import.meta.dirname, "../..");
const HOLDER = path.join(ROOT, "server/testing/hold-approval.ts");
/** Running children, with the database each works on (each test kills only its own). */
const children = new Map<ChildProcess, string>();

async function runUntilHolding(url: string, masterKey: Buffer, args: string[]) {
  const appName = `qecnet-hold-apr-${randomBytes(4).toString("hex")}`;
  const child = spawn(process.execPath, ["--import", "tsx", HOLDER, ...args], {
    cwd: ROOT,
    env: { ...process.env, QECNET_HOLD_DATABASE_URL: url, QECNET_HOLD_MASTER_KEY: masterKey.toString("hex"), QECNET_HOLD_MAX_MS: "30000", PGAPPNAME: appName },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.set(child, url);
  let out = "";
  child.stdout!.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr!.on("data", (b: Buffer) => (out += b.toString()));
  const exited = once(child, "exit").then(([code, signal]) => {
    children.delete(child);
    return { code: code as number | null, signal: signal as NodeJS.Signals | null };
  });
  const deadline = Date.now() + 20_000;
  let ended = false;
  void exited.then(() => (ended = true));
  while (!/^HOLDING$/m.test(out)) {
    if (ended || Date.now() > deadline) throw new Error(`hold-approval did not reach HOLDING:\n${out}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    async kill(observer: pg.Client) {
      expect(child.kill("SIGKILL")).toBe(true);
      expect(await exited).toEqual({ code: null, signal: "SIGKILL" });
      const until = Date.now() + 10_000;
      while ((await observer.query("SELECT 1 FROM pg_stat_activity WHERE application_name = $1", [appName])).rowCount) {
        if (Date.now() > until) throw new Error("the killed child's session is still there");
        await new Promise((r) => setTimeout(r, 25));
      }
    },
  };
}

async function state(c: pg.Client) {
  const q = async (sql: string) => (await c.query(sql)).rows;
  return {
    keys: await q("SELECT id, state, version, generation FROM keys ORDER BY generation, id"),
    requests: await q("SELECT id, status::text, version FROM approval_requests ORDER BY id"),
    votes: await q("SELECT request_id, voter_id FROM approval_votes ORDER BY voter_id"),
    head: await q("SELECT seq::text, hash FROM audit_head"),
  };
}

describe.concurrent("approvals: a process killed around the last approval", () => {
  afterAll(() => {
    for (const c of children.keys()) c.kill("SIGKILL");
  });

  async function setup(onTestFinished: (fn: () => Promise<void>) => void) {
    const t = await createTestDatabase(inject("adminUrl"), "aprcrash");
    await createNodes(t.db);
    const masterKey = randomBytes(32);
    const keys = testKeyService(t.db, { masterKey });
    const users = await createTestUsers(t.db, keys, "crash");
    const observer = new pg.Client({ connectionString: t.url });
    await observer.connect();
    const clients: Db[] = [];
    onTestFinished(async () => {
      for (const [c, url] of children) if (url === t.url) c.kill("SIGKILL");
      await Promise.all(clients.map((c) => c.$disconnect()));
      await observer.end();
      await t.dispose();
    });
    const k = await keys.create({ label: "crash-approval", purpose: "test", policy: "standard", participants: ["node-a", "node-b"] }, ACTOR);
    await keys.apply(k.id, { type: "DISTRIBUTE" }, ACTOR);
    await keys.collectReceipts(k.id, ACTOR);
    const request = await approvalsFor(keys).request({ kind: "EMERGENCY_ROTATION", targetId: k.id, justification: "crash test of the approval path" }, users.analyst);
    const restart = () => {
      const db = createPrismaClient(t.url);
      clients.push(db);
      return { db, keys: testKeyService(db, { masterKey }) };
    };
    const holdArgs = (mode: string, u: SessionUser) => [mode, request.id, u.id, u.email];
    return { t, masterKey, keys, users, observer, keyId: k.id, requestId: request.id, restart, holdArgs };
  }

  it("killed inside the vote's transaction: nothing of it survives; approving again executes exactly once", async ({ onTestFinished }) => {
    const s = await setup(onTestFinished);
    const before = await state(s.observer);
    const h = await runUntilHolding(s.t.url, s.masterKey, s.holdArgs("before-commit", s.users.officer));
    expect(await state(s.observer)).toEqual(before); // the vote and the rotation are written but not visible
    await h.kill(s.observer);
    expect(await state(s.observer)).toEqual(before);

    const { db, keys } = s.restart();
    await approvalsFor(keys).resumeExecuting(); // nothing to resume
    const r = await approvalsFor(keys).approve(s.requestId, "after the restart", s.users.officer);
    // The executor starts at once in the background and may already have finished.
    expect(["EXECUTING", "EXECUTED"]).toContain(r.status);
    await approvalsFor(keys).drive(s.requestId);
    expect((await db.approvalRequest.findUniqueOrThrow({ where: { id: s.requestId } })).status).toBe("EXECUTED");
    expect(await db.key.count({ where: { predecessorId: s.keyId } })).toBe(1);
    expect(await db.auditEntry.count({ where: { action: "KEY_ROTATION_STARTED", subjectId: s.keyId } })).toBe(1);
    expect((await verifyStoredChain(db)).result.ok).toBe(true);
  });

  it("killed after the vote committed, before the executor finished: two restarted instances complete it exactly once", async ({ onTestFinished }) => {
    const s = await setup(onTestFinished);
    const h = await runUntilHolding(s.t.url, s.masterKey, s.holdArgs("after-commit", s.users.officer));
    await h.kill(s.observer);
    const mid = await state(s.observer);
    expect(mid.requests).toEqual([expect.objectContaining({ status: "EXECUTING" })]);
    expect(mid.keys.map((k) => k.state)).toEqual(["ROTATING", "GENERATED"]); // the replacement waits for the executor

    const a = s.restart();
    const b = s.restart();
    expect(await Promise.all([approvalsFor(a.keys).resumeExecuting(), approvalsFor(b.keys).resumeExecuting()])).toEqual([1, 1]);
    const end = await state(s.observer);
    expect(end.requests).toEqual([expect.objectContaining({ status: "EXECUTED" })]);
    expect(end.keys.map((k) => [k.generation, k.state])).toEqual([[1, "ROTATING"], [2, "ACTIVE"]]);
    const counts = await a.db.auditEntry.groupBy({ by: ["action"], where: { action: { in: ["APPROVAL_EXECUTED", "KEY_DISTRIBUTED", "KEY_ACTIVATED", "KEY_GENERATED"] } }, _count: true });
    expect(Object.fromEntries(counts.map((c) => [c.action, c._count]))).toEqual({ APPROVAL_EXECUTED: 1, KEY_DISTRIBUTED: 2, KEY_ACTIVATED: 2, KEY_GENERATED: 2 });
    expect((await verifyStoredChain(a.db)).result.ok).toBe(true);
  });
});
