/**
 * The carrier with the in-process agents the console runs on (issue 18): a key
 * relayed hub → r1 → r2 → ep-far arrives with the hub's bytes, each hop is
 * published as a material-free "key-hop" event with the confirm job, the pad
 * offsets are recorded with the route, a leaking relay's notes equal its blast
 * radius, and a device skip at one end fails the keys over that hop (marked
 * desynchronised) instead of delivering other bytes.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { ConsoleEvent } from "../domain/events/console-events";
import { buildLink } from "../domain/mesh/mesh-builder";
import { poolOf } from "../db/client";
import { blastRadius } from "../recovery/blast-radius";
import { buildServices, type Services } from "../runtime/services";
import { testCheckpointService } from "../testing/checkpoint-fixtures";
import { ACTOR, testVault } from "../testing/fixtures";
import { createTestDatabase, type TestDatabase } from "../testing/test-database";

const NODES = [["hub-sov", "HUB"], ["r1", "RELAY"], ["r2", "RELAY"], ["ep-far", "ENDPOINT"], ["ep-near", "ENDPOINT"], ["ep-side", "ENDPOINT"]] as const;
const LINKS = [["hub-sov", "r1"], ["r1", "r2"], ["r2", "ep-far"], ["hub-sov", "ep-near"], ["hub-sov", "ep-side"]] as const;
const linkId = (a: string, b: string) => buildLink({ aNodeId: a, bNodeId: b, lengthKm: 10 }).id;

describe("key carrier with in-process agents", () => {
  let t: TestDatabase;
  let s: Services;
  const events: ConsoleEvent[] = [];

  beforeAll(async () => {
    t = await createTestDatabase(inject("adminUrl"), "key_carrier");
    await t.db.node.createMany({ data: NODES.map(([id, role], i) => ({ id, name: id, role, site: `Site ${i}`, x: i, y: 0 })) });
    await t.db.link.createMany({
      data: LINKS.map(([a, b]) => {
        const l = buildLink({ aNodeId: a, bNodeId: b, lengthKm: 10 });
        return { ...l, poolBits: BigInt(l.poolBits), poolCapacityBits: BigInt(l.poolCapacityBits), bitsConsumed: 0n };
      }),
    });
    s = buildServices(t.db, t.url, testVault(), testCheckpointService(t.db), { receiptTimeoutMs: 2_000, backoffMs: () => 0 });
    await s.events.start();
    s.events.subscribe(["routes"], (e) => events.push(e));
  });
  afterAll(async () => {
    await s?.events.stop();
    await t?.dispose();
  });

  const distribute = async (label: string, participants: string[]) => {
    const k = await s.keys.create({ label, purpose: "carrier", policy: "standard", participants }, ACTOR);
    return s.distribution.distribute(k.id, ACTOR);
  };

  it("relays over three hops, publishes each hop, records the offsets; r1's leak is exactly its blast radius", async () => {
    s.agents.setFault("r1", { leak: true });
    const far = await distribute("far", ["ep-far", "ep-near"]);
    const side = await distribute("side", ["ep-near", "ep-side"]);
    for (const r of [far, side]) expect(r.finalKey.state).toBe("ACTIVE");
    const row = await t.db.key.findUniqueOrThrow({ where: { id: far.finalKey.id }, select: { fingerprint: true } });
    expect(await s.agents.agent("ep-far").integrity(far.finalKey.id)).toBe(row.fingerprint);
    const route = await t.db.$queryRawUnsafe<Array<{ pad_offsets: string[] }>>(`SELECT pad_offsets::text[] FROM key_routes WHERE key_id = $1::uuid AND node_id = 'ep-far'`, far.finalKey.id);
    expect(route[0]!.pad_offsets).toHaveLength(3);

    await expect.poll(() => events.flatMap((e) => e.events ?? []).filter((x) => x.type === "key-hop" && x.data?.keyId === far.finalKey.id).length).toBe(4);
    const hops = events.flatMap((e) => e.events ?? []).filter((x) => x.type === "key-hop" && x.data?.keyId === far.finalKey.id).map((x) => x.data!);
    expect(hops).toContainEqual({ keyId: far.finalKey.id, linkId: linkId("r1", "r2"), from: "r1", to: "r2", hop: 2, hops: 3 });

    const client = await poolOf(t.db).connect();
    try {
      const radius = (await blastRadius(client, { type: "node", id: "r1" })).map((k) => k.keyId);
      expect(s.agents.leakedBy("r1").map((l) => l.keyId)).toEqual(radius);
      expect(radius).toEqual([far.finalKey.id]);
    } finally {
      client.release();
    }
    s.agents.setFault("r1", null);
    // Both ends of every hop used the same bytes (levels recorded by the hub and the in-process agents).
    const l = s.padLevels.get(linkId("r1", "r2")).ends.filter((e) => e.direction === "A>B").map((e) => e.usedBytes);
    expect(l).toEqual([32, 32]);
  });

  it("a device skip at one end of a hop fails the key (DESTROYED, never stored) and marks the link", async () => {
    const hop = linkId("r1", "r2");
    expect(s.agents.padSkip("r2", hop, 4)).toBe(true);
    const r = await distribute("far-skip", ["ep-far", "ep-near"]);
    expect(r.attempts[0]).toMatchObject({ outcome: "failed" });
    expect(r.attempts[0]!.reason).toMatch(`pads of link ${hop} (A>B) disagree`);
    expect(s.padLevels.get(hop).desync).toMatchObject({ linkId: hop, direction: "A>B" });
    for (const a of r.attempts) expect(s.agents.agent("ep-far").holds(a.keyId)).toBe(false);
    expect(r.finalKey.state).not.toBe("ACTIVE");
  });
});
