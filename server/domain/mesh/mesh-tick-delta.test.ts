/**
 * The tick delta applied in the browser, on hand-made views: a missed tick is
 * a gap (refetch), an old or repeated one changes nothing, untouched links keep
 * their identity (nothing to redraw), and a link panel's window slides.
 */
import { describe, expect, it } from "vitest";
import type { MeshTickDelta } from "../events/console-events";
import { applyTickToLinkDetail, applyTickToState, catchUpState } from "./mesh-tick-delta";
import type { MeshLinkDetail, MeshLinkView, MeshStateView } from "./mesh-views";

const link = (id: string, status = "UP"): MeshLinkView =>
  ({ id, aNodeId: "a", bNodeId: "b", status, kind: "FIBRE", qber: 0.02, secretKeyRateBps: 1_000, poolBits: 500, poolCapacityBits: 1_000, health: "healthy", poolLevel: 0.5, nominalRateBps: 1_000 }) as unknown as MeshLinkView;

const state = (tick: number): MeshStateView => ({
  hubId: "a", nodes: [], links: [link("l1"), link("l2"), link("l3", "DOWN")],
  simulation: { running: true, speed: 1, tick, simTime: new Date(0), lastTickAt: new Date(0) },
  thresholds: { qberWarning: 0.05, qberAbort: 0.11 },
});

const delta = (tick: number, links: MeshTickDelta["links"], sampled = false, at = "2026-12-01T00:00:00.000Z"): MeshTickDelta =>
  ({ tick, simTime: at, lastTickAt: at, sampled, links });

describe("applyTickToState", () => {
  it("applies the next tick, recomputing health and pool level, keeping untouched links as they are", () => {
    const before = state(4);
    const r = applyTickToState(before, delta(5, [["l1", 0.08, 400, 900], ["l3", 0.02, 700, 10]]));
    expect(r.kind).toBe("applied");
    if (r.kind !== "applied") return;
    expect(r.state.simulation.tick).toBe(5);
    expect(r.state.links[0]).toMatchObject({ qber: 0.08, secretKeyRateBps: 400, poolBits: 900, poolLevel: 0.9, health: "warning" });
    expect(r.state.links[1]).toBe(before.links[1]);
    expect(r.state.links[2]).toMatchObject({ secretKeyRateBps: 0, poolBits: 10 }); // a link that is down has no rate
  });
  it("applies a status the tick changed: health follows the new status", () => {
    const before = state(4);
    const r = applyTickToState(before, delta(5, [["l1", 0.06, 300, 520, "DEGRADED"], ["l2", 0.02, 1_000, 510]]));
    if (r.kind !== "applied") throw new Error(r.kind);
    expect(r.state.links[0]).toMatchObject({ status: "DEGRADED", qber: 0.06, health: "warning" });
    expect(r.state.links[1]).toMatchObject({ status: "UP", poolBits: 510, health: "healthy" });
    // Only the status moved: still a new object, so the edge is redrawn.
    const back = applyTickToState(r.state, delta(6, [["l1", 0.06, 300, 520, "UP"]]));
    if (back.kind !== "applied") throw new Error(back.kind);
    expect(back.state.links[0]).not.toBe(r.state.links[0]);
    expect(back.state.links[0]!.status).toBe("UP");
  });
  it("calls a skipped tick a gap, and an old or repeated one current", () => {
    expect(applyTickToState(state(4), delta(6, [])).kind).toBe("gap");
    expect(applyTickToState(state(6), delta(6, [])).kind).toBe("current");
    expect(applyTickToState(state(7), delta(6, [])).kind).toBe("current");
  });
});

describe("catchUpState", () => {
  it("brings a state that arrived late up to the newest delta heard meanwhile, and calls a hole a gap", () => {
    const recent = [delta(5, [["l1", 0.03, 900, 510]]), delta(6, [["l1", 0.04, 800, 520]]), delta(7, [["l2", 0.05, 700, 530]])];
    const r = catchUpState(state(4), recent);
    if (r.kind !== "applied") throw new Error(r.kind);
    expect(r.state.simulation.tick).toBe(7);
    expect(r.state.links[0]).toMatchObject({ qber: 0.04, poolBits: 520 });
    expect(r.state.links[1]).toMatchObject({ qber: 0.05, poolBits: 530 });
    // Joined in the middle: only the newer deltas apply.
    const mid = catchUpState(state(6), recent);
    expect(mid.kind === "applied" && mid.state.simulation.tick).toBe(7);
    expect(catchUpState(state(7), recent).kind).toBe("current");
    expect(catchUpState(state(2), recent).kind).toBe("gap"); // ticks 3 and 4 were never heard
    expect(catchUpState(state(4), [recent[0]!, recent[2]!]).kind).toBe("gap"); // tick 6 missing
  });
});

describe("applyTickToLinkDetail", () => {
  it("appends a sampled tick's figures and drops samples that left the window", () => {
    const t = (m: number) => new Date(Date.parse("2026-12-01T00:00:00.000Z") + m * 60_000);
    const detail = { link: link("l1"), keys: [], events: [], samples: [-31, -20, -1].map((m) => ({ at: t(m), qber: 0.02, poolBits: 1, secretKeyRateBps: 1 })) } as unknown as MeshLinkDetail;
    const after = applyTickToLinkDetail(detail, delta(9, [["l1", 0.03, 900, 600]], true), 30);
    expect(after.samples.map((s) => s.at)).toEqual([t(-20), t(-1), t(0)]);
    expect(after.samples[2]).toEqual({ at: t(0), qber: 0.03, poolBits: 600, secretKeyRateBps: 900 });
    expect(applyTickToLinkDetail(after, delta(9, [["l1", 0.03, 900, 600]], true), 30).samples).toHaveLength(3); // once
    expect(applyTickToLinkDetail(detail, delta(9, [["l2", 0.03, 900, 600]], true), 30)).toBe(detail); // not this link
  });
});
