/** parseTimestamptz gives the pg driver's Date for every text, on its fast path and off it. */
import fc from "fast-check";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { AUDIT_ROW_TYPES, AUDIT_ROW_TYPES_DETAILS_AS_TEXT, parseTimestamptz } from "./utc-timestamp";

const driver = pg.types.getTypeParser(1184, "text") as (s: string) => Date;

/** A UTC instant written as PostgreSQL writes a timestamptz(3) in a UTC session: fraction without trailing zeros. */
function asPostgresWrites(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2027-01-15T08:00:00.120Z
  const fraction = iso.slice(20, 23).replace(/0+$/, "");
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${fraction ? `.${fraction}` : ""}+00`;
}

describe("parseTimestamptz", () => {
  it("agrees with the driver on UTC timestamps of years 1000–9999, whatever their milliseconds", () => {
    const min = Date.UTC(1000, 0, 1);
    const max = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
    fc.assert(
      fc.property(fc.integer({ min, max }), (ms) => {
        const s = asPostgresWrites(ms);
        const got = parseTimestamptz(s);
        return got.getTime() === ms && got.getTime() === driver(s).getTime();
      }),
      { numRuns: 5000 },
    );
  });

  it.each([
    "2027-01-15 08:00:00+00",
    "2027-01-15 08:00:00.1+00",
    "2027-01-15 08:00:00.12+00",
    "2027-01-15 08:00:00.123+00",
    "2027-01-15 08:00:00.1234+00",
    "2027-01-15 08:00:00.123456+00",
    "2027-01-15 10:00:00.5+02",
    "2027-01-15 13:30:00.5+05:30",
    "2027-01-15 03:00:00-05",
    "0050-01-01 00:00:00+00",
    "0999-12-31 23:59:59.999+00",
    "2000-01-01 00:00:00+00 BC",
    "12027-01-15 08:00:00+00",
    "2027-13-45 08:00:00+00",
    "2027-01-15T08:00:00+00",
    "2027-0a-15 08:00:00+00",
    "infinity",
    "-infinity",
  ])("%s: the driver's Date", (s) => {
    const expected = driver(s) as Date | number;
    const got = parseTimestamptz(s) as Date | number;
    expect(String(got instanceof Date ? got.getTime() : got)).toBe(String(expected instanceof Date ? expected.getTime() : expected));
  });

  it("is what the audit page query's type parsers use for timestamptz, and only for it", () => {
    expect(AUDIT_ROW_TYPES.getTypeParser(1184, "text")).toBe(parseTimestamptz);
    expect(AUDIT_ROW_TYPES.getTypeParser(3802, "text")).toBe(pg.types.getTypeParser(3802, "text"));
  });

  it("for the verifiers' walks: details as the text sent, equal neighbouring timestamps as one Date, others parsed as ever", () => {
    const types = AUDIT_ROW_TYPES_DETAILS_AS_TEXT;
    expect(types.getTypeParser(114, "text")('{"a":1}')).toBe('{"a":1}');
    expect(types.getTypeParser(3802, "text")('{"a": 1}')).toBe('{"a": 1}');
    const parse = types.getTypeParser(1184, "text") as (s: string) => Date;
    const a = parse("2027-01-15 08:00:00.12+00");
    expect(parse("2027-01-15 08:00:00.12+00")).toBe(a);
    expect(a.getTime()).toBe(Date.UTC(2027, 0, 15, 8, 0, 0, 120));
    const b = parse("2027-01-15 08:00:00.121+00");
    expect(b).not.toBe(a);
    expect(b.getTime()).toBe(Date.UTC(2027, 0, 15, 8, 0, 0, 121));
    expect(parse("2027-01-15 08:00:00.12+00").getTime()).toBe(a.getTime());
    expect(types.getTypeParser(20, "text")).toBe(pg.types.getTypeParser(20, "text"));
  });
});
