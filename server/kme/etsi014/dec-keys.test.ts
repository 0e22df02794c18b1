/**
 * `dec_keys` (§4.3): identical bytes for the slave, the refusal table in its
 * order (shape, UUIDs, 401 before existence, per-key reasons, 503), served once
 * as seen through the KeyPool port, and a refused request that claims nothing so
 * the legitimate slave still gets the key afterwards.
 */
import { describe, expect, it } from "vitest";
import { BANK, STOCK, STOCK_2, dec, issue, keyIdOf, reasonOf, scenario, send } from "../../testing/etsi014-fixture";

const body = (...ids: unknown[]) => ({ key_IDs: ids.map((key_ID) => ({ key_ID })) });

describe("dec_keys delivers the master's bytes to the slave", () => {
  it("POST: identical bytes, request order, only key_ID and key", async () => {
    const { bank, stock } = scenario();
    const issued = await issue(bank, 3, 128);
    const reversed = [...issued].reverse();
    const a = await send(stock, "POST", dec(), body(...reversed.map((k) => k.key_ID)), STOCK);
    expect(a.status).toBe(200);
    expect(a.json).toEqual({ keys: reversed });
  });

  it("GET ?key_ID= and upper-case IDs name the same key (answered lower-case)", async () => {
    const { bank, stock } = scenario();
    const [k] = await issue(bank, 1, 64);
    const a = await send(stock, "GET", dec(BANK, `?key_ID=${k?.key_ID.toUpperCase()}`), "", STOCK);
    expect(a.status).toBe(200);
    expect(a.json).toEqual({ keys: [k] });
  });

  it("served once: the second request gets `consumed`", async () => {
    const { bank, stock } = scenario();
    const [k] = await issue(bank);
    expect((await send(stock, "POST", dec(), body(k?.key_ID), STOCK)).status).toBe(200);
    const again = await send(stock, "POST", dec(), body(k?.key_ID), STOCK);
    expect(again.status).toBe(400);
    expect(again.json).toEqual({ message: "one or more keys specified are not found on KME", details: [{ key_ID: k?.key_ID, qecnet_reason: "consumed" }] });
  });

  it("of 8 concurrent requests for one key exactly one gets 200 (the store's claim decides)", async () => {
    const { bank, stock } = scenario();
    const [k] = await issue(bank);
    const answers = await Promise.all(Array.from({ length: 8 }, () => send(stock, "POST", dec(), body(k?.key_ID), STOCK)));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 400).map(reasonOf)).toEqual(Array(7).fill("consumed"));
  });
});

describe("dec_keys refusal table (§4.3), row by row", () => {
  const max = "key_IDs shall be a non-empty array of {\"key_ID\": UUID} objects, at most 128, without duplicates";
  const id1 = keyIdOf(1);
  it.each([
    ["bare-string array", { key_IDs: [id1] }, "key_ids_invalid", max],
    ["empty array", { key_IDs: [] }, "key_ids_invalid", max],
    ["missing key_IDs", {}, "key_ids_invalid", max],
    ["empty body", "", "key_ids_invalid", max],
    ["key_IDs an object", { key_IDs: { key_ID: id1 } }, "key_ids_invalid", max],
    ["duplicates", body(id1, id1), "key_ids_invalid", max],
    ["duplicates differing in case", body(id1, id1.toUpperCase()), "key_ids_invalid", max],
    ["too many", body(...Array.from({ length: 129 }, (_, i) => keyIdOf(i + 1))), "key_ids_invalid", max],
    ["entry without key_ID", { key_IDs: [{}] }, "key_ids_invalid", max],
    ["unknown member in an entry", { key_IDs: [{ key_ID: id1, colour: "red" }] }, "unknown_member", /colour/],
    ["unknown top-level member", { key_IDs: [{ key_ID: id1 }], number: 1 }, "unknown_member", /number/],
    ["non-UUID key_ID", body("not-a-uuid"), "malformed", "key_ID is not a UUID"],
    ["numeric key_ID", body(7), "malformed", "key_ID is not a UUID"],
  ])("%s → 400 %s", async (_name, b, reason, message) => {
    const { stock, store } = scenario();
    const a = await send(stock, "POST", dec(), b, STOCK);
    expect([a.status, reasonOf(a)]).toEqual([400, reason]);
    if (typeof message === "string") expect(a.json.message).toBe(message);
    else expect(a.json.message).toMatch(message);
    expect(store.calls).not.toContain("inspectForSlave");
    expect(store.claims).toBe(0);
  });

  it("a malformed key_ID is echoed with its reason", async () => {
    const { stock } = scenario();
    const a = await send(stock, "POST", dec(), body("not-a-uuid"), STOCK);
    expect(a.json.details).toEqual([{ key_ID: "not-a-uuid", qecnet_reason: "malformed" }]);
  });

  it.each([
    ["no parameter", ""],
    ["two key_IDs", `?key_ID=${keyIdOf(1)}&key_ID=${keyIdOf(2)}`],
    ["another parameter", `?key_ID=${keyIdOf(1)}&number=1`],
    ["wrong name", `?keyID=${keyIdOf(1)}`],
  ])("GET with %s → 400 key_ids_invalid", async (_name, query) => {
    const { stock } = scenario();
    const a = await send(stock, "GET", dec(BANK, query), "", STOCK);
    expect([a.status, reasonOf(a)]).toEqual([400, "key_ids_invalid"]);
  });

  it("a key addressed to another slave → 401 that names no key, and that slave still gets it", async () => {
    const { bank, stock, store } = scenario();
    const [k] = await issue(bank);
    const a = await send(stock, "POST", dec(), body(k?.key_ID), STOCK_2);
    expect(a.status).toBe(401);
    expect(a.json).toEqual({ message: "SAE sae-stock-2 is not authorised for one or more keys", details: [{ qecnet_reason: "not_authorised" }] });
    expect(a.text).not.toContain(k?.key_ID);
    expect(store.calls).not.toContain("claimForSlave");
    expect((await send(stock, "POST", dec(), body(k?.key_ID), STOCK)).status).toBe(200);
  });

  it("401 comes before any per-key 400: one foreign key among unknown ones", async () => {
    const { bank, stock } = scenario();
    const [k] = await issue(bank);
    const a = await send(stock, "POST", dec(), body(keyIdOf(999), k?.key_ID), STOCK_2);
    expect(a.status).toBe(401);
  });

  it("the master asking for its own key, naming its slave as master in the path → 401", async () => {
    const { bank } = scenario();
    const [k] = await issue(bank);
    const a = await send(bank, "POST", dec(STOCK), body(k?.key_ID), BANK);
    expect(a.status).toBe(401);
  });

  it("per-key reasons: unknown, consumed, expired, revoked, master_mismatch (one object each, request order)", async () => {
    const { bank, stock, store } = scenario();
    store.pair(STOCK, STOCK_2);
    const keys = await issue(bank, 4);
    const [consumed, expired, revoked, fine] = keys.map((k) => k.key_ID);
    await send(stock, "POST", dec(), body(consumed), STOCK);
    const e = store.issued.get(expired as string);
    const r = store.issued.get(revoked as string);
    if (e) e.state = "expired";
    if (r) r.state = "revoked";
    const unknown = keyIdOf(4242);
    const a = await send(stock, "POST", dec(), body(unknown, consumed, expired, revoked, fine), STOCK);
    expect(a.status).toBe(400);
    expect(a.json).toEqual({
      message: "one or more keys specified are not found on KME",
      details: [
        { key_ID: unknown, qecnet_reason: "unknown" },
        { key_ID: consumed, qecnet_reason: "consumed" },
        { key_ID: expired, qecnet_reason: "expired" },
        { key_ID: revoked, qecnet_reason: "revoked" },
      ],
    });
    // No partial success: the available key in the same request was not delivered.
    expect(store.issued.get(fine as string)?.fetched.size).toBe(0);
    store.addSae("sae-stock-3", "ep-stock").pair("sae-stock-3", STOCK);
    const mismatch = await send(stock, "POST", dec("sae-stock-3"), body(fine), STOCK);
    expect(mismatch.json.details).toEqual([{ key_ID: fine, qecnet_reason: "master_mismatch" }]);
  });

  it("own site ISOLATED → 503 site_isolated after the per-key checks", async () => {
    const { bank, stock, store } = scenario();
    const [k] = await issue(bank);
    store.states.set("ep-stock", "ISOLATED");
    const ok = await send(stock, "POST", dec(), body(k?.key_ID), STOCK);
    expect([ok.status, reasonOf(ok)]).toEqual([503, "site_isolated"]);
    const unknown = await send(stock, "POST", dec(), body(keyIdOf(4242)), STOCK);
    expect([unknown.status, reasonOf(unknown), unknown.outcome.log.reason]).toEqual([400, "unknown", "keys_not_found"]);
    expect(store.claims).toBe(1); // the enc_keys claim only
  });

  it.each([
    ["hub_unreachable", "hub_unreachable"],
    ["material_unavailable", "material_unavailable"],
  ] as const)("store answers %s → 503 with Retry-After", async (reason, expected) => {
    const { bank, stock, store } = scenario();
    const [k] = await issue(bank);
    store.claimOverride = { outcome: "unavailable", reason };
    const a = await send(stock, "POST", dec(), body(k?.key_ID), STOCK);
    expect([a.status, reasonOf(a)]).toEqual([503, expected]);
    expect(Number(a.headers["Retry-After"])).toBeGreaterThan(0);
  });

  it("a claim refused by the store (a race) is answered with the reasons it reports", async () => {
    const { bank, stock, store } = scenario();
    const [k] = await issue(bank);
    const id = k?.key_ID as string;
    store.claimOverride = { outcome: "refused", views: [{ keyId: id, exists: true, masterSaeId: BANK, addressedSlaves: [STOCK], availability: "consumed" }] };
    const a = await send(stock, "POST", dec(), body(id), STOCK);
    expect(a.json.details).toEqual([{ key_ID: id, qecnet_reason: "consumed" }]);
  });

  it("a store answering keys out of request order is refused, not passed on", async () => {
    const { bank, stock, store } = scenario();
    const [a1, a2] = await issue(bank, 2);
    store.claimOverride = {
      outcome: "claimed",
      keys: [
        { keyId: a2?.key_ID as string, material: new Uint8Array(32) },
        { keyId: a1?.key_ID as string, material: new Uint8Array(32) },
      ],
    };
    const a = await send(stock, "POST", dec(), body(a1?.key_ID, a2?.key_ID), STOCK);
    expect([a.status, reasonOf(a)]).toEqual([503, "material_unavailable"]);
  });
});
