/**
 * Checkpoints on a real PostgreSQL: incremental publication matches a
 * from-scratch root, proofs from the store verify, two services on one
 * database never publish conflicting checkpoints, a restarted service resumes
 * from stored nodes, and every checkpoint also lands in the file.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ACTOR, createNodes, testKeyService } from "../../testing/fixtures";
import { testCheckpointService } from "../../testing/checkpoint-fixtures";
import { createTestDatabase, type TestDatabase } from "../../testing/test-database";
import { CompactRange } from "../../domain/audit/merkle/compact-range";
import { fromHex32, toHex } from "../../domain/audit/merkle/hasher";
import { nodeHasher } from "../merkle/node-hasher";
import { verifyConsistency, verifyInclusion } from "../../domain/audit/merkle/proofs";
import { toRecord } from "../audit-log";
import { leafData } from "../../domain/audit/audit-leaf";
import { parsePublicKey, verifyCheckpointSignature } from "./signing-key";
import type { KeyService } from "../../keys/key-service";
import { poolOf } from "../../db/client";
import { tamperWithAuditEntries } from "../../testing/synthetic-chain";
import { walkFastLane } from "../copy-walk";

let t: TestDatabase;
let keys: KeyService;

async function grow(n: number) {
  for (let i = 0; i < n; i++) {
    const k = await keys.create({ label: `cp-${i}`, purpose: "checkpoint test", policy: "standard", participants: ["node-a", "node-b"] }, ACTOR);
    await keys.apply(k.id, { type: "DISTRIBUTE" }, ACTOR);
  }
}

async function scratchRoot(size: number): Promise<string> {
  const rows = await t.db.auditEntry.findMany({ where: { seq: { lte: BigInt(size) } }, orderBy: { seq: "asc" } });
  const range = new CompactRange(nodeHasher);
  for (const r of rows) range.appendLeafHash(nodeHasher.leaf(leafData(toRecord(r))));
  return toHex(range.root());
}

beforeAll(async () => {
  t = await createTestDatabase(inject("adminUrl"), "checkpoints");
  await createNodes(t.db);
  keys = testKeyService(t.db);
});
afterAll(async () => t?.dispose());

describe("checkpoint service", () => {
  it("publishes nothing for an empty chain, then signed incremental checkpoints that match a from-scratch root", async () => {
    const svc = testCheckpointService(t.db);
    expect((await svc.publish()).checkpoint).toBeNull();
    await grow(150); // 300 entries: crosses the stored level-8 boundary (256)
    const first = await svc.publish();
    expect(first.created).toBe(true);
    const size1 = Number(first.checkpoint!.treeSize);
    expect(size1).toBe(300);
    expect(first.checkpoint!.rootHash).toBe(await scratchRoot(size1));
    expect(await t.db.auditMerkleNode.count()).toBe(1); // the one complete 256-leaf subtree
    const again = await svc.publish();
    expect(again).toMatchObject({ created: false, checkpoint: { treeSize: "300" } });

    await grow(120);
    const second = (await svc.publish()).checkpoint!;
    expect(second.treeSize).toBe("540");
    expect(second.rootHash).toBe(await scratchRoot(540));
    const pub = parsePublicKey(svc.key.publicKey)!;
    expect(verifyCheckpointSignature(second, second.signature, pub.key)).toBe(true);
    expect(verifyCheckpointSignature({ ...second, treeSize: "541" }, second.signature, pub.key)).toBe(false);
    // The consistency proof it carries verifies against the previous checkpoint.
    expect(second.consistency?.fromSize).toBe("300");
    const proof = second.consistency!.proof.map((h) => fromHex32(h)!);
    expect(verifyConsistency(nodeHasher, 300n, 540n, fromHex32(first.checkpoint!.rootHash)!, fromHex32(second.rootHash)!, proof)).toEqual({ ok: true });
    const file = await svc.file.read();
    expect(file.checkpoints.map((c) => c.treeSize)).toEqual(["300", "540"]);
    expect(file.badLines).toEqual([]);
  });

  it("proofs from the store verify for every kind of position", async () => {
    const svc = testCheckpointService(t.db);
    const latest = (await svc.latest())!;
    const size = BigInt(latest.treeSize);
    for (const seq of [1n, 2n, 255n, 256n, 257n, 300n, 301n, 511n, 512n, size]) {
      const r = await svc.inclusionProof(seq);
      const rec = toRecord((await t.db.auditEntry.findUniqueOrThrow({ where: { seq } })));
      const check = verifyInclusion(nodeHasher, seq - 1n, size, nodeHasher.leaf(leafData(rec)), r.proof.map((h) => fromHex32(h)!), fromHex32(latest.rootHash)!);
      expect(check, `entry #${seq}`).toEqual({ ok: true });
    }
    const c = await svc.consistencyProof(300n, size);
    expect(verifyConsistency(nodeHasher, 300n, size, fromHex32(c.from.rootHash)!, fromHex32(c.to.rootHash)!, c.proof.map((h) => fromHex32(h)!))).toEqual({ ok: true });
    await expect(svc.inclusionProof(size + 1n)).rejects.toThrow(/newer than checkpoint/);
    await expect(svc.consistencyProof(7n, size)).rejects.toThrow(/No checkpoint of 7 entries/);
  });

  it("a fresh service (a restart) resumes from stored nodes, and two services publishing at once agree", async () => {
    await grow(40);
    const a = testCheckpointService(t.db);
    const b = testCheckpointService(t.db);
    const [ra, rb] = await Promise.all([a.publish(), b.publish()]);
    expect([ra.created, rb.created].sort()).toEqual([false, true]);
    // Each test service has its own key; a service frames as a signed note only what its own key signed.
    const withoutNote = (c: typeof ra.checkpoint) => (c ? { ...c, note: undefined } : c);
    expect(withoutNote(ra.checkpoint)).toEqual(withoutNote(rb.checkpoint));
    const all = await t.db.auditCheckpoint.findMany({ orderBy: { treeSize: "asc" } });
    expect(all.map((c) => Number(c.treeSize))).toEqual([300, 540, 620]);
    expect(ra.checkpoint!.rootHash).toBe(await scratchRoot(620));
  });

  it("takes every leaf once when the fast lane stops midway and the page walk takes over (details stored as jsonb's text)", async () => {
    await grow(60); // entries 621–740
    // Entry #700's details as jsonb would print them: not a text the fast lane vouches for, but sound (the page walk
    // canonicalizes it): the lane gives the leaves of #621–#699, the page walk those from #700 on.
    const c = await poolOf(t.db).connect();
    try {
      const before = (await c.query<{ d: string }>("SELECT details::text AS d FROM audit_entries WHERE seq = 700")).rows[0]!.d;
      await tamperWithAuditEntries(c, "UPDATE audit_entries SET details = details::jsonb::json WHERE seq = 700");
      const after = (await c.query<{ d: string }>("SELECT details::text AS d FROM audit_entries WHERE seq = 700")).rows[0]!.d;
      expect(after).not.toBe(before);
      expect(JSON.parse(after)).toEqual(JSON.parse(before));
    } finally {
      c.release();
    }
    const lane = await (async () => {
      const client = await poolOf(t.db).connect();
      try {
        return await walkFastLane(client, { seq: 620n, hash: (await t.db.auditEntry.findUniqueOrThrow({ where: { seq: 620n } })).entryHash }, 740n);
      } finally {
        client.release();
      }
    })();
    expect(lane.entries).toBe(79); // #621–#699
    const r = await testCheckpointService(t.db).publish();
    expect(r.checkpoint!.treeSize).toBe("740");
    expect(r.checkpoint!.rootHash).toBe(await scratchRoot(740));
  });
});
