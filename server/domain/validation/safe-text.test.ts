/**
 * safeText refuses what PostgreSQL cannot store as given (NUL and other control
 * characters, lone surrogates) with readable messages, and every string input
 * of the API is built on it: a bare `z.string()` in a router fails here.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isSafeText, safeText, toSafeText } from "./safe-text";

const SERVER = path.resolve(import.meta.dirname, "..", "..");

describe("safeText", () => {
  it.each([
    ["a\u0000b", "must not contain control characters such as NUL"],
    ["\u001b[31mred", "must not contain control characters such as NUL"],
    ["del\u007f", "must not contain control characters such as NUL"],
    ["x\uD800y", "must be valid Unicode text"],
    ["\uDC00", "must be valid Unicode text"],
  ])("refuses %j", (v, message) => {
    const r = safeText().safeParse(v);
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toBe(message);
    expect(isSafeText(v)).toBe(false);
    expect(isSafeText(toSafeText(v))).toBe(true);
  });

  it.each(["plain", "tabs\tand\nlines\r\n", "ünïcödé and emoji 🔑", ""])("accepts %j and keeps chaining (trim, min, max)", (v) => {
    expect(safeText().parse(v)).toBe(v);
    expect(safeText().trim().max(500).safeParse(`  ${v}  `).data).toBe(v.trim());
  });

  it("is what every router's string inputs are built on", () => {
    const dirs = [path.join(SERVER, "api", "routers"), path.join(SERVER, "keys", "policies")];
    const files = dirs.flatMap((d) => readdirSync(d).filter((f) => f.endsWith(".ts") && !f.includes(".test.")).map((f) => path.join(d, f)));
    expect(files.length).toBeGreaterThan(8);
    for (const f of files) expect(readFileSync(f, "utf8"), `${path.relative(SERVER, f)}: use safeText() instead of z.string()`).not.toMatch(/\bz\.string\(/);
  });
});
