/** The checkpoints router through createCaller: publish, latest, proofs, and bad inputs answered with the right code while nothing changes. */
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ACTOR, createNodes, testServices } from "../../testing/fixtures";
import { createTestDatabase, type TestDatabase } from "../../testing/test-database";
import { createCaller } from "../root";
import { createContextInner } from "../trpc";

let t: TestDatabase;
let caller: ReturnType<typeof createCaller>;

beforeAll(async () => {
  t = await createTestDatabase(inject("adminUrl"), "cprouter");
  await createNodes(t.db);
  const s = testServices(t.db, t.url);
  // A signed-in admin as the context sees one (not created through the audited user service, so the log holds exactly one entry).
  caller = createCaller(createContextInner(s, { id: "cp-admin", email: "cp-admin@qecnet.test", name: "Checkpoint admin", role: "admin" }));
  await s.keys.create({ label: "r-1", purpose: "router", policy: "standard", participants: ["node-a"] }, ACTOR);
});
afterAll(async () => t?.dispose());

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "resolved";
  } catch (err) {
    return err instanceof TRPCError ? `${err.code}: ${err.message}` : `other: ${String(err)}`;
  }
}

describe("checkpoints router", () => {
  it("answers NOT_FOUND before the first checkpoint, then publishes and proves", async () => {
    expect((await caller.checkpoints.latest()).checkpoint).toBeNull();
    expect(await code(caller.checkpoints.inclusionProof({ seq: 1n }))).toMatch(/^NOT_FOUND: No checkpoint has been published yet/);
    const p = await caller.checkpoints.publish();
    expect(p).toMatchObject({ created: true, checkpoint: { treeSize: "1" } });
    expect(await caller.checkpoints.publish()).toMatchObject({ created: false });
    const proof = await caller.checkpoints.inclusionProof({ seq: 1n });
    expect(proof).toMatchObject({ leafIndex: "0", proof: [], entry: { seq: "1", action: "KEY_GENERATED" } });
    const latest = await caller.checkpoints.latest();
    expect(latest.publicKey).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(JSON.stringify(latest)).not.toMatch(/\/tmp|\.jsonl|"file"/); // no server paths in answers
  });

  it.each<[string, () => Promise<unknown>, RegExp]>([
    ["seq 0", () => caller.checkpoints.inclusionProof({ seq: 0n }), /^BAD_REQUEST: seq: /],
    ["an entry past the checkpoint", () => caller.checkpoints.inclusionProof({ seq: 99n }), /^NOT_FOUND: Entry #99 is newer than checkpoint #1/],
    ["an unknown tree size", () => caller.checkpoints.inclusionProof({ seq: 1n, treeSize: 7n }), /^NOT_FOUND: No checkpoint of 7 entries/],
    ["a reversed range", () => caller.checkpoints.consistencyProof({ from: 2n, to: 1n }), /^BAD_REQUEST: A consistency proof needs 1 ≤ from < to \(RFC 9162/],
    ["equal sizes (RFC 9162 §2.1.4.2 rejects an empty proof)", () => caller.checkpoints.consistencyProof({ from: 1n, to: 1n }), /^BAD_REQUEST: A consistency proof needs 1 ≤ from < to .*roots are equal/],
  ])("%s is refused with a readable message and changes nothing", async (_l, call, message) => {
    const before = await t.db.auditCheckpoint.count();
    expect(await code(call())).toMatch(message);
    expect(await t.db.auditCheckpoint.count()).toBe(before);
  });
});
