/**
 * Property tests of the whole protocol layer with fast-check: arbitrary
 * requests never throw and never answer outside {200, 400, 401, 503} on the three
 * methods (404/405 elsewhere), always with a JSON body, no-store, and a
 * Table 13 error body on refusal; enc_keys either delivers exactly what was asked
 * or changes nothing; dec_keys claims either every key or none.
 */
import { Buffer } from "node:buffer";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { handleEtsi014Request } from "./etsi014-kme";
import { BANK, LONER, STOCK, STOCK_2, issue, keyIdOf, scenario, send } from "../../testing/etsi014-fixture";

const SAE = fc.constantFrom(BANK, STOCK, STOCK_2, LONER, "sae-nobody", "", "sae bank", "%41", "a/b");
const json = fc.jsonValue({ maxDepth: 3 });
const member = fc.constantFrom("number", "size", "additional_slave_SAE_IDs", "extension_mandatory", "extension_optional", "key_IDs", "key_IDs_extension", "colour", "__proto__");
const memberValue = fc.oneof(
  json,
  fc.integer({ min: -5, max: 300 }),
  fc.array(fc.dictionary(fc.constantFrom("qecnet_avoid_nodes", "qecnet_max_relays", "qecnet_key_metadata", "qecnet_notices", "abc_x"), json), { maxLength: 3 }),
  fc.array(fc.record({ key_ID: fc.oneof(fc.uuid(), fc.string(), json) }), { maxLength: 4 }),
);
const body = fc.oneof(
  fc.uint8Array({ maxLength: 64 }),
  json.map((v) => new TextEncoder().encode(JSON.stringify(v) ?? "")),
  fc.dictionary(member, memberValue, { maxKeys: 4 }).map((o) => new TextEncoder().encode(JSON.stringify(o))),
  fc.constant(new Uint8Array(0)),
);
const query = fc.oneof(
  fc.constant(""),
  fc.string({ maxLength: 20 }).map((s) => `?${s}`),
  fc.tuple(fc.constantFrom("number", "size", "key_ID", "x"), fc.oneof(fc.integer({ min: -3, max: 300 }).map(String), fc.uuid(), fc.string({ maxLength: 6 }))).map(([k, v]) => `?${k}=${encodeURIComponent(v)}`),
);
// Weighted towards requests that get past routing and the caller check, where most rules live.
const pathSae = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(STOCK, BANK) }, { weight: 1, arbitrary: SAE });
const target = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(pathSae, fc.constantFrom("status", "enc_keys", "dec_keys"), query).map(([s, e, q]) => `/api/v1/keys/${s}/${e}${q}`) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.webPath().map((p) => `/api/v1/keys${p}`) },
);
const caller = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(BANK, STOCK) }, { weight: 1, arbitrary: SAE });
const hub = fc.oneof({ weight: 9, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) });
const encMember = fc.oneof(
  { weight: 9, arbitrary: fc.constantFrom("number", "size", "additional_slave_SAE_IDs", "extension_mandatory", "extension_optional") },
  { weight: 1, arbitrary: member },
);
const method = fc.oneof({ weight: 6, arbitrary: fc.constantFrom("GET", "POST") }, { weight: 1, arbitrary: fc.constantFrom("PUT", "DELETE", "get", "OPTIONS") });

describe("the KME answers every request within the contract", () => {
  it("never throws; status, headers and body shape always hold", async () => {
    await fc.assert(
      fc.asyncProperty(method, target, body, caller, hub, async (m, t, b, callerSaeId, hubUp) => {
        const { bank, store } = scenario(5);
        store.hubUp = hubUp;
        const out = await handleEtsi014Request(bank, { requestId: "p", method: m, target: t, body: b, callerSaeId });
        const { status, headers } = out.response;
        const api = /^\/api\/v1\/keys\/[^/?]+\/(status|enc_keys|dec_keys)(\?|$)/.test(t) && ["GET", "POST"].includes(m);
        expect(api ? [200, 400, 401, 405, 503] : [404, 405]).toContain(status);
        expect(headers["Content-Type"]).toBe("application/json; charset=utf-8");
        expect(headers["Cache-Control"]).toBe("no-store");
        const parsed = JSON.parse(out.response.body) as Record<string, unknown>;
        expect(out.log.status).toBe(status);
        if (status !== 200) {
          expect(typeof parsed.message).toBe("string");
          const details = parsed.details as unknown[];
          expect(details.every((d) => typeof d === "object" && d !== null && !Array.isArray(d))).toBe(true);
          expect(details.some((d) => Object.hasOwn(d as object, "qecnet_reason"))).toBe(true);
          expect(store.claims).toBe(0);
        }
        if (status === 503) expect(Number(headers["Retry-After"])).toBeGreaterThanOrEqual(1);
        if (status === 405) expect(headers.Allow).toMatch(/^GET(, POST)?$/);
      }),
      { numRuns: 400 },
    );
  });

  it("enc_keys delivers exactly number keys of size/8 bytes, or changes nothing", async () => {
    await fc.assert(
      fc.asyncProperty(fc.dictionary(encMember, memberValue, { maxKeys: 3 }), fc.integer({ min: 0, max: 12 }), async (request, poolSize) => {
        const { bank, store } = scenario(poolSize);
        const before = store.pools.get(store.poolKeyOf(BANK, STOCK))?.length ?? 0;
        const a = await send(bank, "POST", "/api/v1/keys/sae-stock-1/enc_keys", request);
        const after = store.pools.get(store.poolKeyOf(BANK, STOCK))?.length ?? 0;
        if (a.status === 200) {
          const number = typeof request.number === "number" ? request.number : 1;
          const size = typeof request.size === "number" ? request.size : 256;
          const keys = a.json.keys as Array<{ key: string }>;
          expect(keys).toHaveLength(number);
          expect(keys.every((k) => Buffer.from(k.key, "base64").length === size / 8)).toBe(true);
          expect(before - after).toBe(number);
        } else {
          expect(after).toBe(before);
          expect(store.claims).toBe(0);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("dec_keys claims every requested key or none, and 200 exactly when all are the caller's to fetch", async () => {
    const index = fc.integer({ min: -1, max: 3 });
    const pick = fc.oneof(fc.uniqueArray(index, { minLength: 1, maxLength: 5 }), fc.array(index, { minLength: 1, maxLength: 5 }));
    await fc.assert(
      fc.asyncProperty(pick, fc.constantFrom(STOCK, STOCK_2), fc.subarray([0, 1, 2, 3]), async (picks, caller, preFetched) => {
        const { bank, stock, store } = scenario();
        const issued = await issue(bank, 4);
        for (const i of preFetched) await send(stock, "POST", "/api/v1/keys/sae-bank-1/dec_keys", { key_IDs: [{ key_ID: issued[i]?.key_ID }] }, STOCK);
        const ids = picks.map((i) => (i < 0 ? keyIdOf(777) : (issued[i]?.key_ID as string)));
        const fetchedBefore = [...store.issued.values()].map((k) => k.fetched.size);
        const a = await send(stock, "POST", "/api/v1/keys/sae-bank-1/dec_keys", { key_IDs: ids.map((key_ID) => ({ key_ID })) }, caller);
        const fetchedAfter = [...store.issued.values()].map((k) => k.fetched.size);
        const distinct = new Set(ids).size === ids.length;
        const allMine = caller === STOCK && picks.every((i) => i >= 0 && !preFetched.includes(i));
        expect(a.status === 200).toBe(distinct && allMine);
        if (a.status === 200) {
          expect((a.json.keys as Array<{ key_ID: string; key: string }>).map((k) => k.key)).toEqual(picks.map((i) => issued[i]?.key));
          expect(fetchedAfter.reduce((x, y) => x + y, 0) - fetchedBefore.reduce((x, y) => x + y, 0)).toBe(ids.length);
        } else {
          expect(fetchedAfter).toEqual(fetchedBefore);
        }
      }),
      { numRuns: 150 },
    );
  });
});
