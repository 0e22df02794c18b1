/** Arrow keys in the mesh graph: the nearest node in the arrow's direction, preferring straight ahead. */
import { describe, expect, it } from "vitest";
import { isArrowKey, moveFocus, nearestInDirection, nearestTo, type GraphLinkEnds, type GraphPoint } from "./graph-keyboard";

//        n (0,-100)
// w (-100,0)  c (0,0)  e (100,0)   far-e (300, 10)
//        s (0,100)     se (60, 200)
const POINTS: GraphPoint[] = [
  { id: "c", x: 0, y: 0 },
  { id: "n", x: 0, y: -100 },
  { id: "s", x: 0, y: 100 },
  { id: "e", x: 100, y: 0 },
  { id: "w", x: -100, y: 0 },
  { id: "far-e", x: 300, y: 10 },
  { id: "se", x: 60, y: 200 },
];
const c = POINTS[0]!;

describe("nearestInDirection", () => {
  it("moves to the nearest node each way", () => {
    expect(nearestInDirection(c, POINTS, "ArrowRight")).toBe("e");
    expect(nearestInDirection(c, POINTS, "ArrowLeft")).toBe("w");
    expect(nearestInDirection(c, POINTS, "ArrowUp")).toBe("n");
    expect(nearestInDirection(c, POINTS, "ArrowDown")).toBe("s");
  });

  it("prefers a node within 45° of the arrow over a closer one off to the side", () => {
    const from = { id: "x", x: 0, y: 0 };
    const pts = [from, { id: "diagonal", x: 30, y: 80 }, { id: "ahead", x: 200, y: 20 }];
    expect(nearestInDirection(from, pts, "ArrowRight")).toBe("ahead");
  });

  it("falls back to a node off to the side when none is within 45°, and stays put when nothing lies that way", () => {
    const from = { id: "x", x: 0, y: 0 };
    expect(nearestInDirection(from, [from, { id: "steep", x: 10, y: 90 }], "ArrowRight")).toBe("steep");
    expect(nearestInDirection(POINTS[5]!, POINTS, "ArrowRight")).toBeNull();
    expect(nearestInDirection(c, [c], "ArrowUp")).toBeNull();
  });

  it("walks a row from left to right", () => {
    let at = POINTS.find((p) => p.id === "w")!;
    const visited = [at.id];
    for (let id = nearestInDirection(at, POINTS, "ArrowRight"); id; id = nearestInDirection(at, POINTS, "ArrowRight")) {
      at = POINTS.find((p) => p.id === id)!;
      visited.push(id);
    }
    expect(visited).toEqual(["w", "c", "e", "far-e"]);
  });
});

describe("nearestTo and isArrowKey", () => {
  it("finds the node nearest a point, and null for no nodes", () => {
    expect(nearestTo(90, 5, POINTS)).toBe("e");
    expect(nearestTo(0, 0, [])).toBeNull();
  });
  it("knows the arrow keys", () => {
    expect(isArrowKey("ArrowLeft")).toBe(true);
    expect(isArrowKey("Enter")).toBe(false);
  });
});

describe("moveFocus: nodes and links", () => {
  // c links to e, n and far-e; e links to far-e; w is linked to nothing.
  const LINKS: GraphLinkEnds[] = [
    { id: "c-e", a: "c", b: "e" },
    { id: "c-n", a: "n", b: "c" },
    { id: "e-far", a: "e", b: "far-e" },
    { id: "s-se", a: "s", b: "se" },
  ];

  it("plain arrows move between nodes, as before", () => {
    expect(moveFocus({ kind: "node", id: "c" }, POINTS, LINKS, "ArrowRight", false)).toEqual({ kind: "node", id: "e" });
    expect(moveFocus({ kind: "node", id: "c" }, POINTS, LINKS, "ArrowLeft", false)).toEqual({ kind: "node", id: "w" });
  });

  it("Shift+arrow from a node goes to its own link that way, and nowhere when it has none that way", () => {
    expect(moveFocus({ kind: "node", id: "c" }, POINTS, LINKS, "ArrowRight", true)).toEqual({ kind: "link", id: "c-e" });
    expect(moveFocus({ kind: "node", id: "c" }, POINTS, LINKS, "ArrowUp", true)).toEqual({ kind: "link", id: "c-n" });
    // s-se lies down-right of c but is not c's link.
    expect(moveFocus({ kind: "node", id: "c" }, POINTS, LINKS, "ArrowDown", true)).toBeNull();
    expect(moveFocus({ kind: "node", id: "w" }, POINTS, LINKS, "ArrowRight", true)).toBeNull();
  });

  it("plain arrows from a link move to the nearest link that way (by midpoints)", () => {
    // c-e's midpoint (50,0); e-far's (200,5) to the right; c-n's (0,-50) up; s-se's (30,150) down.
    expect(moveFocus({ kind: "link", id: "c-e" }, POINTS, LINKS, "ArrowRight", false)).toEqual({ kind: "link", id: "e-far" });
    expect(moveFocus({ kind: "link", id: "c-e" }, POINTS, LINKS, "ArrowUp", false)).toEqual({ kind: "link", id: "c-n" });
    expect(moveFocus({ kind: "link", id: "c-e" }, POINTS, LINKS, "ArrowDown", false)).toEqual({ kind: "link", id: "s-se" });
    expect(moveFocus({ kind: "link", id: "e-far" }, POINTS, LINKS, "ArrowRight", false)).toBeNull();
  });

  it("Shift+arrow from a link goes to its end that way", () => {
    expect(moveFocus({ kind: "link", id: "c-e" }, POINTS, LINKS, "ArrowRight", true)).toEqual({ kind: "node", id: "e" });
    expect(moveFocus({ kind: "link", id: "c-e" }, POINTS, LINKS, "ArrowLeft", true)).toEqual({ kind: "node", id: "c" });
    expect(moveFocus({ kind: "link", id: "c-n" }, POINTS, LINKS, "ArrowRight", true)).toBeNull();
  });

  it("a focus on something that is gone moves nowhere", () => {
    expect(moveFocus({ kind: "link", id: "gone" }, POINTS, LINKS, "ArrowRight", false)).toBeNull();
    expect(moveFocus({ kind: "node", id: "gone" }, POINTS, LINKS, "ArrowRight", true)).toBeNull();
  });
});
