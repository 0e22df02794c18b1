/** Route animation: hop by hop from key-hop events, the whole route from key-routed only when no hop of its key came. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { HOP_GRACE_MS, KeyHopRoutes } from "./key-hop-routes";

const routed = (keyId: string | undefined, linkIds = ["a--b", "b--c"], nodeIds = ["a", "b", "c"]) =>
  ({ topic: "routes" as const, type: "key-routed", data: { ...(keyId ? { keyId } : {}), linkIds, nodeIds } });
const hop = (keyId: string, linkId: string, from: string, to: string, n: number) =>
  ({ topic: "routes" as const, type: "key-hop", data: { keyId, linkId, from, to, hop: n, hops: 2 } });

describe("KeyHopRoutes", () => {
  let marks: Array<[string[], string[]]>;
  let now: number;
  let routes: KeyHopRoutes;
  beforeEach(() => {
    vi.useFakeTimers();
    marks = [];
    now = 0;
    routes = new KeyHopRoutes({ markRoute: (l, n) => void marks.push([[...l], [...n]]) }, () => now);
  });
  afterEach(() => {
    routes.dispose();
    vi.useRealTimers();
  });

  it("plays the whole route after the grace when no hop of its key arrives (as before the carrier)", () => {
    routes.onEvent(routed("k1"));
    expect(marks).toEqual([]);
    vi.advanceTimersByTime(HOP_GRACE_MS);
    expect(marks).toEqual([[["a--b", "b--c"], ["a", "b", "c"]]]);
  });

  it("a route without a key id plays at once", () => {
    routes.onEvent(routed(undefined));
    expect(marks).toHaveLength(1);
  });

  it("animates hop by hop when hops come, before or after the route event, and drops the whole route", () => {
    routes.onEvent(routed("k2"));
    routes.onEvent(hop("k2", "a--b", "a", "b", 1));
    expect(marks).toEqual([[["a--b"], ["a"]]]);
    now += 200;
    routes.onEvent(hop("k2", "b--c", "b", "c", 2));
    vi.advanceTimersByTime(HOP_GRACE_MS);
    expect(marks).toEqual([[["a--b"], ["a"]], [["b--c"], ["b"]]]);

    routes.onEvent(hop("k3", "a--b", "a", "b", 1));
    routes.onEvent(routed("k3"));
    vi.advanceTimersByTime(HOP_GRACE_MS);
    expect(marks.at(-1)).toEqual([["a--b"], ["a"]]);
  });

  it("ignores malformed events and forgets hopping keys after a minute", () => {
    routes.onEvent({ topic: "routes", type: "key-hop", data: { keyId: "k4" } });
    routes.onEvent({ topic: "routes", type: "key-routed" });
    expect(marks).toEqual([]);
    routes.onEvent(hop("k5", "a--b", "a", "b", 1));
    now += 61_000;
    routes.onEvent(routed("k5"));
    vi.advanceTimersByTime(HOP_GRACE_MS);
    expect(marks).toHaveLength(2);
  });
});
