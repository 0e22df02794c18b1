/**
 * The validation order (§4.0 and the refusal tables of §4.2/§4.3) is deterministic:
 * for every pair of faults that can coexist in one request, the request gets the
 * refusal of the earlier one. Each fault alone is also checked, so a fault that
 * stops firing fails here rather than making its pairs pass vacuously.
 */
import { describe, expect, it } from "vitest";
import type { InMemoryPorts } from "../../testing/etsi014-in-memory-ports";
import { BANK, LONER, STOCK, STOCK_2, dec, enc, issue, keyIdOf, scenario, send } from "../../testing/etsi014-fixture";

interface EncRequest {
  caller: string;
  slave: string;
  body: Record<string, unknown> | string;
}
interface Fault<R> {
  name: string;
  /** The log record's reason when this fault is the one reported. */
  reason: string;
  /** Faults sharing a tag cannot be put in one request. */
  tags: string[];
  apply: (store: InMemoryPorts, req: R) => void;
}

const push = (body: EncRequest["body"], list: string, entry: object) => {
  if (typeof body === "string") return;
  body[list] = [...((body[list] as object[] | undefined) ?? []), entry];
};

const ENC_FAULTS: Fault<EncRequest>[] = [
  { name: "hub link down", reason: "hub_unreachable", tags: ["hub"], apply: (s) => void (s.hubUp = false) },
  { name: "caller registered at another site", reason: "caller_not_registered", tags: ["caller"], apply: (_s, r) => void (r.caller = STOCK_2) },
  { name: "policy inconsistent", reason: "kme_misconfigured", tags: ["limits"], apply: (s) => void (s.limitsValue = { ...s.limitsValue, minKeySizeBits: 512 }) },
  { name: "malformed JSON", reason: "malformed_json", tags: ["number", "size", "slaves", "ext", "members"], apply: (_s, r) => void (r.body = '{"number":') },
  { name: "unknown member", reason: "unknown_member", tags: ["members"], apply: (_s, r) => void (typeof r.body !== "string" && (r.body.colour = "red")) },
  { name: 'number "2" (type)', reason: "number_invalid", tags: ["number"], apply: (_s, r) => void (typeof r.body !== "string" && (r.body.number = "2")) },
  { name: "unknown path SAE", reason: "unknown_sae", tags: ["slave"], apply: (_s, r) => void (r.slave = "sae-nobody") },
  { name: "path SAE = caller", reason: "same_sae", tags: ["slave"], apply: (_s, r) => void (r.slave = BANK) },
  { name: "path SAE not paired", reason: "not_paired", tags: ["slave"], apply: (_s, r) => void (r.slave = LONER) },
  { name: "number 0 (range)", reason: "number_invalid", tags: ["number"], apply: (_s, r) => void (typeof r.body !== "string" && (r.body.number = 0)) },
  { name: "size 100", reason: "size_not_multiple_of_8", tags: ["size"], apply: (_s, r) => void (typeof r.body !== "string" && (r.body.size = 100)) },
  { name: "additional slave unknown", reason: "additional_slaves_invalid", tags: ["slaves"], apply: (_s, r) => void (typeof r.body !== "string" && (r.body.additional_slave_SAE_IDs = ["sae-nobody"])) },
  { name: "extension value invalid", reason: "extension_invalid", tags: [], apply: (_s, r) => push(r.body, "extension_mandatory", { qecnet_max_relays: -1 }) },
  { name: "mandatory unsupported", reason: "extension_mandatory_unsupported", tags: [], apply: (_s, r) => push(r.body, "extension_mandatory", { abc_route_type: "direct" }) },
  { name: "mandatory unmet", reason: "extension_mandatory_unmet", tags: ["pool"], apply: (_s, r) => push(r.body, "extension_mandatory", { qecnet_avoid_nodes: ["ep-stock"] }) },
  { name: "own site isolated", reason: "site_isolated", tags: [], apply: (s) => s.states.set("ep-bank", "ISOLATED") },
  { name: "peer site offline", reason: "peer_site_unavailable", tags: [], apply: (s) => s.states.set("ep-stock", "OFFLINE") },
  { name: "pool empty", reason: "pool_exhausted", tags: ["pool"], apply: (s) => void s.pools.clear() },
  { name: "rate quota used up", reason: "rate_limited", tags: [], apply: (s) => void (s.quota = { remaining: 0, retryAfterSeconds: 9 }) },
];

interface DecRequest {
  caller: string;
  master: string;
  ids: unknown[];
  body: object | null;
}

/** Key IDs issued to STOCK before each dec_keys case; ISSUED[0] is the request's valid key. */
const DEC_FAULTS: Fault<DecRequest>[] = [
  { name: "hub link down", reason: "hub_unreachable", tags: ["hub"], apply: (s) => void (s.hubUp = false) },
  { name: "caller unregistered", reason: "caller_not_registered", tags: ["caller"], apply: (_s, r) => void (r.caller = "sae-ghost") },
  { name: "bare-string key_IDs", reason: "key_ids_invalid", tags: ["body"], apply: (_s, r) => void (r.body = { key_IDs: r.ids }) },
  { name: "unknown path master", reason: "unknown_sae", tags: ["master"], apply: (_s, r) => void (r.master = "sae-nobody") },
  { name: "path master = caller", reason: "same_sae", tags: ["master"], apply: (_s, r) => void (r.master = r.caller) },
  { name: "duplicate key_ID", reason: "key_ids_invalid", tags: ["body"], apply: (_s, r) => void r.ids.push(r.ids[0]) },
  { name: "non-UUID key_ID", reason: "malformed", tags: ["body"], apply: (_s, r) => void r.ids.push("not-a-uuid") },
  { name: "key addressed to another slave", reason: "not_authorised", tags: ["caller"], apply: (_s, r) => void (r.caller = STOCK_2) },
  { name: "unknown key", reason: "keys_not_found", tags: [], apply: (_s, r) => void r.ids.push(keyIdOf(4242)) },
  { name: "own site isolated", reason: "site_isolated", tags: [], apply: (s) => s.states.set("ep-stock", "ISOLATED") },
];

const pairs = <R>(faults: Fault<R>[]) =>
  faults.flatMap((a, i) => faults.slice(i + 1).filter((b) => !a.tags.some((t) => b.tags.includes(t))).map((b) => [a.name, b.name, a, b] as const));

async function sendEnc(faults: Fault<EncRequest>[]) {
  const { store, bank } = scenario();
  const req: EncRequest = { caller: BANK, slave: STOCK, body: {} };
  for (const f of faults) f.apply(store, req);
  const a = await send(bank, "POST", enc(req.slave), req.body, req.caller);
  return { a, store };
}

async function sendDec(faults: Fault<DecRequest>[]) {
  const { store, bank, stock } = scenario();
  const [k] = await issue(bank);
  const req: DecRequest = { caller: STOCK, master: BANK, ids: [k?.key_ID], body: null };
  // "Bare strings" must see the final list and "master = caller" the final caller, so they go last.
  const last = (f: Fault<DecRequest>) => f.name === "bare-string key_IDs" || f.name === "path master = caller";
  for (const f of [...faults.filter((f) => !last(f)), ...faults.filter(last)]) f.apply(store, req);
  const body = req.body ?? { key_IDs: req.ids.map((key_ID) => ({ key_ID })) };
  const claimsBefore = store.claims;
  const a = await send(stock, "POST", dec(req.master), body, req.caller);
  return { a, claimed: store.claims - claimsBefore };
}

describe("enc_keys validation order", () => {
  it.each(ENC_FAULTS.map((f) => [f.name, f] as const))("%s alone", async (_n, f) => {
    const { a, store } = await sendEnc([f]);
    expect(a.outcome.log.reason).toBe(f.reason);
    expect(store.claims).toBe(0);
  });
  it.each(pairs(ENC_FAULTS))("%s before %s", async (_a, _b, first, second) => {
    const { a, store } = await sendEnc([second, first]);
    expect(a.outcome.log.reason).toBe(first.reason);
    expect(store.claims).toBe(0);
  });
});

describe("dec_keys validation order", () => {
  it.each(DEC_FAULTS.map((f) => [f.name, f] as const))("%s alone", async (_n, f) => {
    const { a, claimed } = await sendDec([f]);
    expect(a.outcome.log.reason).toBe(f.reason);
    expect(claimed).toBe(0);
  });
  it.each(pairs(DEC_FAULTS))("%s before %s", async (_a, _b, first, second) => {
    const { a, claimed } = await sendDec([second, first]);
    expect(a.outcome.log.reason).toBe(first.reason);
    expect(claimed).toBe(0);
  });
});
