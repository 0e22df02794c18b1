/**
 * Step 3 as §3 orders it, from what the transport read off the client
 * certificate: a subject with zero or several CNs is 401 `caller_cn_invalid`;
 * an SAE the registry pins certificates for is 401 `caller_cert_not_pinned`
 * unless this certificate's SHA-256 is one of the pins (no fingerprint given:
 * refused, fail closed). Each refusal comes after the hub link (503), claims
 * nothing, and names no key.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { BANK, STOCK, enc, reasonOf, scenario, send, status } from "../../testing/etsi014-fixture";

const sha = (s: string) => createHash("sha256").update(s).digest("hex");
const PIN = sha("bank certificate");
const OTHER = sha("another certificate");

describe("caller certificate (§3 step 3)", () => {
  it.each([0, 2, 3])("a certificate subject with %i CNs → 401 caller_cn_invalid, before the registry is asked", async (cnCount) => {
    const { store, bank } = scenario();
    const a = await send(bank, "POST", enc(), { number: 1 }, BANK, { callerCnCount: cnCount });
    expect([a.status, reasonOf(a)]).toEqual([401, "caller_cn_invalid"]);
    expect(a.json).toEqual({
      message: `the client certificate's subject shall hold exactly one CN (it holds ${cnCount})`,
      details: [{ qecnet_reason: "caller_cn_invalid" }],
    });
    expect(store.calls).toEqual(["hubReachable"]);
    expect(a.outcome.log).toMatchObject({ status: 401, reason: "caller_cn_invalid", keyIds: [] });
  });

  it("the hub link down still answers 503 first, whatever the certificate", async () => {
    const { store, bank } = scenario();
    store.hubUp = false;
    const a = await send(bank, "GET", status(), "", BANK, { callerCnCount: 2 });
    expect([a.status, reasonOf(a)]).toEqual([503, "hub_unreachable"]);
  });

  it("one CN, no pins registered: served, with or without a fingerprint", async () => {
    const { bank } = scenario();
    expect((await send(bank, "GET", status(), "", BANK, { callerCnCount: 1 })).status).toBe(200);
    expect((await send(bank, "GET", status(), "", BANK, { callerCnCount: 1, callerCertSha256: OTHER })).status).toBe(200);
  });

  it("an empty pin list pins nothing", async () => {
    const { store, bank } = scenario();
    store.addSae(BANK, "ep-bank", []);
    expect((await send(bank, "GET", status(), "", BANK, { callerCertSha256: OTHER })).status).toBe(200);
  });

  it.each([
    ["the pinned certificate", PIN],
    ["the pinned certificate in upper-case hex", PIN.toUpperCase()],
    ["the second of two pins (a certificate being rolled over)", OTHER],
  ])("a pinned SAE presenting %s → served", async (_name, sha256) => {
    const { store, bank } = scenario();
    store.addSae(BANK, "ep-bank", [PIN, OTHER]);
    const a = await send(bank, "POST", enc(), { number: 1 }, BANK, { callerCnCount: 1, callerCertSha256: sha256 });
    expect(a.status).toBe(200);
    expect(store.claims).toBe(1);
  });

  it.each([
    ["another certificate", sha("an impostor with the right CN")],
    ["no fingerprint at all", undefined],
  ])("a pinned SAE presenting %s → 401 caller_cert_not_pinned, nothing claimed", async (_name, sha256) => {
    const { store, bank } = scenario();
    store.addSae(BANK, "ep-bank", [PIN]);
    const a = await send(bank, "POST", enc(), { number: 1 }, BANK, sha256 === undefined ? { callerCnCount: 1 } : { callerCnCount: 1, callerCertSha256: sha256 });
    expect([a.status, reasonOf(a)]).toEqual([401, "caller_cert_not_pinned"]);
    expect(a.json).toEqual({
      message: "the client certificate is not one of those registered for SAE sae-bank-1",
      details: [{ qecnet_reason: "caller_cert_not_pinned" }],
    });
    expect(store.claims).toBe(0);
    expect(store.calls).toEqual(["hubReachable", "findSae"]);
  });

  it("registration is checked before the pins: an SAE pinned at another site is caller_not_registered here", async () => {
    const { store, bank } = scenario();
    store.addSae(STOCK, "ep-stock", [PIN]);
    const a = await send(bank, "GET", status(BANK), "", STOCK, { callerCnCount: 1, callerCertSha256: OTHER });
    expect([a.status, reasonOf(a)]).toEqual([401, "caller_not_registered"]);
  });
});
