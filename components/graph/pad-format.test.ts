/** The Mesh page's pad wording: bytes and keys, the edge summary, desync first, and the empty case. */
import { describe, expect, it } from "vitest";
import { directionLabel, formatKeys, formatPadBytes, NO_PAD_REPORT, padSummary } from "./pad-format";

describe("pad wording", () => {
  it("formats sizes and key counts", () => {
    expect(formatPadBytes(992)).toBe("992 B");
    expect(formatPadBytes(7168)).toBe("7.0 KiB");
    expect(formatPadBytes(3 * (1 << 20))).toBe("3.0 MiB");
    expect(formatKeys(1)).toBe("1 key");
    expect(formatKeys(12345)).toBe("12,345 keys");
    expect(directionLabel("B>A", { a: "Hub", b: "Relay" })).toBe("Relay → Hub");
  });

  it("summarises a link for its edge: desync first, then the bottleneck, else no report", () => {
    expect(padSummary(null)).toBe(NO_PAD_REPORT);
    expect(padSummary({ linkId: "l", ends: [], desync: null, availableKeys: null })).toBe(NO_PAD_REPORT);
    expect(padSummary({ linkId: "l", ends: [], desync: null, availableKeys: 224 })).toBe("pads: 224 keys left on the emptiest stream");
    expect(padSummary({ linkId: "l", ends: [], desync: { direction: "A>B", keyId: "k-1", detectedAt: "2026-12-07T10:00:00.000Z" }, availableKeys: 3 }))
      .toBe("pads disagree (key k-1)");
  });
});
