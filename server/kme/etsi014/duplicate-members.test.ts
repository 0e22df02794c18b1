/**
 * Repeated member names are found at any depth, after decoding escapes, and
 * never inside string values or arrays; through the KME they are a 400.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { firstDuplicateMember } from "./duplicate-members";
import { enc, reasonOf, scenario, send } from "../../testing/etsi014-fixture";

describe("firstDuplicateMember", () => {
  it.each([
    ['{"number":500,"number":1}', "number"],
    ['{"number":1,"\\u006eumber":2}', "number"],
    ['{"key_IDs":[{"key_ID":"a","key_ID":"b"}]}', "key_ID"],
    ['{"a":{"b":1},"c":{"b":2},"a":3}', "a"],
    ['{ "x" : 1 , "x" : 2 }', "x"],
  ])("%s → %s", (text, name) => {
    expect(firstDuplicateMember(text)).toBe(name);
  });

  it.each([
    '{"a":{"b":1},"c":{"b":2}}',
    '{"a":"\\"a\\":","b":["a","a"]}',
    '[{"a":1},{"a":2}]',
    '{"a":"x\\\\","b":1}',
    "{}",
  ])("%s has none", (text) => {
    expect(firstDuplicateMember(text)).toBeNull();
  });

  it("agrees with JSON.parse on texts without repeats (fast-check)", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => {
        expect(firstDuplicateMember(JSON.stringify(v) ?? "null")).toBeNull();
      }),
    );
  });

  it("through the KME: 400 duplicate_member, nothing claimed", async () => {
    const { bank, store } = scenario();
    const a = await send(bank, "POST", enc(), '{"number":500,"number":1}');
    expect([a.status, reasonOf(a), a.json.message]).toEqual([400, "duplicate_member", 'member "number" is given twice']);
    expect(store.claims).toBe(0);
  });
});
