/**
 * Every procedure's bad inputs, through the real router stack (createCaller):
 * each answers with the right code and an actionable message, and changes
 * nothing (same audit head, same key rows).
 */
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { readHead } from "../../audit/audit-log";
import { createTestDatabase, type TestDatabase } from "../../testing/test-database";
import { createNodes, testKeyService } from "../../testing/fixtures";
import { callerAs, createTestUsers } from "../../testing/auth-fixtures";
import type { createCaller } from "../root";

describe("tRPC routers", () => {
  let t: TestDatabase;
  let caller: ReturnType<typeof createCaller>;
  let activeId: string;
  let generatedId: string;

  beforeAll(async () => {
    t = await createTestDatabase(inject("adminUrl"), "routers");
    await createNodes(t.db);
    const keys = testKeyService(t.db);
    const users = await createTestUsers(t.db, keys, "router");
    caller = callerAs(t.db, keys, users.officer);
    const a = await caller.keys.create({ label: "alpha-link", purpose: "test traffic", participants: ["node-a", "node-b"] });
    activeId = (await caller.keys.distribute({ id: a.id })).finalKey.id;
    generatedId = (await caller.keys.create({ label: "beta-link", purpose: "test traffic", participants: ["node-c"] })).id;
  });
  afterAll(async () => t.dispose());

  async function snapshot() {
    const [head, keys, parts] = await Promise.all([
      readHead(t.db),
      t.db.key.findMany({ orderBy: { id: "asc" } }),
      t.db.keyParticipant.findMany({ orderBy: [{ keyId: "asc" }, { nodeId: "asc" }] }),
    ]);
    return { head, keys, parts };
  }

  async function expectRefused(call: () => Promise<unknown>, code: TRPCError["code"], message: RegExp) {
    const before = await snapshot();
    const err = await call().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err, "the call should have been refused").toBeInstanceOf(TRPCError);
    expect((err as TRPCError).code).toBe(code);
    expect((err as TRPCError).message).toMatch(message);
    expect(await snapshot()).toEqual(before);
  }

  const missing = "00000000-0000-4000-8000-000000000000";

  it("works for good input, and never returns key material", async () => {
    const detail = await caller.keys.get({ id: activeId });
    expect(detail.key.state).toBe("ACTIVE");
    expect(detail.history.map((h) => h.action)).toContain("KEY_ACTIVATED");
    expect(detail.allowedEvents).toContain("REVOKE");
    const text = JSON.stringify(detail, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
    expect(text).not.toMatch(/materialCiphertext|materialNonce|receiptMac/);
    const page = await caller.keys.list({ states: ["ACTIVE"], limit: 10 });
    expect(page.items.map((k) => k.id)).toEqual([activeId]);
    expect((await caller.keys.counts({})).GENERATED).toBe(1);
    const verified = await caller.audit.verify();
    expect(verified.ok).toBe(true);
    const recorded = await t.db.auditEntry.findFirstOrThrow({ where: { action: "AUDIT_CHAIN_VERIFIED" }, orderBy: { seq: "desc" } });
    expect(recorded).toMatchObject({ actor: "user:router-officer@qecnet.test", subjectType: "audit-chain" });
    expect(recorded.seq).toBe(verified.head.seq + 1n);
  });

  it.each([
    ["label too short", { label: "ab", purpose: "test", participants: ["node-a"] }, /label: at least 3 characters/],
    ["no participants", { label: "gamma", purpose: "test", participants: [] }, /at least one participant/],
    ["repeated participants", { label: "gamma", purpose: "test", participants: ["node-a", "node-a"] }, /must not repeat/],
    ["unknown policy", { label: "gamma", purpose: "test", policy: "nope", participants: ["node-a"] }, /policy must be one of/],
    ["bad node id", { label: "gamma", purpose: "test", participants: ["Node A!"] }, /node id/],
    ["markup in label", { label: "<script>", purpose: "test", participants: ["node-a"] }, /letters, digits/],
  ])("keys.create refuses %s", async (_name, input, message) => {
    await expectRefused(() => caller.keys.create(input as never), "BAD_REQUEST", message);
  });

  it("keys.create refuses an unknown participant node", async () => {
    await expectRefused(
      () => caller.keys.create({ label: "gamma", purpose: "test", participants: ["node-zz"] }),
      "BAD_REQUEST",
      /Unknown participant node\(s\): node-zz/,
    );
  });

  it("keys.get and keys.list refuse malformed ids and limits", async () => {
    await expectRefused(() => caller.keys.get({ id: "not-a-uuid" }), "BAD_REQUEST", /must be a key id/);
    await expectRefused(() => caller.keys.get({ id: missing }), "NOT_FOUND", /does not exist/);
    await expectRefused(() => caller.keys.list({ limit: 0 }), "BAD_REQUEST", /limit/);
    await expectRefused(() => caller.keys.list({ limit: 10, states: ["BOGUS" as never] }), "BAD_REQUEST", /states/);
    await expectRefused(() => caller.keys.list({ limit: 10, cursor: "x" }), "BAD_REQUEST", /cursor/);
  });

  const lifecycle = [
    ["distribute", (id: string) => caller.keys.distribute({ id })],
    ["collectReceipts", (id: string) => caller.keys.collectReceipts({ id })],
    ["activate", (id: string) => caller.keys.activate({ id })],
    ["reportDistributionFailure", (id: string) => caller.keys.reportDistributionFailure({ id, reason: "no path" })],
    ["recordUsage", (id: string) => caller.keys.recordUsage({ id, count: 1 })],
    ["rotate", (id: string) => caller.keys.rotate({ id, reason: "scheduled" })],
    ["completeRotation", (id: string) => caller.keys.completeRotation({ id })],
    ["cancelRotation", (id: string) => caller.keys.cancelRotation({ id, reason: "operator" })],
    ["destroy", (id: string) => caller.keys.destroy({ id })],
    ["confirmReceipt", (id: string) => caller.keys.confirmReceipt({ id, nodeId: "node-a", receiptMac: "a".repeat(64) })],
  ] as const;

  it.each(lifecycle)("keys.%s refuses a malformed id and an unknown key", async (_n, call) => {
    await expectRefused(() => call("123"), "BAD_REQUEST", /must be a key id/);
    await expectRefused(() => call(missing), "NOT_FOUND", /does not exist/);
  });

  it("lifecycle actions refuse transitions the state does not allow, naming state and event", async () => {
    await expectRefused(() => caller.keys.activate({ id: generatedId }), "CONFLICT", /ACTIVATE is not allowed for a key in state GENERATED/);
    await expectRefused(() => caller.keys.completeRotation({ id: activeId }), "CONFLICT", /COMPLETE_ROTATION is not allowed for a key in state ACTIVE/);
    await expectRefused(() => caller.keys.destroy({ id: activeId }), "CONFLICT", /state ACTIVE/);
    await expectRefused(() => caller.keys.recordUsage({ id: generatedId, count: 1 }), "CONFLICT", /state GENERATED/);
  });

  it("lifecycle actions refuse bad parameters and stale versions", async () => {
    await expectRefused(() => caller.keys.rotate({ id: activeId, reason: " " }), "BAD_REQUEST", /reason of at least 3/);
    await expectRefused(() => caller.keys.rotate({ id: activeId, reason: "x".repeat(501) }), "BAD_REQUEST", /at most 500/);
    await expectRefused(() => caller.keys.recordUsage({ id: activeId, count: 0 }), "BAD_REQUEST", /at least 1/);
    await expectRefused(() => caller.keys.recordUsage({ id: activeId, count: 1.5 }), "BAD_REQUEST", /whole number/);
    await expectRefused(() => caller.keys.rotate({ id: activeId, reason: "suspected", expectedVersion: 0 }), "CONFLICT", /changed since you loaded it/);
    await expectRefused(
      () => caller.keys.confirmReceipt({ id: activeId, nodeId: "node-a", receiptMac: "zz" }),
      "BAD_REQUEST",
      /64 lower-case hex/,
    );
  });

  it("audit procedures refuse bad input", async () => {
    await expectRefused(() => caller.audit.list({ limit: 500 }), "BAD_REQUEST", /limit/);
    await expectRefused(() => caller.audit.list({ limit: 10, cursor: -1n }), "BAD_REQUEST", /cursor/);
    await expectRefused(() => caller.audit.list({ limit: 10, action: "drop table" }), "BAD_REQUEST", /UPPER_SNAKE/);
    const page = await caller.audit.list({ limit: 2 });
    expect(page.items).toHaveLength(2);
    expect(page.items[0]!.seq).toBe(page.head.seq);
    const next = await caller.audit.list({ limit: 2, cursor: page.nextCursor });
    expect(next.items[0]!.seq).toBe(page.head.seq - 2n);
  });
});
