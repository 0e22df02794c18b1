/**
 * Unit tests for canonicalJson: ordering, escaping and, above all, the
 * refusals that keep two different inputs from producing the same hash.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CanonicalJsonError, canonicalJson, canonicalString } from "./canonical-json";

describe("canonicalJson", () => {
  it("sorts object keys and emits no whitespace", () => {
    expect(canonicalJson({ b: 1, a: 2, c: { y: true, x: null } })).toBe('{"a":2,"b":1,"c":{"x":null,"y":true}}');
  });

  it("sorts keys by UTF-16 code units, not by JS property order or code points", () => {
    // JS enumerates integer-like keys first in numeric order ("1","2","10"); code units give "1","10","2".
    expect(canonicalJson({ 2: "b", 10: "c", 1: "a" })).toBe('{"1":"a","10":"c","2":"b"}');
    // Uppercase before lowercase, prefix before extension.
    expect(canonicalJson({ b: 0, a: 0, B: 0, aa: 0, "": 0 })).toBe('{"":0,"B":0,"a":0,"aa":0,"b":0}');
    // U+1F600 is above U+FFFD as a code point, but its first UTF-16 unit (0xD83D) is below 0xFFFD.
    expect(canonicalJson({ "\uFFFD": 1, "\u{1F600}": 2 })).toBe('{"\u{1F600}":2,"\uFFFD":1}');
  });

  it("sorts nested objects inside arrays and keeps array order", () => {
    const value = { list: [{ z: 1, a: [3, 1, 2] }, "x", [{ d: 0, c: 0 }]], empty: {}, none: [] };
    expect(canonicalJson(value)).toBe('{"empty":{},"list":[{"a":[3,1,2],"z":1},"x",[{"c":0,"d":0}]],"none":[]}');
  });

  it("gives the same text whatever order the keys were inserted in", () => {
    const one = { actor: "a", details: { x: 1, y: [1, 2] } };
    const two = { details: { y: [1, 2], x: 1 }, actor: "a" };
    expect(canonicalJson(one)).toBe(canonicalJson(two));
  });

  it("escapes strings exactly as JSON.stringify does and leaves other Unicode as is", () => {
    expect(canonicalJson('quote " backslash \\ nl \n tab \t ctl \u0001 del \u007f')).toBe(
      '"quote \\" backslash \\\\ nl \\n tab \\t ctl \\u0001 del \u007f"',
    );
    expect(canonicalJson("Zürich → Genève \u{1F510} \u2028")).toBe('"Zürich → Genève \u{1F510} \u2028"');
    expect(canonicalJson({ "ké\ny": "v" })).toBe('{"ké\\ny":"v"}');
  });

  it("writes numbers in ECMAScript shortest form", () => {
    expect(canonicalJson([0, -0, 1, -1, 0.1, 123.456, 1.5e-7, 1e-7, 5e-324, Number.MAX_SAFE_INTEGER])).toBe(
      "[0,0,1,-1,0.1,123.456,1.5e-7,1e-7,5e-324,9007199254740991]",
    );
    expect(canonicalJson(true)).toBe("true");
    expect(canonicalJson(null)).toBe("null");
  });

  it("accepts objects without a prototype", () => {
    const bare = Object.create(null) as Record<string, unknown>;
    bare.b = 1;
    bare.a = 2;
    expect(canonicalJson(bare)).toBe('{"a":2,"b":1}');
  });

  describe("refuses", () => {
    class Point {
      constructor(readonly x = 1) {}
    }
    const circular: Record<string, unknown> = { a: 1 };
    circular.self = circular;
    const sparse = [1, , 3]; // eslint-disable-line no-sparse-arrays

    const cases: Array<[string, unknown, RegExp]> = [
      ["NaN", { n: Number.NaN }, /\$\.n: NaN is not a finite number/],
      ["Infinity", [Number.POSITIVE_INFINITY], /\$\[0\]: Infinity/],
      ["-Infinity", Number.NEGATIVE_INFINITY, /-Infinity/],
      ["an integer above MAX_SAFE_INTEGER", { id: Number.MAX_SAFE_INTEGER + 1 }, /MAX_SAFE_INTEGER/],
      ["an integer below MIN_SAFE_INTEGER", { id: Number.MIN_SAFE_INTEGER - 1 }, /MAX_SAFE_INTEGER/],
      ["a huge integer-valued double", 1e21, /MAX_SAFE_INTEGER/],
      ["bigint", { seq: 5n }, /\$\.seq: bigint/],
      ["undefined at the top", undefined, /undefined/],
      ["undefined as an object value", { a: 1, b: undefined }, /\$\.b: undefined/],
      ["undefined in an array", [1, undefined], /\$\[1\]: undefined/],
      ["an array hole", sparse, /\$\[1\]: undefined/],
      ["a Date", { at: new Date(0) }, /\$\.at: a Date/],
      ["a function", { f: () => 1 }, /function/],
      ["a symbol", Symbol("s"), /symbol/],
      ["a symbol key", { [Symbol("k")]: 1 }, /symbol-keyed/],
      ["a Map", new Map([["a", 1]]), /Map/],
      ["a class instance", new Point(), /Point/],
      ["a boxed string", Object("x"), /String/],
      ["a typed array", new Uint8Array(2), /Uint8Array/],
      ["a cycle", circular, /\$\.self: circular/],
      ["a lone surrogate in a value", { s: "a\uD800b" }, /\$\.s: .*lone/],
      ["a lone surrogate in a key", { "\uDC00": 1 }, /lone/],
    ];

    it.each(cases)("%s", (_label, value, message) => {
      expect(() => canonicalJson(value)).toThrow(CanonicalJsonError);
      expect(() => canonicalJson(value)).toThrow(message);
    });

    it("reports the path of a deeply nested offender", () => {
      expect(() => canonicalJson({ details: { peers: [{ ok: 1 }, { "odd key": undefined }] } })).toThrow(
        /\$\.details\.peers\[1\]\["odd key"\]/,
      );
    });
  });
});

// The fast path (no error paths, no ancestor set, strings quoted without JSON.stringify when nothing
// needs escaping) must give the careful serializer's bytes and refuse exactly what it refuses.
describe("the fast path gives the same text as JSON.stringify and the same refusals", () => {
  const LONE = /[\uD800-\uDFFF]/u;
  // Strings biased towards what needs care: quotes, backslashes, controls, surrogate halves and pairs.
  const tricky = fc.string({
    unit: fc.oneof(fc.constantFrom('"', "\\", "\n", "\u0000", "\u001f", "\u007f", "\u2028", "\uD800", "\uDFFF", "\uD83D\uDD10", "é"), fc.string({ unit: "binary", maxLength: 1 })),
    maxLength: 12,
  });

  it("canonicalString is JSON.stringify for well-formed strings and refuses lone surrogates as canonicalJson does", () => {
    fc.assert(
      fc.property(tricky, (s) => {
        if (!LONE.test(s)) return canonicalString(s) === JSON.stringify(s) && canonicalJson(s) === JSON.stringify(s);
        expect(() => canonicalString(s)).toThrow(CanonicalJsonError);
        expect(() => canonicalString(s)).toThrow(/\$: string contains a lone UTF-16 surrogate/);
        expect(() => canonicalJson(s)).toThrow(/\$: string contains a lone UTF-16 surrogate/);
        return true;
      }),
      { numRuns: 3000 },
    );
  });

  it("keys and values with such strings serialize as JSON.stringify of the sorted object", () => {
    const wellFormed = tricky.filter((s) => !LONE.test(s));
    fc.assert(
      fc.property(fc.dictionary(wellFormed, fc.oneof(wellFormed, fc.integer(), fc.array(wellFormed, { maxLength: 3 })), { maxKeys: 6 }), (obj) => {
        const sorted = Object.fromEntries(Object.keys(obj).sort().map((k) => [k, obj[k]]));
        // JSON.stringify puts integer-like keys first; compare only when it keeps the sorted order.
        fc.pre(Object.keys(sorted).join("\u0000") === Object.keys(obj).sort().join("\u0000"));
        return canonicalJson(obj) === JSON.stringify(sorted);
      }),
      { numRuns: 2000 },
    );
  });

  it("nesting deeper than the fast path goes gives the same text (the careful path takes over)", () => {
    for (const depth of [63, 64, 65, 300]) {
      let value: unknown = { b: "x\"y", a: [1, "\u0001"] };
      let expected = '{"a":[1,"\\u0001"],"b":"x\\"y"}';
      for (let i = 0; i < depth; i++) {
        value = i % 2 ? { z: 1, k: value } : [value, null];
        expected = i % 2 ? `{"k":${expected},"z":1}` : `[${expected},null]`;
      }
      expect(canonicalJson(value)).toBe(expected);
    }
  });

  it("accepts the same object twice (shared, not a cycle) and still refuses a cycle at any depth", () => {
    const shared = { a: 1 };
    expect(canonicalJson({ x: shared, y: [shared, shared] })).toBe('{"x":{"a":1},"y":[{"a":1},{"a":1}]}');
    const deep: Record<string, unknown> = {};
    let at = deep;
    for (let i = 0; i < 100; i++) at = (at.n = {}) as Record<string, unknown>;
    at.back = deep;
    expect(() => canonicalJson(deep)).toThrow(/circular reference/);
  });
});
