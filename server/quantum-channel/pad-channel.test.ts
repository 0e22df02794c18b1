/**
 * The hub's copy of the mesh (pad-channel.ts) is read once for many callers:
 * a thousand carries that find it stale together share one read, and a caller
 * that found a link missing waits for a read that began after it asked (one
 * already under way may predate the link), which the callers asking meanwhile
 * share.
 */
import { describe, expect, it } from "vitest";
import type { Db } from "../db/client";
import { PadChannel } from "./pad-channel";

/** A database whose mesh reads wait until the test lets them finish; each read returns the links of its time. */
function slowMesh() {
  let links = [{ id: "hub--r1", aNodeId: "hub", bNodeId: "r1" }];
  const pending: Array<() => void> = [];
  let reads = 0;
  const db = {
    link: {
      findMany: async () => {
        reads += 1;
        const now = links.map((l) => ({ ...l, secretKeyRateBps: 8_000, poolCapacityBits: 8n * 1024n, createdAt: new Date(0) }));
        await new Promise<void>((r) => pending.push(r));
        return now;
      },
    },
    node: { findMany: async () => ["hub", "r1", "r2"].map((id) => ({ id, role: id === "hub" ? "HUB" : "RELAY" })) },
  } as unknown as Db;
  return {
    db,
    reads: () => reads,
    addLink: (id: string, a: string, b: string) => (links = [...links, { id, aNodeId: a, bNodeId: b }]),
    finishAll: async () => {
      while (pending.length > 0) {
        for (const r of pending.splice(0)) r();
        await new Promise((r) => setImmediate(r));
      }
    },
  };
}

describe("the hub's copy of the mesh", () => {
  it("1,000 callers finding it stale at once share one read", async () => {
    const m = slowMesh();
    const c = new PadChannel(new Uint8Array(32));
    const all = Promise.all(Array.from({ length: 1_000 }, () => c.refreshIfOlder(m.db, 10_000, 5_000)));
    await m.finishAll();
    await all;
    expect(m.reads()).toBe(1);
    expect(c.meshLinks().map((l) => l.id)).toEqual(["hub--r1"]);
    // Fresh now: no read within the age.
    await c.refreshIfOlder(m.db, 12_000, 5_000);
    expect(m.reads()).toBe(1);
  });

  it("a caller that found a link missing gets a read begun after it asked; callers meanwhile share it", async () => {
    const m = slowMesh();
    const c = new PadChannel(new Uint8Array(32));
    const first = c.refreshIfOlder(m.db, 10_000, 5_000); // a read under way, of the mesh before r1--r2
    await new Promise((r) => setImmediate(r));
    m.addLink("r1--r2", "r1", "r2");
    const asked = Array.from({ length: 50 }, () => c.refresh(m.db));
    await m.finishAll();
    await Promise.all([first, ...asked]);
    expect(m.reads()).toBe(2);
    expect(c.linksAlong(["hub", "r1", "r2"]).map((l) => l.id)).toEqual(["hub--r1", "r1--r2"]);
  });

  it("a failed read fails its callers and the next caller reads again", async () => {
    const c = new PadChannel(new Uint8Array(32));
    let fail = true;
    const db = {
      link: { findMany: async () => { if (fail) throw new Error("connection lost"); return []; } },
      node: { findMany: async () => [] },
    } as unknown as Db;
    await expect(Promise.all([c.refresh(db), c.refreshIfOlder(db, 1, 5_000)])).rejects.toThrow("connection lost");
    fail = false;
    await expect(c.refresh(db)).resolves.toBeUndefined();
  });
});
