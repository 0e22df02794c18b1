/**
 * Reading `timestamptz` values of audit rows without the pg driver's general
 * parser (a regex with eight groups per value, ~3% of a whole-chain walk).
 * A UTC session writes them as `YYYY-MM-DD HH:MM:SS[.fff]+00` (DateStyle ISO;
 * trailing zeros of the fraction dropped); that shape is read digit by digit,
 * and everything else (another time zone, years before 1000 or after 9999,
 * BC, infinity, more than three fraction digits) goes to the driver's parser,
 * so the Date is the driver's in every case.
 */
import pg from "pg";

const TIMESTAMPTZ_OID = 1184;
const driverParser = pg.types.getTypeParser(TIMESTAMPTZ_OID, "text") as (text: string) => Date;

/** The digit at i (0–9), or -1. */
function digit(s: string, i: number): number {
  const d = s.charCodeAt(i) - 48;
  return d >= 0 && d <= 9 ? d : -1;
}

/** The number of `count` digits at i, or -1 if one is not a digit. */
function digits(s: string, i: number, count: number): number {
  let n = 0;
  for (let k = 0; k < count; k++) {
    const d = digit(s, i + k);
    if (d < 0) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** A `timestamptz` text as the pg driver parses it. */
export function parseTimestamptz(s: string): Date {
  const n = s.length;
  // "YYYY-MM-DD HH:MM:SS" + optional ".f", ".ff", ".fff" + "+00"
  if (n < 22 || n > 26 || n === 23 || s.charCodeAt(n - 3) !== 43 || s.charCodeAt(n - 2) !== 48 || s.charCodeAt(n - 1) !== 48) return driverParser(s);
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 32 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return driverParser(s);
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  const hour = digits(s, 11, 2);
  const minute = digits(s, 14, 2);
  const second = digits(s, 17, 2);
  let ms = 0;
  if (n > 22) {
    if (s.charCodeAt(19) !== 46) return driverParser(s);
    const fraction = n - 23; // 1 to 3 digits
    const f = digits(s, 20, fraction);
    if (f < 0) return driverParser(s);
    ms = fraction === 1 ? f * 100 : fraction === 2 ? f * 10 : f;
  }
  if (year < 1000 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
    return driverParser(s);
  }
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms));
}

/** pg's per-query type parsers: timestamptz through parseTimestamptz, every other type as the driver parses it. */
export const AUDIT_ROW_TYPES = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === TIMESTAMPTZ_OID && format !== "binary" ? parseTimestamptz : pg.types.getTypeParser(oid, format ?? "text")) as typeof pg.types.getTypeParser,
};

const JSON_OID = 114;
const JSONB_OID = 3802;
const asText = (s: string): string => s;

let lastText = "";
let lastDate: Date | null = null;

/**
 * parseTimestamptz for a walk, where neighbours often have the same text (the entries of one batch share their
 * time): the same text gives the same Date object, parsed once. Nothing in a walk changes an entry's Date.
 */
function parseRepeatedTimestamptz(s: string): Date {
  if (s === lastText && lastDate !== null) return lastDate;
  lastDate = parseTimestamptz(s);
  lastText = s;
  return lastDate;
}

/**
 * AUDIT_ROW_TYPES for the verifiers: json and jsonb values left as the text PostgreSQL sent (details are hashed as
 * stored), equal neighbouring timestamps as one Date.
 */
export const AUDIT_ROW_TYPES_DETAILS_AS_TEXT = {
  getTypeParser: ((oid: number, format?: "text" | "binary") => {
    if (format === "binary") return AUDIT_ROW_TYPES.getTypeParser(oid, format);
    if (oid === JSON_OID || oid === JSONB_OID) return asText;
    return oid === TIMESTAMPTZ_OID ? parseRepeatedTimestamptz : AUDIT_ROW_TYPES.getTypeParser(oid, format);
  }) as typeof pg.types.getTypeParser,
};
