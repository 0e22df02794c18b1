/** Edge labels never cover either card of their link, and shrink or hide on short links. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { COMPACT_LABEL, FULL_LABEL, placeLabel, placeLabelAmong, type Box, type Size } from "./edge-label-geometry";
import { WALL_LABELS, WALL_NODE_SIZES } from "./wall-mode";

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

  it("never covers either card in wall mode, with the wall's bigger cards and labels", () => {
    const roles = fc.constantFrom(...Object.values(WALL_NODE_SIZES));
    const box = fc.record({ cx: fc.integer({ min: -3000, max: 3000 }), cy: fc.integer({ min: -3000, max: 3000 }), size: roles })
      .map(({ cx, cy, size }): Box => ({ cx, cy, ...size }));
    fc.assert(
      fc.property(box, box, fc.boolean(), (a, b, via) => {
        const full = via ? WALL_LABELS.withVia : WALL_LABELS.full;
        const p = placeLabel(a, b, full, WALL_LABELS.compact);
        if (p.fit === "none") return true;
        const size = p.fit === "full" ? full : WALL_LABELS.compact;
        return !overlaps(p, size, a) && !overlaps(p, size, b);
      }),
      { numRuns: 2_000 },
    );
  });

  it("moves a label out from under a third card on the line, or drops it", () => {
    const a = card(0, 0), b = card(900, 0), c = card(450, 0);
    expect(placeLabel(a, b, FULL_LABEL).x).toBe(450); // the two-card rule alone puts it under c
    const p = placeLabelAmong(a, b, FULL_LABEL, COMPACT_LABEL, [a, b, c]);
    expect(p.fit).toBe("full");
    expect(overlaps(p, FULL_LABEL, c)).toBe(false);
  });

  it("never puts a label under any card of the mesh, whatever the geometry", () => {
    const box = fc.record({
      cx: fc.integer({ min: -1500, max: 1500 }), cy: fc.integer({ min: -1500, max: 1500 }),
      width: fc.integer({ min: 100, max: 400 }), height: fc.integer({ min: 50, max: 140 }),
    });
    fc.assert(
      fc.property(fc.array(box, { minLength: 2, maxLength: 12 }), ([a, b, ...others]) => {
        const cards = [a!, b!, ...others];
        const p = placeLabelAmong(a!, b!, FULL_LABEL, COMPACT_LABEL, cards);
        if (p.fit === "none") return true;
        const size = p.fit === "full" ? FULL_LABEL : COMPACT_LABEL;
        return cards.every((c) => !overlaps(p, size, c));
      }),
      { numRuns: 2_000 },
    );
  });
});
