/** Deliveries per minute laid out over a window (perMinute, pure), on instants of a manual clock. */
import { describe, expect, it } from "vitest";
import { manualClock } from "../time/clock";
import { DELIVERY_SERIES, minuteOf, perMinute, windowOf, type MinuteCount } from "./delivery-history";

const clock = manualClock("2026-06-01T10:04:10Z");
const m = (iso: string) => minuteOf(new Date(iso));

describe("minuteOf and windowOf", () => {
  it("puts an instant on the minute in the minute it starts, and one a millisecond earlier in the one before", () => {
    expect(m("2026-06-01T10:03:00.000Z") - m("2026-06-01T10:02:59.999Z")).toBe(1);
    expect(m("2026-06-01T10:03:59.999Z")).toBe(m("2026-06-01T10:03:00.000Z"));
  });

  it("ends the window where the minute under way begins", () => {
    const w = windowOf(clock(), 5);
    expect(w.from.toISOString()).toBe("2026-06-01T09:59:00.000Z");
    expect(w.to.toISOString()).toBe("2026-06-01T10:04:00.000Z");
    // Exactly on a minute, that minute is the one under way (still empty), the window ends there.
    expect(windowOf(new Date("2026-06-01T10:04:00.000Z"), 5).to.toISOString()).toBe("2026-06-01T10:04:00.000Z");
  });
});

describe("perMinute", () => {
  it("gives one point per whole minute, zero where nothing happened, counts in their minute and series", () => {
    const counts: MinuteCount[] = [
      { minute: m("2026-06-01T10:00:00Z"), series: "toAgents", count: 2 },
      { minute: m("2026-06-01T10:02:00Z"), series: "toAgents", count: 2 },
      { minute: m("2026-06-01T10:02:00Z"), series: "failed", count: 1 },
      { minute: m("2026-06-01T10:03:00Z"), series: "toAgents", count: 4 },
    ];
    const h = perMinute(counts, clock(), 5);
    expect(h.series).toEqual(DELIVERY_SERIES);
    expect(h.points.map((p) => p.at.toISOString().slice(11, 16))).toEqual(["09:59", "10:00", "10:01", "10:02", "10:03"]);
    expect(h.points.map((p) => p.counts)).toEqual([
      { toAgents: 0, failed: 0 },
      { toAgents: 2, failed: 0 },
      { toAgents: 0, failed: 0 },
      { toAgents: 2, failed: 1 },
      { toAgents: 4, failed: 0 },
    ]);
    expect(h.totals).toEqual({ toAgents: 8, failed: 1 });
    expect(h.thisMinute).toEqual({ toAgents: 0, failed: 0 });
    expect(h.now.toISOString()).toBe("2026-06-01T10:04:10.000Z");
  });

  it("keeps the minute under way apart, and leaves out counts before the window or after now's minute", () => {
    const counts: MinuteCount[] = [
      { minute: m("2026-06-01T10:04:00Z"), series: "toAgents", count: 3 }, // under way
      { minute: m("2026-06-01T09:58:00Z"), series: "toAgents", count: 7 }, // before the window
      { minute: m("2026-06-01T10:05:00Z"), series: "failed", count: 9 }, // later than now's minute (a clock ahead elsewhere)
      { minute: m("2026-06-01T09:59:00Z"), series: "failed", count: 1 }, // the window's first minute
    ];
    const h = perMinute(counts, clock(), 5);
    expect(h.thisMinute).toEqual({ toAgents: 3, failed: 0 });
    expect(h.totals).toEqual({ toAgents: 0, failed: 1 });
    expect(h.points[0]!.counts).toEqual({ toAgents: 0, failed: 1 });
    expect(h.points.reduce((n, p) => n + p.counts.toAgents + p.counts.failed, 0)).toBe(1);
  });

  it("moves with the clock: a minute later the window slides by one point and the finished minute joins it", () => {
    const c = manualClock("2026-06-01T10:04:10Z");
    const counts: MinuteCount[] = [{ minute: m("2026-06-01T10:04:00Z"), series: "toAgents", count: 3 }];
    expect(perMinute(counts, c(), 5).points.at(-1)!.counts.toAgents).toBe(0);
    c.advance(60_000);
    const h = perMinute(counts, c(), 5);
    expect(h.points.at(-1)!.at.toISOString()).toBe("2026-06-01T10:04:00.000Z");
    expect(h.points.at(-1)!.counts.toAgents).toBe(3);
    expect(h.thisMinute.toAgents).toBe(0);
  });

  it("a day's window has 1,440 points, all zero without deliveries", () => {
    const h = perMinute([], clock(), 1440);
    expect(h.points).toHaveLength(1440);
    expect(h.points.every((p) => p.counts.toAgents === 0 && p.counts.failed === 0)).toBe(true);
    expect(h.to.getTime() - h.from.getTime()).toBe(1440 * 60_000);
  });
});
