/** The cross-site check of mutations: header required; Origin and Sec-Fetch-Site, when sent, must say "this console". */
import { describe, expect, it } from "vitest";
import { addressedOrigin, checkRequestOrigin, CSRF_HEADER } from "./csrf";

const ORIGIN = "http://127.0.0.1:3115";
const h = (o: Record<string, string>) => new Headers(o);

describe("cross-site check", () => {
  it.each([
    ["the console's own fetch", { [CSRF_HEADER]: "1", origin: ORIGIN, "sec-fetch-site": "same-origin" }, true],
    ["a non-browser client with the header", { [CSRF_HEADER]: "1" }, true],
    ["no header (a cross-site form post)", { origin: ORIGIN }, false],
    ["a wrong header value", { [CSRF_HEADER]: "yes" }, false],
    ["another origin", { [CSRF_HEADER]: "1", origin: "https://evil.example" }, false],
    ["same host, other scheme", { [CSRF_HEADER]: "1", origin: "https://127.0.0.1:3115" }, false],
    ["a cross-site fetch", { [CSRF_HEADER]: "1", "sec-fetch-site": "cross-site" }, false],
    ["a same-site (sibling subdomain) fetch", { [CSRF_HEADER]: "1", "sec-fetch-site": "same-site" }, false],
    ["an opaque origin", { [CSRF_HEADER]: "1", origin: "null" }, false],
  ] as const)("%s", (_name, headers, ok) => {
    expect(checkRequestOrigin(h(headers), ORIGIN).ok).toBe(ok);
  });

  it("names why a request was refused", () => {
    expect(checkRequestOrigin(h({ [CSRF_HEADER]: "1", origin: "https://evil.example" }), ORIGIN)).toEqual({ ok: false, reason: `it comes from https://evil.example, not ${ORIGIN}` });
  });

  it("takes the origin a request was addressed to from its Host header", () => {
    expect(addressedOrigin(new Request("http://localhost:3115/api/trpc/x", { headers: { host: "127.0.0.1:3115" } }))).toBe(ORIGIN);
    expect(addressedOrigin(new Request("http://localhost:3115/x", { headers: { host: "console.example", "x-forwarded-proto": "https" } }))).toBe("https://console.example");
  });
});
