/**
 * Routing (§4.0): the three paths under /api/v1/keys/, the SAE ID decoded once,
 * 404 outside the API and 405 with Allow for other methods, before anything else
 * is asked of the site.
 */
import { describe, expect, it } from "vitest";
import { STOCK, reasonOf, scenario, send } from "../../testing/etsi014-fixture";
import { routeRequest } from "./route-request";

describe("routeRequest", () => {
  it.each([
    ["/api/v1/keys/sae-stock-1/status", "GET", "status", "sae-stock-1", ""],
    ["/api/v1/keys/sae-stock-1/enc_keys?number=2", "POST", "enc_keys", "sae-stock-1", "number=2"],
    ["/api/v1/keys/sae-bank-1/dec_keys", "GET", "dec_keys", "sae-bank-1", ""],
    // Decoded once: %2540 is "%40", not "@".
    ["/api/v1/keys/sae%2540x/status", "GET", "status", "sae%40x", ""],
    ["/api/v1/keys/sae%3Ax/status", "GET", "status", "sae:x", ""],
    ["/api/v1/keys/%E0%A4%A/status", "GET", "status", null, ""],
  ])("%s %s", (target, method, endpoint, sae, query) => {
    const r = routeRequest(method, target);
    expect(r).toEqual({ ok: true, route: { endpoint, method, pathSaeId: sae, query } });
  });

  it.each([
    "/",
    "/api/v1/keys",
    "/api/v1/keys/",
    "/api/v1/keys/sae-stock-1",
    "/api/v1/keys/sae-stock-1/status/",
    "/api/v1/keys/sae-stock-1/keys",
    "/api/v1/keys//status",
    "/api/v2/keys/sae-stock-1/status",
    "/api/v1/keys/a/b/status",
    "/API/v1/keys/sae-stock-1/status",
  ])("%s → 404", (target) => {
    const r = routeRequest("GET", target);
    expect(r.ok ? null : [r.refusal.status, r.refusal.reason]).toEqual([404, "not_found"]);
  });

  it.each([
    ["POST", "status", "GET"],
    ["PUT", "enc_keys", "GET, POST"],
    ["DELETE", "dec_keys", "GET, POST"],
    ["HEAD", "status", "GET"],
    ["get", "enc_keys", "GET, POST"],
  ])("%s on %s → 405 with Allow: %s", async (method, endpoint, allow) => {
    const { bank, store } = scenario();
    const a = await send(bank, method, `/api/v1/keys/${STOCK}/${endpoint}`);
    expect([a.status, a.headers.Allow, reasonOf(a)]).toEqual([405, allow, "method_not_allowed"]);
    expect(store.calls).toEqual([]);
  });

  it("a 404 asks nothing of the site and still answers JSON, no-store", async () => {
    const { bank, store } = scenario();
    const a = await send(bank, "GET", "/metrics");
    expect(a.status).toBe(404);
    expect(a.headers).toEqual({ "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" });
    expect(store.calls).toEqual([]);
  });

  it("a broken percent-encoding in the SAE ID is an unknown SAE, not a crash", async () => {
    const { bank } = scenario();
    const a = await send(bank, "GET", "/api/v1/keys/%E0%A4%A/status");
    expect([a.status, reasonOf(a)]).toEqual([400, "unknown_sae"]);
  });
});
