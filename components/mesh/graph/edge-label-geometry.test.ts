/** Edge labels never cover either card of their link, and shrink or hide on short links. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { COMPACT_LABEL, FULL_LABEL, placeLabel, type Box, type Size } from "./edge-label-geometry";

const card = (cx: number, cy: number, width = 216, height = 64): Box => ({ cx, cy, width, height });

function overlaps(label: { x: number; y: number }, size: Size, box: Box): boolean {
  return Math.abs(label.x - box.cx) < (size.width + box.width) / 2 && Math.abs(label.y - box.cy) < (size.height + box.height) / 2;
}

describe("placeLabel", () => {
  it("puts the full label halfway on a long horizontal link", () => {
    const p = placeLabel(card(0, 0), card(600, 0), FULL_LABEL);
    expect(p).toEqual({ x: 300, y: 0, fit: "full" });
  });

  it("falls back to the compact label, then to none, as the cards come closer", () => {
    expect(placeLabel(card(0, 0), card(300, 0), FULL_LABEL).fit).toBe("compact");
    expect(placeLabel(card(0, 0), card(230, 0), FULL_LABEL).fit).toBe("none");
    expect(placeLabel(card(0, 0), card(0, 90), FULL_LABEL).fit).toBe("none");
  });

  it("places the label between unequal cards, not at the centre-to-centre midpoint", () => {
    const p = placeLabel(card(0, 0, 400, 64), card(700, 0), FULL_LABEL);
    expect(p.fit).toBe("full");
    expect(p.x).toBeGreaterThan(350);
  });

  it("never covers either card, whatever the geometry", () => {
    const box = fc.record({
      cx: fc.integer({ min: -2000, max: 2000 }), cy: fc.integer({ min: -2000, max: 2000 }),
      width: fc.integer({ min: 100, max: 260 }), height: fc.integer({ min: 50, max: 100 }),
    });
    fc.assert(
      fc.property(box, box, (a, b) => {
        const p = placeLabel(a, b, FULL_LABEL);
        if (p.fit === "none") return true;
        const size = p.fit === "full" ? FULL_LABEL : COMPACT_LABEL;
        return !overlaps(p, size, a) && !overlaps(p, size, b);
      }),
      { numRuns: 2_000 },
    );
  });
});
