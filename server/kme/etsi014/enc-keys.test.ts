/**
 * `enc_keys` (§4.2): the request forms, every row of the refusal table in its
 * order, the Key container's exact shape, extensions per clause 6.2, and "no
 * partial success" (a refusal claims nothing, the pool is untouched).
 */
import { describe, expect, it } from "vitest";
import { BANK, LONER, STOCK, STOCK_2, enc, poolKeys, reasonOf, scenario, send } from "../../testing/etsi014-fixture";

const LOWER_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const CANONICAL_B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

describe("enc_keys request forms", () => {
  it.each([
    ["GET without parameters", "GET", enc(), "", 1, 256],
    ["GET number and size", "GET", enc(STOCK, "?number=2&size=128"), "", 2, 128],
    ["POST empty body", "POST", enc(), "", 1, 256],
    ["POST {}", "POST", enc(), "{}", 1, 256],
    ["POST number and size", "POST", enc(), { number: 3, size: 64 }, 3, 64],
  ])("%s delivers exactly `number` keys of size/8 bytes", async (_name, method, target, body, number, size) => {
    const { bank, store } = scenario();
    const a = await send(bank, method, target, body);
    expect(a.status).toBe(200);
    const keys = a.json.keys as Array<Record<string, string>>;
    expect(keys).toHaveLength(number);
    for (const k of keys) {
      expect(Object.keys(k).sort()).toEqual(["key", "key_ID"]);
      expect(k.key_ID).toMatch(LOWER_V4);
      expect(k.key).toMatch(CANONICAL_B64);
      expect(Buffer.from(k.key as string, "base64")).toHaveLength(size / 8);
    }
    expect(new Set(keys.map((k) => k.key_ID)).size).toBe(number);
    expect(a.json).not.toHaveProperty("key_container_extension");
    expect(store.pools.get(store.poolKeyOf(BANK, STOCK))).toHaveLength(10 - number);
  });

  it("empty extension lists and an empty additional_slave_SAE_IDs carry nothing: no key_container_extension", async () => {
    const { bank } = scenario();
    const a = await send(bank, "POST", enc(), { extension_mandatory: [], extension_optional: [], additional_slave_SAE_IDs: [] });
    expect(a.status).toBe(200);
    expect(Object.keys(a.json)).toEqual(["keys"]);
  });

  it("delivers the leading size/8 bytes of the pool key", async () => {
    const { bank, store } = scenario();
    const first = store.pools.get(store.poolKeyOf(BANK, STOCK))?.[0];
    const a = await send(bank, "POST", enc(), { size: 72 });
    const key = (a.json.keys as Array<{ key: string }>)[0]?.key as string;
    expect(Buffer.from(key, "base64")).toEqual(Buffer.from(first?.material.slice(0, 9) ?? []));
  });

  it("answers JSON, no-store, on success and refusal alike", async () => {
    const { bank } = scenario();
    for (const body of [{}, { number: 0 }]) {
      const a = await send(bank, "POST", enc(), body);
      expect(a.headers["Content-Type"]).toBe("application/json; charset=utf-8");
      expect(a.headers["Cache-Control"]).toBe("no-store");
    }
  });
});

describe("enc_keys refusal table (§4.2), row by row", () => {
  type Row = [name: string, body: object | string, status: number, reason: string, message: string | RegExp];
  const rows: Row[] = [
    ["number 0", { number: 0 }, 400, "number_invalid", "number shall be an integer from 1 to 128"],
    ["number -1", { number: -1 }, 400, "number_invalid", "number shall be an integer from 1 to 128"],
    ["number max+1", { number: 129 }, 400, "number_invalid", "number shall be an integer from 1 to 128"],
    ['number "2"', { number: "2" }, 400, "number_invalid", "number shall be an integer from 1 to 128"],
    ["number 1.5", { number: 1.5 }, 400, "number_invalid", "number shall be an integer from 1 to 128"],
    ["size 1.5", { size: 1.5 }, 400, "size_invalid", "size shall be an integer number of bits"],
    ['size "128"', { size: "128" }, 400, "size_invalid", "size shall be an integer number of bits"],
    ["size 100", { size: 100 }, 400, "size_not_multiple_of_8", "size shall be a multiple of 8"],
    ["size 4 (not a multiple before out of range)", { size: 4 }, 400, "size_not_multiple_of_8", "size shall be a multiple of 8"],
    ["size 56", { size: 56 }, 400, "size_out_of_range", "size shall be from 64 to 256 bits"],
    ["size 264", { size: 264 }, 400, "size_out_of_range", "size shall be from 64 to 256 bits"],
    ["additional slave not a string array", { additional_slave_SAE_IDs: "sae-x" }, 400, "additional_slaves_invalid", /additional_slave_SAE_IDs/],
    ["additional slave malformed", { additional_slave_SAE_IDs: ["bad id!"] }, 400, "additional_slaves_invalid", /bad id! is not a valid SAE ID/],
    ["additional slave unknown", { additional_slave_SAE_IDs: ["sae-nobody"] }, 400, "additional_slaves_invalid", /sae-nobody is not registered/],
    ["additional slave is the master", { additional_slave_SAE_IDs: [BANK] }, 400, "additional_slaves_invalid", /sae-bank-1 is the master/],
    ["additional slave is the slave", { additional_slave_SAE_IDs: [STOCK] }, 400, "additional_slaves_invalid", /is the slave in the path/],
    ["additional slave repeated", { additional_slave_SAE_IDs: [STOCK_2, STOCK_2] }, 400, "additional_slaves_invalid", /is repeated/],
    ["additional slave not paired", { additional_slave_SAE_IDs: [LONER] }, 400, "additional_slaves_invalid", /is not paired/],
    ["more slaves than max_SAE_ID_count 0", { additional_slave_SAE_IDs: [STOCK_2] }, 400, "too_many_slaves", "additional_slave_SAE_IDs exceeds max_SAE_ID_count 0"],
    ["extension_mandatory not an array", { extension_mandatory: { qecnet_max_relays: 1 } }, 400, "extension_invalid", /array of objects/],
    ["extension_optional array of strings", { extension_optional: ["qecnet_key_metadata"] }, 400, "extension_invalid", /array of objects/],
    ["supported mandatory with a bad value", { extension_mandatory: [{ qecnet_max_relays: -1 }] }, 400, "extension_invalid", /qecnet_max_relays shall be/],
    ["supported optional with a bad value", { extension_optional: [{ qecnet_key_metadata: "yes" }] }, 400, "extension_invalid", "not all extension_optional request options handled"],
    ["unsupported mandatory", { extension_mandatory: [{ abc_route_type: "direct" }] }, 400, "extension_mandatory_unsupported", "not all extension_mandatory parameters are supported"],
    ["mandatory unmet", { extension_mandatory: [{ qecnet_avoid_nodes: ["ep-stock"] }] }, 400, "extension_mandatory_unmet", "not all extension_mandatory request options could be met"],
    ["fewer keys than number", { number: 11 }, 503, "pool_exhausted", "not enough keys available for this SAE pair"],
  ];

  it.each(rows)("%s → %i %s", async (_name, body, status, reason, message) => {
    const { bank, store } = scenario();
    const a = await send(bank, "POST", enc(), body);
    expect(a.status).toBe(status);
    expect(reasonOf(a)).toBe(reason);
    if (typeof message === "string") expect(a.json.message).toBe(message);
    else expect(a.json.message).toMatch(message);
    expect(Array.isArray(a.json.details)).toBe(true);
    expect(store.claims).toBe(0);
    expect(store.pools.get(store.poolKeyOf(BANK, STOCK))).toHaveLength(10);
  });

  it("names the unsupported extension exactly as clause 6.5's example", async () => {
    const { bank } = scenario();
    const a = await send(bank, "POST", enc(), { extension_mandatory: [{ abc_route_type: "direct" }] });
    expect(a.json.details).toEqual([{ extension_mandatory_unsupported: "abc_route_type is not supported" }, { qecnet_reason: "extension_mandatory_unsupported" }]);
  });

  it("names the unmet constraint", async () => {
    const { bank } = scenario();
    const a = await send(bank, "POST", enc(), { extension_mandatory: [{ qecnet_avoid_nodes: ["ep-stock"] }] });
    expect(a.json.details).toContainEqual({ extension_mandatory_unmet: "qecnet_avoid_nodes: no key avoids ep-stock" });
  });

  it("own site ISOLATED → 503 site_isolated with Retry-After", async () => {
    const { bank, store } = scenario();
    store.states.set("ep-bank", "ISOLATED");
    const a = await send(bank, "POST", enc(), {});
    expect([a.status, reasonOf(a), a.headers["Retry-After"]]).toEqual([503, "site_isolated", "30"]);
    expect(a.json.message).toBe("key delivery is unavailable: this KME's site is isolated");
    expect(store.claims).toBe(0);
  });

  it.each(["OFFLINE", "ISOLATED"] as const)("peer site %s → 503 peer_site_unavailable", async (state) => {
    const { bank, store } = scenario();
    store.states.set("ep-stock", state);
    const a = await send(bank, "POST", enc(), {});
    expect([a.status, reasonOf(a)]).toEqual([503, "peer_site_unavailable"]);
    expect(a.headers["Retry-After"]).toBeDefined();
    expect(store.claims).toBe(0);
  });

  it("pool exhausted reports the count and a Retry-After from the refill rate", async () => {
    const { bank, store } = scenario(3);
    store.refill = 0.5;
    const a = await send(bank, "POST", enc(), { number: 5 });
    expect(a.status).toBe(503);
    expect(a.json.details).toEqual([{ qecnet_reason: "pool_exhausted", stored_key_count: 3, requested: 5 }]);
    expect(a.headers["Retry-After"]).toBe("4");
    expect(store.pools.get(store.poolKeyOf(BANK, STOCK))).toHaveLength(3);
  });

  it("rate quota used up → 503 rate_limited after the pool check", async () => {
    const { bank, store } = scenario();
    store.quota = { remaining: 1, retryAfterSeconds: 12 };
    const a = await send(bank, "POST", enc(), { number: 2 });
    expect([a.status, reasonOf(a), a.headers["Retry-After"]]).toEqual([503, "rate_limited", "12"]);
    expect(store.claims).toBe(0);
  });

  it("a quota wait the store cannot state (NaN) still gives a usable Retry-After", async () => {
    const { bank, store } = scenario();
    store.quota = { remaining: 0, retryAfterSeconds: Number.NaN };
    const a = await send(bank, "POST", enc(), {});
    expect([a.status, a.headers["Retry-After"]]).toEqual([503, "60"]);
  });

  it("a claim lost to a concurrent request answers from the state the claim saw, never a partial container", async () => {
    const { bank, store } = scenario();
    store.claimOverride = {
      outcome: "refused",
      pool: { available: 1, matching: 1, matchingEach: {}, refillKeysPerSecond: 1, quota: { remaining: 100, retryAfterSeconds: 1 } },
      ownSite: "ONLINE",
      peerSite: "ONLINE",
    };
    const a = await send(bank, "POST", enc(), { number: 3 });
    expect(a.status).toBe(503);
    expect(a.json.details).toEqual([{ qecnet_reason: "pool_exhausted", stored_key_count: 1, requested: 3 }]);
    expect(a.json).not.toHaveProperty("keys");
  });

  it("a store that hands back short material is refused, not passed on", async () => {
    const { bank, store } = scenario();
    store.claimOverride = { outcome: "claimed", keys: [{ keyId: "0a782fb5-3434-48fe-aa4d-000000000001", material: new Uint8Array(8), fetchBy: new Date(0) }] };
    const a = await send(bank, "POST", enc(), { size: 128 });
    expect([a.status, reasonOf(a)]).toEqual([503, "material_unavailable"]);
  });
});

describe("enc_keys extensions (clause 6.2)", () => {
  it("unknown optional names are ignored and listed", async () => {
    const { bank } = scenario();
    const a = await send(bank, "POST", enc(), { extension_optional: [{ abc_route_type: "direct" }, { abc_max_age: 30000 }] });
    expect(a.status).toBe(200);
    expect(a.json.key_container_extension).toEqual({ qecnet_ignored_extensions: ["abc_route_type", "abc_max_age"] });
    expect(Object.keys((a.json.keys as object[])[0] ?? {}).sort()).toEqual(["key", "key_ID"]);
  });

  it("qecnet_avoid_nodes (mandatory) returns only keys whose routes avoid the nodes", async () => {
    const { bank, store } = scenario(0);
    store.fill(BANK, STOCK, poolKeys(3, 1, { routeNodes: ["ep-bank", "relay-north", "ep-stock"], relays: 1 }));
    store.fill(BANK, STOCK, poolKeys(2, 100, { routeNodes: ["ep-bank", "relay-south", "ep-stock"], relays: 1 }));
    const a = await send(bank, "POST", enc(), { number: 2, extension_mandatory: [{ qecnet_avoid_nodes: ["relay-north"] }] });
    expect(a.status).toBe(200);
    expect((a.json.keys as Array<{ key_ID: string }>).map((k) => k.key_ID)).toEqual(["0a782fb5-3434-48fe-aa4d-000000000064", "0a782fb5-3434-48fe-aa4d-000000000065"]);
    expect(a.json.key_container_extension).toEqual({ qecnet_ignored_extensions: [] });
    const b = await send(bank, "POST", enc(), { extension_mandatory: [{ qecnet_avoid_nodes: ["relay-north"] }] });
    expect([b.status, reasonOf(b)]).toEqual([400, "extension_mandatory_unmet"]);
  });

  it("qecnet_max_relays bounds the relays; too few matching keys is exhaustion, none at all is unmet", async () => {
    const { bank, store } = scenario(0);
    store.fill(BANK, STOCK, poolKeys(1, 1, { relays: 0 }));
    store.fill(BANK, STOCK, poolKeys(3, 10, { relays: 2 }));
    const few = await send(bank, "POST", enc(), { number: 2, extension_mandatory: [{ qecnet_max_relays: 0 }] });
    expect(few.json.details).toEqual([{ qecnet_reason: "pool_exhausted", stored_key_count: 1, requested: 2 }]);
    const none = await send(bank, "POST", enc(), { number: 1, extension_mandatory: [{ qecnet_max_relays: 1 }, { qecnet_avoid_nodes: ["ep-bank"] }] });
    expect(none.json.details).toContainEqual({ extension_mandatory_unmet: "qecnet_avoid_nodes: no key avoids ep-bank" });
  });

  it("qecnet_key_metadata adds key_extension.qecnet_fetch_by", async () => {
    const { bank } = scenario();
    const a = await send(bank, "POST", enc(), { extension_optional: [{ qecnet_key_metadata: true }] });
    expect((a.json.keys as Array<Record<string, unknown>>)[0]?.key_extension).toEqual({ qecnet_fetch_by: "2030-01-01T00:05:00.000Z" });
  });

  it("qecnet_notices adds the caller's revoked key IDs to the container extension", async () => {
    const { bank, store } = scenario();
    store.notices = [{ keyId: "0a782fb5-3434-48fe-aa4d-14f41d46cf92", revokedAt: new Date("2026-12-05T10:41:07.120Z"), reason: "relay-north compromised (INC-0007)" }];
    const a = await send(bank, "POST", enc(), { extension_optional: [{ qecnet_notices: true }] });
    expect(a.json.key_container_extension).toEqual({
      qecnet_ignored_extensions: [],
      qecnet_revoked_key_IDs: [{ key_ID: "0a782fb5-3434-48fe-aa4d-14f41d46cf92", revoked_at: "2026-12-05T10:41:07.120Z", reason: "relay-north compromised (INC-0007)" }],
    });
  });

  it("a name given twice in one list is refused", async () => {
    const { bank } = scenario();
    const a = await send(bank, "POST", enc(), { extension_mandatory: [{ qecnet_max_relays: 1 }, { qecnet_max_relays: 2 }] });
    expect([a.status, reasonOf(a)]).toEqual([400, "extension_invalid"]);
  });

  it("multicast: with max_SAE_ID_count 1 the additional slave is addressed", async () => {
    const { bank, store } = scenario();
    store.limitsValue = { ...store.limitsValue, maxSaeIdCount: 1 };
    const a = await send(bank, "POST", enc(), { additional_slave_SAE_IDs: [STOCK_2] });
    expect(a.status).toBe(200);
    const id = (a.json.keys as Array<{ key_ID: string }>)[0]?.key_ID as string;
    expect(store.issued.get(id)?.slaves).toEqual([STOCK, STOCK_2]);
  });
});
