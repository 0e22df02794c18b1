/**
 * When the runner forms its next batch, on a real PostgreSQL: while a batch is
 * still loading, jobs submitted one after another wait together for the next
 * batch, which forms once the first has run its jobs, instead of the first of
 * them starting a batch of its own at once (it could not take the audit head
 * before the first batch commits anyway, and the jobs after it waited for a
 * third batch). Each batch's jobs share its workspace, so `run` returning the
 * workspace tells which batch a job was in.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { KeyWorkspace } from "../keys/key-workspace";
import { createNodes, testKeyService } from "../testing/fixtures";
import { createTestDatabase, type TestDatabase } from "../testing/test-database";

const turn = () => new Promise<void>((r) => setImmediate(r));

describe("the next batch forms once the batch ahead has run its jobs", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(inject("adminUrl"), "batch_forming");
    await createNodes(t.db);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("jobs submitted while a batch loads go in one batch after it", async () => {
    const runner = testKeyService(t.db).runner;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let loading!: () => void;
    const started = new Promise<void>((r) => (loading = r));
    const first = runner.submit({
      keyIds: [],
      load: async () => {
        loading();
        await gate;
      },
      run: (ws: KeyWorkspace) => ws,
    });
    await started;
    const later: Array<Promise<KeyWorkspace>> = [];
    for (let i = 0; i < 4; i++) {
      later.push(runner.submit({ keyIds: [], run: (ws: KeyWorkspace) => ws }));
      await turn(); // a turn of the event loop between submissions: time enough to start a batch
      await turn();
    }
    release();
    const [a, ...rest] = await Promise.all([first, ...later]);
    expect(new Set(rest).size).toBe(1);
    expect(rest[0]).not.toBe(a);
  });

  it("a batch whose load fails still lets the next one form, and its jobs are refused alone", async () => {
    const runner = testKeyService(t.db).runner;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const failing = runner.submit({
      keyIds: [],
      load: async () => {
        await gate;
        throw new Error("the load failed");
      },
      run: () => "never",
    });
    await turn();
    await turn();
    const next = runner.submit({ keyIds: [], run: () => "ran" });
    await turn();
    release();
    await expect(failing).rejects.toThrow();
    expect(await next).toBe("ran");
  });
});
