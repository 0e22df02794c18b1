/** Key states over time rebuilt backwards from today's counts and the audited changes (countsOverTime, pure). */
import { describe, expect, it } from "vitest";
import { countsOverTime, zeroCounts, type StateChange, type StateCounts } from "./state-history";

const T0 = new Date("2026-03-01T00:00:00Z");
const at = (min: number) => new Date(T0.getTime() + min * 60_000);
const counts = (c: Partial<StateCounts>): StateCounts => ({ ...zeroCounts(), ...c });

describe("countsOverTime", () => {
  it("ends at today's counts and undoes each change that came after an instant", () => {
    // Over an hour: a key made at 10 min, distributed at 20, activated at 30; another made at 50.
    const changes: StateChange[] = [
      { at: at(50), from: null, to: "GENERATED" },
      { at: at(30), from: "DISTRIBUTED", to: "ACTIVE" },
      { at: at(20), from: "GENERATED", to: "DISTRIBUTED" },
      { at: at(10), from: null, to: "GENERATED" },
    ];
    const now = counts({ ACTIVE: 3, GENERATED: 1 });
    const points = countsOverTime(now, changes, at(0), at(60), 6);
    expect(points.map((p) => p.at.getTime())).toEqual([0, 10, 20, 30, 40, 50, 60].map((m) => at(m).getTime()));
    expect(points[6]!.counts).toEqual(now);
    expect(points[5]!.counts).toEqual(counts({ ACTIVE: 3, GENERATED: 1 })); // the change at 50 is not after 50
    expect(points[4]!.counts).toEqual(counts({ ACTIVE: 3 }));
    expect(points[2]!.counts).toEqual(counts({ ACTIVE: 2, DISTRIBUTED: 1 }));
    expect(points[1]!.counts).toEqual(counts({ ACTIVE: 2, GENERATED: 1 }));
    expect(points[0]!.counts).toEqual(counts({ ACTIVE: 2 }));
  });

  it("keeps the total of keys except for creations, and never goes below zero on a change it cannot undo", () => {
    const changes: StateChange[] = [{ at: at(5), from: "ACTIVE", to: "REVOKED" }, { at: at(4), from: "ACTIVE", to: "REVOKED" }];
    const points = countsOverTime(counts({ REVOKED: 1, ACTIVE: 0 }), changes, at(0), at(10), 2);
    expect(points[0]!.counts.REVOKED).toBe(0);
    expect(points[0]!.counts.ACTIVE).toBe(2);
  });

  it("gives flat lines when nothing changed", () => {
    const now = counts({ ACTIVE: 7, DESTROYED: 2 });
    const points = countsOverTime(now, [], at(0), at(60), 4);
    expect(points).toHaveLength(5);
    for (const p of points) expect(p.counts).toEqual(now);
  });
});
