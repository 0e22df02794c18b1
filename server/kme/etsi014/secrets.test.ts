/**
 * Key bytes never leave the module except in a 200's key container (§4.0
 * Logging, §5.3): not in a refusal, not in a 503 after a claim, not when a port
 * throws with material in its message, and never in the log record, which holds
 * only request id, SAE, KME, method, endpoint, status, reason and key IDs.
 */
import { Buffer } from "node:buffer";
import { describe, expect, it } from "vitest";
import type { Etsi014Outcome } from "./etsi014-kme";
import { BANK, STOCK, STOCK_2, dec, enc, issue, materialOf, scenario, send, type Answer } from "../../testing/etsi014-fixture";

/** Every encoding of the material, and of each 8-byte window of it, that a leak would show. */
function leakPatterns(material: Uint8Array): string[] {
  const buf = Buffer.from(material);
  const out = [buf.toString("base64"), buf.toString("base64url"), buf.toString("hex"), buf.toString("hex").toUpperCase()];
  for (let i = 0; i + 8 <= buf.length; i++) {
    const w = buf.subarray(i, i + 8);
    out.push(w.toString("hex"), w.toString("hex").toUpperCase(), w.toString("base64").slice(0, 10), w.toString("latin1"));
  }
  return out;
}

function exposedText(o: Etsi014Outcome): string {
  return [o.response.body, JSON.stringify(o.response.headers), JSON.stringify(o.log)].join("\n");
}

function expectNoMaterial(a: Answer, materials: Uint8Array[]): void {
  const text = exposedText(a.outcome);
  for (const m of materials) for (const p of leakPatterns(m)) expect(text.includes(p), `leaked ${p}`).toBe(false);
}

const LOG_FIELDS = ["endpoint", "keyIds", "kmeId", "method", "reason", "requestId", "saeId", "status"];

describe("key bytes appear only in a 200's container", () => {
  it("the leak detector finds the bytes in a 200 (so it can find them elsewhere)", async () => {
    const { bank } = scenario();
    const a = await send(bank, "POST", enc(), { number: 1 });
    const material = materialOf((a.json.keys as Array<{ key_ID: string }>)[0]?.key_ID as string);
    expect(leakPatterns(material).some((p) => a.text.includes(p))).toBe(true);
  });

  it("refusals after keys were issued carry none of their bytes", async () => {
    const { bank, stock, store } = scenario();
    const issued = await issue(bank, 3);
    const materials = issued.map((k) => Buffer.from(k.key, "base64"));
    const ids = issued.map((k) => ({ key_ID: k.key_ID }));
    await send(stock, "POST", dec(), { key_IDs: [ids[0]] }, STOCK);
    const answers = [
      await send(stock, "POST", dec(), { key_IDs: [ids[0]] }, STOCK), // consumed
      await send(stock, "POST", dec(), { key_IDs: ids }, STOCK_2), // 401
      await send(stock, "POST", dec(), { key_IDs: issued.map((k) => k.key) }, STOCK), // base64 sent as IDs
      await send(bank, "POST", enc(), { number: 99 }), // exhausted
    ];
    store.states.set("ep-stock", "ISOLATED");
    answers.push(await send(stock, "POST", dec(), { key_IDs: [ids[1]] }, STOCK));
    for (const a of answers) {
      expect(a.status).not.toBe(200);
      expectNoMaterial(a, materials);
    }
  });

  it("a claim that returned bytes the module cannot send answers 503 without them", async () => {
    const { bank, store } = scenario();
    const material = materialOf("leaky");
    store.claimOverride = { outcome: "claimed", keys: [{ keyId: "not-a-uuid", material, fetchBy: new Date(0) }] };
    const a = await send(bank, "POST", enc(), {});
    expect(a.status).toBe(503);
    expectNoMaterial(a, [material]);
  });

  it.each(["claimForMaster", "snapshot", "findSae"])("a port (%s) throwing with material in its message → 503, message not kept", async (port) => {
    const { bank, store } = scenario();
    const material = materialOf("thrown");
    const original = store.keys.claimForMaster;
    store.throwOn = port;
    // The double's own message is generic; make this one carry the bytes, as a careless driver error might.
    store.keys.claimForMaster = async (c) => {
      if (port === "claimForMaster") throw new Error(`insert failed: ${Buffer.from(material).toString("base64")}`);
      return original(c);
    };
    const a = await send(bank, "POST", enc(), {});
    expect([a.status, a.outcome.log.reason, a.headers["Retry-After"]]).toEqual([503, "port_failure", "5"]);
    expect(a.text).not.toContain("failed");
    expectNoMaterial(a, [material]);
  });

  it("the log record has only the permitted fields, and key IDs but no bytes on success", async () => {
    const { bank } = scenario();
    const a = await send(bank, "POST", enc(), { number: 2 });
    const keys = a.json.keys as Array<{ key_ID: string; key: string }>;
    expect(Object.keys(a.outcome.log).sort()).toEqual(LOG_FIELDS);
    expect(a.outcome.log).toMatchObject({ saeId: BANK, kmeId: "ep-bank", method: "POST", endpoint: "enc_keys", status: 200, reason: null });
    expect(a.outcome.log.keyIds).toEqual(keys.map((k) => k.key_ID));
    const log = JSON.stringify(a.outcome.log);
    for (const k of keys) for (const p of leakPatterns(Buffer.from(k.key, "base64"))) expect(log.includes(p)).toBe(false);
  });
});
