/**
 * `dec_keys` through ports whose slave claim judges the keys itself
 * (KeyPool.inspectAndClaimForSlave, what a site's KME has, so that a fetch is
 * one hub round trip after `prepare` instead of two): every answer is the one
 * the inspect-then-claim path gives, a refused request claims nothing, and an
 * ISOLATED site still answers the keys' 401/400 before its 503.
 */
import { describe, expect, it } from "vitest";
import { BANK, STOCK, STOCK_2, dec, issue, keyIdOf, reasonOf, scenario, send } from "../../testing/etsi014-fixture";

const body = (...ids: unknown[]) => ({ key_IDs: ids.map((key_ID) => ({ key_ID })) });

/** The same scenario twice: one KME at ep-stock inspecting then claiming, one claiming at once. */
async function both(run: (s: ReturnType<typeof scenario>) => Promise<unknown>): Promise<{ two: unknown; one: unknown }> {
  const two = scenario();
  const one = scenario();
  return { two: await run(two), one: await run({ ...one, stock: one.store.atOneCall("ep-stock") }) };
}

describe("dec_keys with a claim that judges the keys (one call)", () => {
  it("serves the master's bytes with one claim and no inspection", async () => {
    const { bank, store } = scenario();
    const stock = store.atOneCall("ep-stock");
    const keys = await issue(bank, 2, 128);
    const before = store.calls.length;
    const a = await send(stock, "POST", dec(), body(...keys.map((k) => k.key_ID)), STOCK);
    expect(a.json).toEqual({ keys });
    expect(store.calls.slice(before)).not.toContain("inspectForSlave");
    expect(store.calls.slice(before).filter((c) => c.includes("ForSlave"))).toEqual(["inspectAndClaimForSlave"]);
  });

  it.each([
    ["another slave's key → 401, nothing claimed", STOCK_2, "foreign"],
    ["the master's own key → 401", BANK, "own"],
    ["an unknown key → 400 unknown", STOCK, "unknown"],
    ["a consumed key → 400 consumed", STOCK, "consumed"],
    ["a revoked key → 400 revoked", STOCK, "revoked"],
  ] as const)("%s: the same answer as inspect-then-claim", async (_name, caller, kind) => {
    const r = await both(async ({ bank, stock, store }) => {
      const [k] = await issue(bank);
      const id = kind === "unknown" ? keyIdOf(4242) : k!.key_ID;
      if (kind === "consumed") await send(stock, "POST", dec(), body(id), STOCK);
      if (kind === "revoked") store.issued.get(id)!.state = "revoked";
      const path = kind === "own" ? dec(STOCK) : dec();
      const ports = kind === "own" ? bank : stock;
      const a = await send(ports, "POST", path, body(id), caller);
      const fetched = store.issued.get(k!.key_ID)!.fetched.size;
      return { status: a.status, json: a.json, fetched, reason: reasonOf(a) };
    });
    expect(r.one).toEqual(r.two);
  });

  it("an ISOLATED site: 401/400 for the keys first, then 503 site_isolated, nothing claimed", async () => {
    const r = await both(async ({ bank, stock, store }) => {
      const [k] = await issue(bank);
      store.states.set("ep-stock", "ISOLATED");
      const ok = await send(stock, "POST", dec(), body(k!.key_ID), STOCK);
      const foreign = await send(stock, "POST", dec(), body(k!.key_ID), STOCK_2);
      const unknown = await send(stock, "POST", dec(), body(keyIdOf(4242)), STOCK);
      return [ok, foreign, unknown].map((a) => [a.status, reasonOf(a)]).concat([[store.issued.get(k!.key_ID)!.fetched.size]]);
    });
    expect(r.one).toEqual([[503, "site_isolated"], [401, "not_authorised"], [400, "unknown"], [0]]);
    expect(r.one).toEqual(r.two);
  });

  it("of 8 concurrent requests for one key exactly one gets 200, the others `consumed`", async () => {
    const { bank, store } = scenario();
    const stock = store.atOneCall("ep-stock");
    const [k] = await issue(bank);
    const answers = await Promise.all(Array.from({ length: 8 }, () => send(stock, "POST", dec(), body(k!.key_ID), STOCK)));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 400).map(reasonOf)).toEqual(Array(7).fill("consumed"));
  });
});
