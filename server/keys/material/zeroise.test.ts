import { describe, expect, it } from "vitest";
import { zeroise } from "./zeroise";

describe("zeroise", () => {
  it("overwrites every byte in place, including views into a larger buffer", () => {
    const buf = Buffer.from([1, 2, 3, 4, 255]);
    zeroise(buf);
    expect([...buf]).toEqual([0, 0, 0, 0, 0]);

    const parent = Buffer.alloc(8, 0xff);
    zeroise(parent.subarray(2, 6));
    expect([...parent]).toEqual([0xff, 0xff, 0, 0, 0, 0, 0xff, 0xff]);
  });
});
