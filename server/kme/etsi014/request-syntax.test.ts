/**
 * Step 4 (§4.0, §4.2): strict JSON and the GET forms. A malformed body is 400 and
 * never the default request; an empty POST body and `{}` are valid for enc_keys;
 * JSON types are strict; bodies over 64 KiB are refused; unknown members and GET
 * parameters are refused.
 */
import { describe, expect, it } from "vitest";
import { STOCK, enc, reasonOf, scenario, send, status } from "../../testing/etsi014-fixture";
import { MAX_BODY_BYTES } from "./request-syntax";

describe("strict JSON bodies (enc_keys POST)", () => {
  it.each([
    ["truncated JSON", '{"number": 2', "malformed_json"],
    ["trailing garbage", '{"number": 2} x', "malformed_json"],
    ["single quotes", "{'number': 2}", "malformed_json"],
    ["whitespace only", "   ", "malformed_json"],
    ["invalid UTF-8", new Uint8Array([0x7b, 0xff, 0x7d]), "malformed_json"],
    ["an array", "[]", "body_not_object"],
    ["null", "null", "body_not_object"],
    ["a number", "2", "body_not_object"],
    ["a string", '"number"', "body_not_object"],
    ["an unknown member", '{"number": 1, "count": 1}', "unknown_member"],
    ["a member differing in case", '{"Number": 1}', "unknown_member"],
    ["__proto__", '{"__proto__": {"number": 5}}', "unknown_member"],
    ['number "2"', '{"number": "2"}', "number_invalid"],
    ["number 1.5", '{"number": 1.5}', "number_invalid"],
    ["number true", '{"number": true}', "number_invalid"],
    ["number null", '{"number": null}', "number_invalid"],
    ["size []", '{"size": []}', "size_invalid"],
  ])("%s → 400 %s, nothing claimed", async (_name, body, reason) => {
    const { bank, store } = scenario();
    const a = await send(bank, "POST", enc(), body);
    expect([a.status, reasonOf(a)]).toEqual([400, reason]);
    expect(typeof a.json.message).toBe("string");
    expect(store.claims).toBe(0);
  });

  it("names the unknown member", async () => {
    const { bank } = scenario();
    const a = await send(bank, "POST", enc(), { number: 1, count: 1 });
    expect(a.json).toEqual({ message: 'unknown member "count" in the Key request', details: [{ qecnet_reason: "unknown_member", member: "count" }] });
  });

  it(`a body of ${MAX_BODY_BYTES} bytes is read, one byte more is body_too_large`, async () => {
    const { bank } = scenario();
    const fit = new TextEncoder().encode(`{"number":1${" ".repeat(MAX_BODY_BYTES - 12)}}`);
    expect(fit.byteLength).toBe(MAX_BODY_BYTES);
    expect((await send(bank, "POST", enc(), fit)).status).toBe(200);
    const over = new Uint8Array(MAX_BODY_BYTES + 1).fill(0x20);
    const a = await send(bank, "POST", enc(), over);
    expect([a.status, reasonOf(a)]).toEqual([400, "body_too_large"]);
  });
});

describe("GET forms", () => {
  it.each([
    ["?count=1", "unknown_member"],
    ["?number=1&extension_mandatory=x", "unknown_member"],
    ["?number=abc", "number_invalid"],
    ["?number=", "number_invalid"],
    ["?number=1.5", "number_invalid"],
    ["?number=1&number=2", "number_invalid"],
    ["?number=0", "number_invalid"],
    ["?number=-1", "number_invalid"],
    ["?size=12a", "size_invalid"],
    ["?size=100", "size_not_multiple_of_8"],
    ["?size=512", "size_out_of_range"],
  ])("enc_keys GET %s → 400 %s", async (query, reason) => {
    const { bank, store } = scenario();
    const a = await send(bank, "GET", enc(STOCK, query));
    expect([a.status, reasonOf(a)]).toEqual([400, reason]);
    expect(store.claims).toBe(0);
  });

  it("a GET with a body is refused rather than the body ignored", async () => {
    const { bank } = scenario();
    const a = await send(bank, "GET", enc(), { number: 5 });
    expect([a.status, reasonOf(a)]).toEqual([400, "body_not_allowed"]);
  });

  it("status takes no parameter", async () => {
    const { bank } = scenario();
    const a = await send(bank, "GET", `${status()}?verbose=1`);
    expect([a.status, reasonOf(a)]).toEqual([400, "unknown_member"]);
  });
});
