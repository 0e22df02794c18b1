/**
 * The hub's pad cursors on a real PostgreSQL: concurrent keys (from two hub
 * instances at once) get disjoint pad ranges with no gaps, each batch lays a
 * cursor's ranges out in request order, the pool figures are told each
 * cursor's new end, a length that would move a cursor back is refused before
 * the database, and a batch whose routes cannot be recorded fails its own
 * requests, its ranges skipped and never handed out again.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { poolOf } from "../db/client";
import type { PadDirection } from "../quantum-channel/pad-levels";
import { createTestDatabase, type TestDatabase } from "../testing/test-database";
import { PadCursors, type HopCursor } from "./pad-cursors";

const LINKS = ["hub--r1", "r1--r2", "r2--ep"];
const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const DIRS: PadDirection[] = ["A>B", "B>A"];

describe("pad cursors", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(inject("adminUrl"), "pad_cursors");
  });
  afterAll(async () => {
    await t?.dispose();
  });

  const cursorEnd = async (linkId: string, direction: PadDirection) =>
    Number((await poolOf(t.db).query<{ n: string }>("SELECT next_offset::text AS n FROM link_pad_cursors WHERE link_id = $1 AND direction = $2", [linkId, direction])).rows[0]?.n ?? 0);

  it("gives 400 concurrent routes of two hub instances disjoint ranges that tile each cursor from 0", async () => {
    const reserved = new Map<string, number>();
    const note = (l: string, d: PadDirection, upTo: number) => reserved.set(`${l} ${d}`, Math.max(reserved.get(`${l} ${d}`) ?? 0, upTo));
    const hubs = [new PadCursors(t.db, note), new PadCursors(t.db, note)];
    const routes = Array.from({ length: 400 }, (_, i) => {
      const hops: HopCursor[] = LINKS.slice(0, 1 + (i % 3)).map((linkId, h) => ({ linkId, direction: DIRS[(i + h) % 2]! }));
      return { keyId: uuid(i), hops, bytes: 32 + (i % 4) * 16 };
    });
    const got = await Promise.all(routes.map((r, i) => hubs[i % 2]!.take(r.keyId, "ep", r.hops, r.bytes)));

    const ranges = new Map<string, Array<[number, number]>>();
    routes.forEach((r, i) => {
      expect(got[i]).toHaveLength(r.hops.length);
      r.hops.forEach((h, j) => {
        const id = `${h.linkId} ${h.direction}`;
        if (!ranges.has(id)) ranges.set(id, []);
        ranges.get(id)!.push([got[i]![j]!, got[i]![j]! + r.bytes]);
      });
    });
    expect(ranges.size).toBe(6);
    for (const [id, rs] of ranges) {
      rs.sort((a, b) => a[0] - b[0]);
      // Tiled: each range starts where the previous ended, from 0 to the cursor (nothing shared, nothing skipped).
      let at = 0;
      for (const [from, to] of rs) {
        expect(from, id).toBe(at);
        at = to;
      }
      const [linkId, direction] = id.split(" ") as [string, PadDirection];
      expect(await cursorEnd(linkId, direction)).toBe(at);
      expect(reserved.get(id)).toBe(at);
    }
  });

  it("lays one batch's ranges out in the order the requests came", async () => {
    const c = new PadCursors(t.db);
    const before = await cursorEnd("ordered", "A>B");
    const hop = [{ linkId: "ordered", direction: "A>B" as const }];
    const [a, b, d] = await Promise.all([c.take(uuid(1001), "ep", hop, 32), c.take(uuid(1002), "ep", hop, 64), c.take(uuid(1003), "ep", hop, 32)]);
    expect([a![0], b![0], d![0]]).toEqual([before, before + 32, before + 96]);
  });

  it("refuses a length that would move a cursor back, before the database, and the batch around it is served", async () => {
    const c = new PadCursors(t.db);
    const hop = [{ linkId: "refused", direction: "B>A" as const }];
    for (const bad of [Number.NaN, 0, -32, 1.5]) await expect(c.take(uuid(2000), "ep", hop, bad)).rejects.toThrow(RangeError);
    const [bad, good] = await Promise.allSettled([c.take(uuid(2001), "ep", hop, -64), c.take(uuid(2002), "ep", hop, 32)]);
    expect(bad.status).toBe("rejected");
    expect(good).toEqual({ status: "fulfilled", value: [0] });
    expect(await cursorEnd("refused", "B>A")).toBe(32);
  });

  it("a batch whose routes cannot be recorded fails all its requests; its ranges are skipped, never handed out again", async () => {
    const c = new PadCursors(t.db);
    const hop = [{ linkId: "unrecorded", direction: "A>B" as const }];
    // Not a key id the routes table can hold: the cursor moved, the offsets could not be recorded.
    const failed = await Promise.allSettled([c.take("not-a-uuid", "ep", hop, 32), c.take(uuid(3001), "ep", hop, 32)]);
    expect(failed.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    expect(await cursorEnd("unrecorded", "A>B")).toBe(64);
    expect(await c.take(uuid(3002), "ep", hop, 32)).toEqual([64]);
  });
});
