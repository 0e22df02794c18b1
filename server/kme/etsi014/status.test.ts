/**
 * Get status (§4.1): every Table 9 field with its JSON type, the invariants
 * (0 ≤ stored_key_count ≤ max_key_count, sizes multiples of 8, min ≤ key_size ≤
 * max), stored_key_count 0 while a site cannot deliver, and the errors of §4.1.
 */
import { describe, expect, it } from "vitest";
import { BANK, LONER, STOCK, poolKeys, reasonOf, scenario, send, status } from "../../testing/etsi014-fixture";

describe("status", () => {
  it("answers the §4.1 example's fields for the pair", async () => {
    const { bank, store } = scenario(742);
    store.refill = 37.5;
    store.notices = [{ keyId: "0a782fb5-3434-48fe-aa4d-14f41d46cf92", revokedAt: new Date("2026-12-05T10:41:07.120Z"), reason: "relay-north compromised (INC-0007)" }];
    const a = await send(bank, "GET", status());
    expect(a.status).toBe(200);
    expect(a.json).toEqual({
      source_KME_ID: "ep-bank",
      target_KME_ID: "ep-stock",
      master_SAE_ID: BANK,
      slave_SAE_ID: STOCK,
      key_size: 256,
      stored_key_count: 742,
      max_key_count: 1000,
      max_key_per_request: 128,
      max_key_size: 256,
      min_key_size: 64,
      max_SAE_ID_count: 0,
      status_extension: {
        qecnet_pool_target: 1000,
        qecnet_refill_keys_per_second: 37.5,
        qecnet_peer_site_status: "ONLINE",
        qecnet_revoked_key_IDs: [{ key_ID: "0a782fb5-3434-48fe-aa4d-14f41d46cf92", revoked_at: "2026-12-05T10:41:07.120Z", reason: "relay-north compromised (INC-0007)" }],
      },
    });
  });

  it("a same-site pair has target_KME_ID = source_KME_ID", async () => {
    const { bank, store } = scenario();
    store.addSae("sae-bank-2", "ep-bank").pair(BANK, "sae-bank-2");
    store.fill(BANK, "sae-bank-2", poolKeys(4, 500));
    const a = await send(bank, "GET", status("sae-bank-2"));
    expect([a.json.source_KME_ID, a.json.target_KME_ID, a.json.stored_key_count]).toEqual(["ep-bank", "ep-bank", 4]);
  });

  it("never reports more stored keys than max_key_count (thomasarmel #1)", async () => {
    const { bank, store } = scenario(0);
    store.limitsValue = { ...store.limitsValue, poolTarget: 10 };
    store.fill(BANK, STOCK, poolKeys(96));
    const a = await send(bank, "GET", status());
    expect([a.json.stored_key_count, a.json.max_key_count]).toEqual([10, 10]);
  });

  it("stored_key_count drops after enc_keys, by exactly the keys delivered", async () => {
    const { bank } = scenario(10);
    await send(bank, "GET", "/api/v1/keys/sae-stock-1/enc_keys?number=3");
    expect((await send(bank, "GET", status())).json.stored_key_count).toBe(7);
  });

  it.each([
    ["peer OFFLINE", "ep-stock", "OFFLINE"],
    ["peer ISOLATED", "ep-stock", "ISOLATED"],
    ["own site ISOLATED", "ep-bank", "ISOLATED"],
  ] as const)("%s → stored_key_count 0, peer status reported", async (_name, node, state) => {
    const { bank, store } = scenario(10);
    store.states.set(node, state);
    const a = await send(bank, "GET", status());
    expect(a.status).toBe(200);
    expect(a.json.stored_key_count).toBe(0);
    expect((a.json.status_extension as Record<string, unknown>).qecnet_peer_site_status).toBe(store.states.get("ep-stock") ?? "ONLINE");
  });

  it.each([
    ["unknown slave", "sae-nobody", 400, "unknown_sae"],
    ["slave = caller", BANK, 400, "same_sae"],
    ["not paired", LONER, 400, "not_paired"],
  ])("%s → %i %s", async (_name, slave, code, reason) => {
    const { bank } = scenario();
    const a = await send(bank, "GET", status(slave));
    expect([a.status, reasonOf(a)]).toEqual([code, reason]);
  });

  it("hub unreachable → 503 with Retry-After, before the caller is even looked up", async () => {
    const { bank, store } = scenario();
    store.hubUp = false;
    const a = await send(bank, "GET", status(), "", "sae-ghost");
    expect([a.status, reasonOf(a), a.headers["Retry-After"]]).toEqual([503, "hub_unreachable", "5"]);
    expect(store.calls).toEqual(["hubReachable"]);
  });

  it("a caller registered at another site → 401 with a message only about the caller", async () => {
    const { bank } = scenario();
    const a = await send(bank, "GET", status(BANK), "", STOCK);
    expect(a.status).toBe(401);
    expect(a.json).toEqual({ message: "SAE sae-stock-1 is not registered at KME ep-bank", details: [{ qecnet_reason: "caller_not_registered" }] });
  });

  it.each([
    ["key size not a multiple of 8", { keySizeBits: 250 }],
    ["min above key size", { minKeySizeBits: 512 }],
    ["max_key_per_request 0", { maxKeyPerRequest: 0 }],
    ["negative pool target", { poolTarget: -1 }],
  ])("a policy that would break the invariants (%s) → 503 kme_misconfigured, never a lying status", async (_name, patch) => {
    const { bank, store } = scenario();
    store.limitsValue = { ...store.limitsValue, ...patch };
    const a = await send(bank, "GET", status());
    expect([a.status, reasonOf(a)]).toEqual([503, "kme_misconfigured"]);
  });
});
