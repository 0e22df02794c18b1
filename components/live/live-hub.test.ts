/**
 * The live hub turns events into refetches. An event that arrives while a
 * query's fetch is in flight must still end in a read that follows the event:
 * invalidating a fetching query does not fetch again, so before the fix a page
 * kept the state read before the last event (an approval request "EXECUTING",
 * a key "ROTATING") although the change that ended it had been pushed.
 */
import { QueryClient, QueryObserver } from "@tanstack/react-query";
import { afterEach, describe, expect, it, vi } from "vitest";
import { LiveHub } from "./live-events";

const KEY = [["approvals", "get"], { input: { id: "r1" }, type: "query" }];

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe("LiveHub", () => {
  afterEach(() => vi.useRealTimers());

  it("reads a query once more when an event arrived while its fetch was in flight", async () => {
    vi.useFakeTimers();
    const client = new QueryClient();
    const hub = new LiveHub(client);
    const unwatch = hub.watchLandings();
    const answers = [deferred<string>(), deferred<string>(), deferred<string>()];
    let calls = 0;
    const observer = new QueryObserver(client, { queryKey: KEY, queryFn: () => answers[calls++]!.promise, staleTime: Infinity });
    const seen: Array<string | undefined> = [];
    const unsubscribe = observer.subscribe((r) => seen.push(r.data));

    answers[0]!.resolve("PENDING");
    await vi.runAllTimersAsync();
    expect(observer.getCurrentResult().data).toBe("PENDING");

    // First event (the request began executing): a refetch starts and is still in flight when the second event
    // (the request ended) arrives.
    hub.onEvent({ topics: ["approvals"] });
    await vi.advanceTimersByTimeAsync(150);
    expect(calls).toBe(2);
    hub.onEvent({ topics: ["approvals"] });
    await vi.advanceTimersByTimeAsync(150);
    answers[1]!.resolve("EXECUTING"); // read before the second event committed
    await vi.runAllTimersAsync();
    expect(calls).toBe(3); // the fetch after the landing
    answers[2]!.resolve("EXECUTED");
    await vi.runAllTimersAsync();
    expect(observer.getCurrentResult().data).toBe("EXECUTED");
    expect(calls).toBe(3); // once, not a loop

    unsubscribe();
    unwatch();
    hub.dispose();
    client.clear();
  });

  it("an event with no fetch in flight refetches once", async () => {
    vi.useFakeTimers();
    const client = new QueryClient();
    const hub = new LiveHub(client);
    const unwatch = hub.watchLandings();
    let calls = 0;
    const observer = new QueryObserver(client, { queryKey: KEY, queryFn: async () => `v${++calls}`, staleTime: Infinity });
    const unsubscribe = observer.subscribe(() => undefined);
    await vi.runAllTimersAsync();
    expect(calls).toBe(1);
    hub.onEvent({ topics: ["approvals"] });
    await vi.runAllTimersAsync();
    expect(calls).toBe(2);
    expect(observer.getCurrentResult().data).toBe("v2");
    unsubscribe();
    unwatch();
    hub.dispose();
    client.clear();
  });

  it("a pad-levels event refetches the pad levels only, not the whole mesh", async () => {
    vi.useFakeTimers();
    const client = new QueryClient();
    const hub = new LiveHub(client);
    const calls = { state: 0, pads: 0 };
    const state = new QueryObserver(client, { queryKey: [["mesh", "state"], { type: "query" }], queryFn: async () => ++calls.state, staleTime: Infinity });
    const pads = new QueryObserver(client, { queryKey: [["mesh", "pads"], { input: {}, type: "query" }], queryFn: async () => ++calls.pads, staleTime: Infinity });
    const stops = [state.subscribe(() => undefined), pads.subscribe(() => undefined)];
    await vi.runAllTimersAsync();
    hub.onEvent({ topics: ["mesh"], events: [{ topic: "mesh", type: "pad-levels", data: { linkIds: ["a--b"] } }] });
    await vi.runAllTimersAsync();
    expect(calls).toEqual({ state: 1, pads: 2 });
    hub.onEvent({ topics: ["mesh"], events: [{ topic: "mesh", type: "link-added", data: { linkId: "a--c" } }] });
    await vi.runAllTimersAsync();
    expect(calls).toEqual({ state: 2, pads: 3 });
    for (const stop of stops) stop();
    hub.dispose();
    client.clear();
  });
});
