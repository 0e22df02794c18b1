import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { randomBytes } from "node:crypto";
import { verifyStoredChain } from "../audit/audit-log";
import { poolOf } from "../db/client";
import { DomainError } from "../domain/errors/domain-error";
import { createKey } from "./key-effects";
import { KeyService } from "./key-service";
import { createKeyVault } from "./key-vault";
import { masterKeyId } from "./material";
import { createTestDatabase, type TestDatabase } from "../testing/test-database";
import { ACTOR, createNodes, testKeyService } from "../testing/fixtures";

describe("key service on PostgreSQL", () => {
  let t: TestDatabase;
  let svc: KeyService;
  let now = new Date("2026-01-01T00:00:00Z");
  beforeAll(async () => {
    t = await createTestDatabase(inject("adminUrl"), "keysvc");
    await createNodes(t.db);
    svc = testKeyService(t.db, { clock: () => now });
  });
  afterAll(async () => t.dispose());

  const create = () => svc.create({ label: "link-a", purpose: "test", policy: "standard", participants: ["node-a", "node-b"] }, ACTOR);

  it("walks a key from generation to destruction, each step audited, material zeroised at the end", async () => {
    const k = await create();
    expect(k.state).toBe("GENERATED");
    expect(k.fingerprint).toMatch(/^SHA256:[0-9a-f]{32}$/);
    expect(k.materialPresent).toBe(true);
    expect(Object.keys(k)).not.toContain("materialCiphertext");
    expect(Object.keys(k)).not.toContain("materialNonce");
    await svc.apply(k.id, { type: "DISTRIBUTE" }, ACTOR);
    const active = await svc.collectReceipts(k.id, ACTOR);
    expect(active.state).toBe("ACTIVE");
    expect(active.participants.every((p) => p.confirmedAt)).toBe(true);
    await svc.apply(k.id, { type: "RECORD_USAGE", count: 5 }, ACTOR);
    const rotating = await svc.apply(k.id, { type: "BEGIN_ROTATION", reason: "scheduled" }, ACTOR);
    expect(rotating.state).toBe("ROTATING");
    const succ = await t.db.key.findFirstOrThrow({ where: { predecessorId: k.id } });
    expect(succ.generation).toBe(2);
    await svc.apply(succ.id, { type: "DISTRIBUTE" }, ACTOR);
    await svc.collectReceipts(succ.id, ACTOR);
    await expect(svc.apply(k.id, { type: "COMPLETE_ROTATION" }, ACTOR)).rejects.toMatchObject({ code: "GUARD_FAILED" });
    now = new Date(now.getTime() + 301_000);
    expect((await svc.apply(k.id, { type: "COMPLETE_ROTATION" }, ACTOR)).state).toBe("RETIRED");
    now = new Date(now.getTime() + 31 * 86_400_000);
    const destroyed = await svc.apply(k.id, { type: "DESTROY" }, ACTOR);
    expect(destroyed.state).toBe("DESTROYED");
    const row = await t.db.key.findUniqueOrThrow({ where: { id: k.id } });
    expect(row.materialCiphertext).toBeNull();
    expect(row.usageCount).toBe(5n);
    const actions = (await t.db.auditEntry.findMany({ where: { subjectId: k.id }, orderBy: { seq: "asc" } })).map((e) => e.action);
    expect(actions).toEqual([
      "KEY_GENERATED", "KEY_DISTRIBUTED", "KEY_RECEIPT_CONFIRMED", "KEY_RECEIPT_CONFIRMED", "KEY_ACTIVATED",
      "KEY_USAGE_RECORDED", "KEY_ROTATION_STARTED", "KEY_RETIRED", "KEY_DESTROYED",
    ]);
    const v = await verifyStoredChain(t.db);
    expect(v.result.ok).toBe(true);
  });

  it("retries a failed distribution with new material and gives up after the policy's attempts", async () => {
    const k = await create();
    await svc.apply(k.id, { type: "DISTRIBUTE" }, ACTOR);
    await svc.apply(k.id, { type: "FAIL_DISTRIBUTION", reason: "no path" }, ACTOR);
    const retry = await t.db.key.findFirstOrThrow({ where: { lineageId: k.lineageId, distributionAttempt: 2 } });
    expect(retry.state).toBe("GENERATED");
    expect(retry.fingerprint).not.toBe(k.fingerprint);
    await svc.apply(retry.id, { type: "FAIL_DISTRIBUTION", reason: "no path" }, ACTOR);
    const third = await t.db.key.findFirstOrThrow({ where: { lineageId: k.lineageId, distributionAttempt: 3 } });
    await svc.apply(third.id, { type: "FAIL_DISTRIBUTION", reason: "no path" }, ACTOR);
    expect(await t.db.key.count({ where: { lineageId: k.lineageId } })).toBe(3);
    expect(await t.db.auditEntry.count({ where: { action: "KEY_DISTRIBUTION_ABANDONED", subjectId: third.id } })).toBe(1);
  });

  it("a generation failure leaves no key record, only its audit entry", async () => {
    const masterKey = randomBytes(32);
    const failing = createKeyVault(masterKey, masterKeyId(masterKey), {
      draw: () => {
        throw new Error("entropy source unavailable");
      },
    });
    const broken = new KeyService(t.db, failing, { clock: () => now });
    const keysBefore = await t.db.key.count();
    await expect(
      broken.create({ label: "never-made", purpose: "test", policy: "standard", participants: ["node-a"] }, ACTOR),
    ).rejects.toMatchObject({ code: "GENERATION_FAILED" });
    expect(await t.db.key.count()).toBe(keysBefore);
    const entry = await t.db.auditEntry.findFirstOrThrow({ where: { action: "KEY_GENERATION_FAILED" }, orderBy: { seq: "desc" } });
    expect(entry).toMatchObject({ subjectType: "key-request", subjectId: "never-made", fromState: null, toState: null });
    expect((await verifyStoredChain(t.db)).result.ok).toBe(true);
  });

  it("a lost answer to COMMIT is resolved from the chain: the change is reported done and not redone", async () => {
    let lose = true;
    const flaky = testKeyService(t.db, {
      clock: () => now,
      hooks: {
        afterCommit: async () => {
          if (lose) {
            lose = false;
            throw new Error("connection reset while reading the COMMIT answer");
          }
        },
      },
    });
    const k = await activeKey();
    const before = await t.db.key.findUniqueOrThrow({ where: { id: k.id } });
    const [used, created] = await Promise.all([
      flaky.apply(k.id, { type: "RECORD_USAGE", count: 7 }, ACTOR),
      flaky.create({ label: "in-doubt", purpose: "test", policy: "standard", participants: ["node-b"] }, ACTOR),
    ]);
    expect(lose).toBe(false); // the failure did happen, to a batch holding both jobs
    expect(used.usageCount).toBe(before.usageCount + 7n);
    const after = await t.db.key.findUniqueOrThrow({ where: { id: k.id } });
    expect(after.usageCount).toBe(before.usageCount + 7n);
    expect(await t.db.key.count({ where: { label: "in-doubt" } })).toBe(1);
    expect(created.label).toBe("in-doubt");
    await expectGaplessVerifiedChain();
  });

  it("a batch big enough to write its key rows ahead of its entries: all or nothing, and a failure of those rows is reported as itself", async () => {
    const head = async () => (await poolOf(t.db).query<{ h: string }>("SELECT seq::text || ':' || hash AS h FROM audit_head")).rows[0]!.h;
    const bulk = (badAt: number | null) => svc.runner.submit({
      keyIds: [],
      run: (ws) => {
        const ctx = svc.effectContext(ws, ACTOR);
        // 250 entries: past the runner's threshold for sending key rows first.
        for (let i = 0; i < 250; i++) createKey(ctx, { label: `bulk-${i}`, purpose: "test", policy: "standard", nodeIds: [i === badAt ? "no-such-node" : "node-a"], reason: "test" });
      },
    });
    const [headBefore, keysBefore] = [await head(), await t.db.key.count()];
    const err = await bulk(249).then(() => null, (e: unknown) => e as DomainError);
    expect(err).toBeInstanceOf(DomainError);
    expect(err!.code).toBe("AUDIT_UNAVAILABLE");
    const cause = (err as { cause?: Error }).cause;
    expect(cause?.message).toMatch(/foreign key/);
    expect(cause?.message).not.toMatch(/current transaction is aborted/);
    expect([await head(), await t.db.key.count()]).toEqual([headBefore, keysBefore]);

    await bulk(null);
    expect(await t.db.key.count()).toBe(keysBefore + 250);
    expect(await t.db.keyParticipant.count({ where: { key: { label: { startsWith: "bulk-" } } } })).toBe(250);
    await expectGaplessVerifiedChain();
  });

  it("names the master key mismatch when material was sealed under another master key", async () => {
    const k = await create();
    await svc.apply(k.id, { type: "DISTRIBUTE" }, ACTOR);
    const other = testKeyService(t.db, { clock: () => now }); // a fresh random master key
    await expect(other.collectReceipts(k.id, ACTOR)).rejects.toMatchObject({
      code: "MASTER_KEY_MISMATCH",
      message: expect.stringMatching(/sealed under master key [0-9a-f]{16}, but this server runs with master key [0-9a-f]{16}/),
    });
    expect((await t.db.keyParticipant.findMany({ where: { keyId: k.id, confirmedAt: { not: null } } })).length).toBe(0);
  });

  it("refuses a wrong receipt, records the attempt and changes nothing else", async () => {
    const k = await create();
    await svc.apply(k.id, { type: "DISTRIBUTE" }, ACTOR);
    await expect(svc.confirmReceipt(k.id, "node-a", "ab".repeat(32), ACTOR)).rejects.toMatchObject({ code: "RECEIPT_INVALID" });
    const row = await t.db.keyParticipant.findUniqueOrThrow({ where: { keyId_nodeId: { keyId: k.id, nodeId: "node-a" } } });
    expect(row.confirmedAt).toBeNull();
    expect(await t.db.auditEntry.count({ where: { action: "KEY_RECEIPT_REJECTED", subjectId: k.id } })).toBe(1);
  });

  async function activeKey() {
    const k = await create();
    await svc.apply(k.id, { type: "DISTRIBUTE" }, ACTOR);
    return svc.collectReceipts(k.id, ACTOR);
  }

  async function expectGaplessVerifiedChain() {
    const entries = await t.db.auditEntry.findMany({ orderBy: { seq: "asc" }, select: { seq: true } });
    entries.forEach((e, i) => expect(e.seq).toBe(BigInt(i + 1)));
    expect((await verifyStoredChain(t.db)).result.ok).toBe(true);
  }

  it("32 concurrent revocations of one key through two runners: exactly one wins, the others conflict", async () => {
    const k = await activeKey();
    const other = testKeyService(t.db, { clock: () => now }); // a second runner: contention goes through PostgreSQL too
    const before = await t.db.auditEntry.count();
    const results = await Promise.allSettled(
      Array.from({ length: 32 }, (_, i) => (i % 2 ? other : svc).apply(k.id, { type: "REVOKE", reason: `report ${i}` }, ACTOR)),
    );
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(lost).toHaveLength(31);
    for (const l of lost) {
      expect(l.reason.code).toBe("TRANSITION_REFUSED");
      expect(l.reason.message).toMatch(/not allowed for a key in state REVOKED/);
    }
    // The revocation plus its emergency replacement's generation: nothing from the losers.
    expect(await t.db.auditEntry.count()).toBe(before + 2);
    await expectGaplessVerifiedChain();
  });

  it("32 concurrent different actions against the same version: one wins, 31 get CONCURRENT_UPDATE", async () => {
    const k = await activeKey();
    const other = testKeyService(t.db, { clock: () => now });
    const events = [
      { type: "REVOKE", reason: "suspected" },
      { type: "BEGIN_ROTATION", reason: "operator" },
      { type: "RECORD_USAGE", count: 3 },
    ] as const;
    const results = await Promise.allSettled(
      Array.from({ length: 32 }, (_, i) => (i % 2 ? other : svc).apply(k.id, events[i % 3]!, ACTOR, k.version)),
    );
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(lost).toHaveLength(31);
    for (const l of lost) expect(l.reason.code).toBe("CONCURRENT_UPDATE");
    const row = await t.db.key.findUniqueOrThrow({ where: { id: k.id } });
    expect(row.version).toBe(k.version + 1);
    await expectGaplessVerifiedChain();
  });
});
