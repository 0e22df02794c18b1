/**
 * The sign-in page's `next` never leaves the site: hostile values (the
 * reported `/%5Cevil.example/phish`, backslashes, encodings, protocol-relative
 * and absolute URLs, control characters) fall back to the default page, and
 * ordinary console paths pass unchanged.
 */
import { describe, expect, it } from "vitest";
import { safeNext } from "./safe-next";

describe("safeNext", () => {
  it.each([
    "/\\evil.example/phish", // what the browser gets from ?next=/%5Cevil.example/phish
    "/%5Cevil.example/phish",
    "/%5cevil.example/phish",
    "/%255Cevil.example/phish",
    "//evil.example",
    "/%2Fevil.example",
    "/%2f%2fevil.example",
    "/%252F%252Fevil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "/\\/evil.example",
    "https://evil.example",
    "http:evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    "mesh",
    "/\tevil",
    "/\n/evil.example",
    "/%0A/evil.example",
    "/%09/evil.example",
    " /mesh",
    "/ /evil.example",
    "/%E0%A4%A",
    "",
    `/${"a".repeat(3000)}`,
    ["/keys"],
    undefined,
    null,
    42,
  ])("refuses %j", (v) => {
    expect(safeNext(v)).toBe("/mesh");
  });

  it.each([
    ["/keys", "/keys"],
    ["/keys?state=ACTIVE", "/keys?state=ACTIVE"],
    ["/keys/0b9f0f6e-0000-4000-8000-000000000000", "/keys/0b9f0f6e-0000-4000-8000-000000000000"],
    ["/audit#entry-12", "/audit#entry-12"],
    ["/mesh/explore?node=hub-1&link=a--b", "/mesh/explore?node=hub-1&link=a--b"],
    ["/", "/"],
    ["/keys/../admin", "/admin"],
  ])("keeps the console path %j", (v, expected) => {
    expect(safeNext(v)).toBe(expected);
  });

  it("uses the given fallback", () => {
    expect(safeNext("//evil.example", "/")).toBe("/");
  });
});
