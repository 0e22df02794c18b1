/** The reconnect backoff: doubles per attempt up to its cap, jittered within [cap/2, cap). */
import { describe, expect, it } from "vitest";
import { reconnectDelay } from "./reconnect-delay";

describe("reconnectDelay", () => {
  it("doubles per attempt up to the cap", () => {
    const top = (a: number) => reconnectDelay(a, 250, 5_000, () => 0.999_999);
    expect([0, 1, 2, 3, 4, 5, 10].map(top)).toEqual([250, 500, 1_000, 2_000, 4_000, 5_000, 5_000]);
  });
  it("spreads reconnects over the upper half of the window", () => {
    expect(reconnectDelay(3, 250, 5_000, () => 0)).toBe(1_000);
    expect(reconnectDelay(3, 250, 5_000, () => 0.5)).toBe(1_500);
  });
});
