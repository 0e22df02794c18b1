/**
 * requestedNumber: the hint of how many keys an enc_keys request asks for, read before the request is judged (the hub
 * counts the pool no further). It must read the request exactly as readEncKeysRequest does, and give no hint for a
 * request that request syntax refuses.
 */
import { describe, expect, it } from "vitest";
import { requestedNumber } from "./enc-keys-request";
import { routeRequest } from "./route-request";

const route = (method: string, target: string) => {
  const r = routeRequest(method, target);
  if (!r.ok) throw new Error("bad route");
  return r.route;
};
const body = (s: string) => new TextEncoder().encode(s);
const NONE = new Uint8Array(0);
const ENC = "/api/v1/keys/sae-stock-1/enc_keys";

describe("requestedNumber", () => {
  it("reads number from a POST body and a GET query, 1 when absent", () => {
    expect(requestedNumber(route("POST", ENC), body('{"number": 7, "size": 128}'))).toBe(7);
    expect(requestedNumber(route("POST", ENC), body("{}"))).toBe(1);
    expect(requestedNumber(route("POST", ENC), NONE)).toBe(1);
    expect(requestedNumber(route("GET", `${ENC}?number=12&size=256`), NONE)).toBe(12);
    expect(requestedNumber(route("GET", ENC), NONE)).toBe(1);
  });

  it("gives no hint for what request syntax refuses, nor for a number below 1", () => {
    for (const b of ['{"number": "2"}', '{"number": 1.5}', '{"number": 2', '{"number": 1, "count": 1}', "[]"]) {
      expect(requestedNumber(route("POST", ENC), body(b))).toBeUndefined();
    }
    expect(requestedNumber(route("GET", `${ENC}?number=x`), NONE)).toBeUndefined();
    expect(requestedNumber(route("GET", `${ENC}?number=1&number=2`), NONE)).toBeUndefined();
    expect(requestedNumber(route("GET", `${ENC}?number=3`), body("{}"))).toBeUndefined();
    expect(requestedNumber(route("POST", ENC), body('{"number": 0}'))).toBeUndefined();
    expect(requestedNumber(route("POST", ENC), body('{"number": -4}'))).toBeUndefined();
  });
});
