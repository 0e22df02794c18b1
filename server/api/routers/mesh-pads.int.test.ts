/**
 * mesh.pads through createCaller (issue 18): the pad levels the hub's PadLevels
 * store holds (fed directly here, as agents' reports feed it), every link or
 * one, with what is left per end and direction and a desync with its key id
 * and time; counts only; bad input refused, viewers allowed.
 */
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createNodes, testServices } from "../../testing/fixtures";
import { createTestDatabase, type TestDatabase } from "../../testing/test-database";
import { createCaller } from "../root";
import { createContextInner } from "../trpc";

let t: TestDatabase;
let s: ReturnType<typeof testServices>;
let viewer: ReturnType<typeof createCaller>;
const at = new Date("2026-12-07T10:00:00.000Z");

beforeAll(async () => {
  t = await createTestDatabase(inject("adminUrl"), "meshpads");
  await createNodes(t.db);
  s = testServices(t.db, t.url);
  viewer = createCaller(createContextInner(s, { id: "pads-viewer", email: "pads-viewer@qecnet.test", name: "Pads viewer", role: "viewer" }));
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

describe("mesh.pads", () => {
  it("is empty before any end reported, and one unreported link has no ends", async () => {
    expect(await viewer.mesh.pads()).toEqual([]);
    expect(await viewer.mesh.pads({ linkId: "hub-1--node-a" })).toEqual([{ linkId: "hub-1--node-a", ends: [], desync: null, availableKeys: null }]);
  });

  it("returns what each end reported, with what is left, and a desync with its key and time", async () => {
    s.padLevels.record("hub-1", [
      { linkId: "hub-1--node-a", end: "A", direction: "A>B", deliveredBytes: 8192, usedBytes: 1024 },
      { linkId: "hub-1--node-a", end: "A", direction: "B>A", deliveredBytes: 8192, usedBytes: 0 },
    ], at);
    s.padLevels.record("node-a", [{ linkId: "hub-1--node-a", end: "B", direction: "A>B", deliveredBytes: 8192, usedBytes: 992 }], at);
    s.padLevels.record("node-b", [{ linkId: "hub-1--node-b", end: "B", direction: "B>A", deliveredBytes: 640, usedBytes: 0 }], at);
    s.padLevels.markDesync({ linkId: "hub-1--node-a", direction: "A>B", keyId: "00000000-0000-4000-8000-0000000000aa", detectedAt: at.toISOString() });

    const all = await viewer.mesh.pads();
    expect(all.map((l) => [l.linkId, l.availableKeys, l.desync?.keyId ?? null])).toEqual([
      ["hub-1--node-a", 224, "00000000-0000-4000-8000-0000000000aa"],
      ["hub-1--node-b", 20, null],
    ]);
    const [one] = await viewer.mesh.pads({ linkId: "hub-1--node-a" });
    expect(one!.ends.map((e) => [e.end, e.nodeId, e.streams.map((x) => [x.direction, x.availableBytes, x.availableKeys])])).toEqual([
      ["A", "hub-1", [["A>B", 7168, 224], ["B>A", 8192, 256]]],
      ["B", "node-a", [["A>B", 7200, 225]]],
    ]);
    expect(one!.desync).toEqual({ direction: "A>B", keyId: "00000000-0000-4000-8000-0000000000aa", detectedAt: "2026-12-07T10:00:00.000Z" });

    s.padLevels.clearDesync("hub-1--node-a");
    expect((await viewer.mesh.pads({ linkId: "hub-1--node-a" }))[0]!.desync).toBeNull();
  });

  it("mesh.resyncPads: an officer realigns both ends of a link whose pads disagree (audited, mark cleared); refused when they agree, for viewers, and for bad input", async () => {
    const officer = createCaller(createContextInner(s, { id: "pads-officer", email: "pads-officer@qecnet.test", name: "Pads officer", role: "officer" }));
    const link = "hub-1--node-a";
    expect(await code(officer.mesh.resyncPads({ linkId: link, reason: "devices realigned" }))).toMatch(/^CONFLICT: The pads at both ends of hub-1--node-a agree/);
    s.padLevels.markDesync({ linkId: link, direction: "A>B", keyId: "00000000-0000-4000-8000-0000000000bb", detectedAt: at.toISOString() });
    expect(await code(viewer.mesh.resyncPads({ linkId: link, reason: "devices realigned" }))).toMatch(/^FORBIDDEN/);
    expect(await code(officer.mesh.resyncPads({ linkId: "", reason: "devices realigned" }))).toMatch(/^BAD_REQUEST/);
    expect(await code(officer.mesh.resyncPads({ linkId: "hub-1--nowhere", reason: "devices realigned" }))).toMatch(/^NOT_FOUND/);
    expect(s.padLevels.get(link).desync).not.toBeNull(); // nothing changed by the refusals

    const r = await officer.mesh.resyncPads({ linkId: link, reason: "devices realigned" });
    expect(r).toEqual({ linkId: link, ends: [{ nodeId: "hub-1", realigned: true }, { nodeId: "node-a", realigned: true }] });
    expect(s.padLevels.get(link).desync).toBeNull();
    const entry = await t.db.auditEntry.findFirstOrThrow({ where: { action: "LINK_PADS_RESYNCED", subjectId: link } });
    expect(entry.actor).toContain("pads-officer");
    expect(entry.details).toMatchObject({ reason: "devices realigned", direction: "A>B", failedKeyId: "00000000-0000-4000-8000-0000000000bb", ends: ["hub-1", "node-a"] });
  });

  it("refuses a malformed link id", async () => {
    expect(await code(viewer.mesh.pads({ linkId: "" }))).toMatch(/^BAD_REQUEST: linkId: must name a link/);
  });
});
