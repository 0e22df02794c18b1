/** Pad level changes become at most one "pad-levels" mesh event per interval, naming the links that changed. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ConsoleEvent } from "../domain/events/console-events";
import { manualClock } from "../time/clock";
import { MAX_NAMED_LINKS, padLevelsEvent, publishPadLevelChanges } from "./pad-level-events";
import { PadLevels } from "./pad-levels";

const level = (linkId: string, deliveredBytes = 64) => ({ linkId, end: "A" as const, direction: "A>B" as const, deliveredBytes, usedBytes: 0 });

describe("publishPadLevelChanges", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("sends one event per interval for a burst of reports, then the next burst after the interval", async () => {
    const clock = manualClock("2026-12-07T10:00:00Z");
    const store = new PadLevels();
    const sent: ConsoleEvent[] = [];
    const stop = publishPadLevelChanges(store, async (e) => void sent.push(e), { clock, minIntervalMs: 1_000 });
    store.record("node-a", [level("a--b")], clock());
    store.record("node-b", [level("b--c")], clock());
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toEqual([{ topics: ["mesh"], events: [{ topic: "mesh", type: "pad-levels", data: { linkIds: ["a--b", "b--c"] } }] }]);

    store.markDesync({ linkId: "a--b", direction: "A>B", keyId: "k1", detectedAt: clock().toISOString() });
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toHaveLength(1);
    clock.advance(999);
    await vi.advanceTimersByTimeAsync(999);
    expect(sent).toHaveLength(1);
    clock.advance(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toHaveLength(2);
    expect(sent[1]!.events![0]!.data).toEqual({ linkIds: ["a--b"] });

    stop();
    store.record("node-a", [level("a--b", 128)], clock());
    clock.advance(5_000);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(sent).toHaveLength(2);
  });

  it("names no links beyond the limit and never carries anything but ids and counts", () => {
    const many = Array.from({ length: MAX_NAMED_LINKS + 1 }, (_, i) => `l${i}`);
    expect(padLevelsEvent(many).events![0]!.data).toEqual({ linkIds: [], links: MAX_NAMED_LINKS + 1 });
  });

  it("reports a failed send and keeps going", async () => {
    const clock = manualClock("2026-12-07T10:00:00Z");
    const store = new PadLevels();
    const errors: string[] = [];
    let calls = 0;
    publishPadLevelChanges(store, async () => {
      calls++;
      throw new TypeError("down");
    }, { clock, onError: (e) => errors.push(e.name) });
    store.record("n", [level("x")], clock());
    await vi.advanceTimersByTimeAsync(0);
    clock.advance(1_000);
    store.record("n", [level("x", 96)], clock());
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toBe(2);
    expect(errors).toEqual(["TypeError", "TypeError"]);
  });
});

describe("PadLevels", () => {
  const at = new Date("2026-12-07T10:00:00Z");
  const both = (linkId: string, delivered: number, used: number) => [
    { linkId, end: "A" as const, direction: "A>B" as const, deliveredBytes: delivered, usedBytes: used },
    { linkId, end: "B" as const, direction: "A>B" as const, deliveredBytes: delivered, usedBytes: used },
  ];

  it("tells listeners only of links whose figures changed", () => {
    const store = new PadLevels();
    const heard: string[][] = [];
    store.subscribe((ids) => heard.push([...ids]));
    store.record("n", both("a--b", 4_096, 0), at);
    store.record("n", both("a--b", 4_096, 0), new Date(at.getTime() + 1_000)); // the same figures, reported again
    store.record("n", both("a--b", 4_096, 32), at);
    expect(heard).toEqual([["a--b"], ["a--b"]]);
    expect(store.get("a--b").ends[0]!.reportedAt).toBe(at.toISOString()); // the latest report is kept all the same
  });

  it("gives the pool both ends reported less what the hub reserved since, and forgets a removed link", () => {
    const store = new PadLevels();
    expect(store.poolBits("a--b", 1e9, at)).toBeNull();
    store.record("a", [both("a--b", 4_096, 64)[0]!], at);
    expect(store.poolBits("a--b", 1e9, at)).toBeNull(); // one end only
    store.record("b", [both("a--b", 4_000, 32)[1]!], at);
    expect(store.poolBits("a--b", 1e9, at)).toBe((4_000 - 64) * 8);
    store.noteReserved("a--b", "A>B", 1_000);
    store.noteReserved("a--b", "A>B", 500); // a late answer of an earlier reservation never moves the cursor back
    expect(store.poolBits("a--b", 1e9, at)).toBe((4_000 - 1_000) * 8);
    expect(store.poolBits("a--b", 8_000, at)).toBe(8_000);
    expect(store.poolBits("a--b", 1e9, new Date(at.getTime() + 31_000))).toBeNull(); // reports older than 30 s no longer count
    store.forget("a--b");
    expect(store.poolBits("a--b", 1e9, at)).toBeNull();
  });
});
