/**
 * ETSI GS QKD 014 key delivery end to end (KEY-DELIVERY.md §7, criteria 1–3 and
 * parts of 6 and 7): the real hub over PostgreSQL, two real agent processes
 * (scripts/agent.ts) each hosting its site's KME, applications calling them
 * over mutual TLS with SAE-CA certificates. Keys come from the pair's pool,
 * filled through real distribution to the agents; bytes come from the agents'
 * sealed stores, identical at both sites, served once.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { verifyStoredChain } from "../audit/audit-log";
import { waitUntil } from "../testing/agent-process";
import type { Etsi014ClientResponse } from "../testing/etsi014-client";
import { KmeHarness } from "../testing/kme-harness";
import { ACTOR } from "../testing/fixtures";

const SAES = [
  { saeId: "sae-bank-1", nodeId: "ep-bank" },
  { saeId: "sae-stock-1", nodeId: "ep-stock" },
  { saeId: "sae-stock-2", nodeId: "ep-stock" },
];
const POOL = 48;

type Json = Record<string, unknown>;

describe("ETSI 014 key delivery through real agent processes", () => {
  let h: KmeHarness;
  const call = (site: string, saeId: string, method: string, pathAndQuery: string, body?: object | string): Promise<Etsi014ClientResponse> =>
    h.call(site, saeId, method, pathAndQuery, body);
  const keysOf = (r: Etsi014ClientResponse) => (r.json as { keys: Array<{ key_ID: string; key: string }> }).keys;

  beforeAll(async () => {
    h = await KmeHarness.start({
      adminUrl: inject("adminUrl"), tag: "etsi014_e2e", saes: SAES, poolTarget: POOL,
      pairs: [["sae-bank-1", "sae-stock-1"], ["sae-bank-1", "sae-stock-2"]],
    });
  }, 120_000);
  afterAll(async () => {
    await h?.dispose();
  });

  it("status tells the truth about the pair's pool", async () => {
    const r = await call("ep-bank", "sae-bank-1", "GET", "sae-stock-1/status");
    expect(r.status).toBe(200);
    expect(r.headers["cache-control"]).toBe("no-store");
    expect(r.json).toMatchObject({
      source_KME_ID: "ep-bank", target_KME_ID: "ep-stock", master_SAE_ID: "sae-bank-1", slave_SAE_ID: "sae-stock-1",
      key_size: 256, stored_key_count: POOL, max_key_count: POOL, max_key_per_request: 128, max_key_size: 256, min_key_size: 64, max_SAE_ID_count: 0,
    });
  });

  it("criterion 1: the master's keys and the slave's are the same bytes, GET and POST, every size from 64 to 256 bits", async () => {
    const enc = await call("ep-bank", "sae-bank-1", "GET", "sae-stock-1/enc_keys?number=2&size=128");
    expect(enc.status).toBe(200);
    const keys = keysOf(enc);
    expect(keys).toHaveLength(2);
    expect(new Set(keys.map((k) => k.key_ID)).size).toBe(2);
    for (const k of keys) {
      expect(k.key_ID).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(Buffer.from(k.key, "base64")).toHaveLength(16);
      expect(Buffer.from(k.key, "base64").toString("base64")).toBe(k.key);
    }
    const dec = await call("ep-stock", "sae-stock-1", "POST", "sae-bank-1/dec_keys", { key_IDs: keys.map((k) => ({ key_ID: k.key_ID })) });
    expect(dec.status).toBe(200);
    expect(keysOf(dec)).toEqual(keys);

    // Every size in steps of 8, alternating GET and POST forms (POST with an empty body for the default size).
    for (let size = 64; size <= 256; size += 8) {
      const e = size % 16 === 0
        ? await call("ep-bank", "sae-bank-1", "POST", "sae-stock-1/enc_keys", { number: 1, size })
        : await call("ep-bank", "sae-bank-1", "GET", `sae-stock-1/enc_keys?size=${size}`);
      expect(e.status, `enc_keys size ${size}`).toBe(200);
      const [k] = keysOf(e);
      expect(Buffer.from(k!.key, "base64")).toHaveLength(size / 8);
      const d = size % 16 === 0
        ? await call("ep-stock", "sae-stock-1", "GET", `sae-bank-1/dec_keys?key_ID=${k!.key_ID}`)
        : await call("ep-stock", "sae-stock-1", "POST", "sae-bank-1/dec_keys", { key_IDs: [{ key_ID: k!.key_ID }] });
      expect(d.status, `dec_keys size ${size}`).toBe(200);
      expect(keysOf(d)).toEqual([k]);
    }
    const empty = await call("ep-bank", "sae-bank-1", "POST", "sae-stock-1/enc_keys", "");
    expect(empty.status).toBe(200);
    expect(Buffer.from(keysOf(empty)[0]!.key, "base64")).toHaveLength(32);
  });

  it("a client that is not ours (plain curl, scripts/etsi014-curl-demo.sh) gets identical bytes at both sites", async () => {
    // Asynchronously: the hub the KMEs ask runs in this process and must keep answering while curl waits.
    const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile("bash", [path.join(import.meta.dirname, "..", "..", "scripts", "etsi014-curl-demo.sh"), h.pkiDir,
        `https://localhost:${h.kmePort.get("ep-bank")}`, `https://localhost:${h.kmePort.get("ep-stock")}`], { encoding: "utf8", timeout: 30_000 },
      (err, stdout, stderr) => resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
    });
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("identical bytes at both sites for both keys");
    expect(r.stdout).toContain('"qecnet_reason":"consumed"');
    expect(r.status).toBe(0);
  });

  it("criterion 2: served once: a second fetch is refused as consumed, 8 racing fetches give one key, the record is destroyed and both stores purge", async () => {
    const enc = await call("ep-bank", "sae-bank-1", "GET", "sae-stock-1/enc_keys");
    const [k] = keysOf(enc);
    const id = k!.key_ID;
    const race = await Promise.all(Array.from({ length: 8 }, () => call("ep-stock", "sae-stock-1", "POST", "sae-bank-1/dec_keys", { key_IDs: [{ key_ID: id }] })));
    expect(race.filter((r) => r.status === 200)).toHaveLength(1);
    expect(keysOf(race.find((r) => r.status === 200)!)).toEqual([k]);
    for (const r of race.filter((x) => x.status !== 200)) expect(r.status).toBe(400);
    const again = await call("ep-stock", "sae-stock-1", "GET", `sae-bank-1/dec_keys?key_ID=${id}`);
    expect(again.status).toBe(400);
    expect(again.json).toEqual({ message: "one or more keys specified are not found on KME", details: [expect.objectContaining({ key_ID: id, qecnet_reason: "consumed" })] });
    const row = await h.db.key.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ state: "DESTROYED", materialCiphertext: null, usageCount: 2n });
    await h.s.purges.sweep({ keyIds: [id], ignoreBackoff: true });
    await waitUntil(async () => (await h.s.agents.agent("ep-bank").integrity(id)) === null && (await h.s.agents.agent("ep-stock").integrity(id)) === null, 2_000);
    const actions = (await h.db.auditEntry.findMany({ where: { subjectId: id }, orderBy: { seq: "asc" } })).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(["KEY_ISSUED_TO_SAE", "KEY_FETCHED_BY_SAE", "KEY_CONSUMED"]));
  });

  it("criterion 3: a valid SAE at another site's KME, the master fetching its own key, and an unaddressed SAE are refused with 401; the addressed slave still gets the key", async () => {
    const elsewhere = await call("ep-stock", "sae-bank-1", "GET", "sae-stock-1/status");
    expect(elsewhere.status).toBe(401);
    const enc = await call("ep-bank", "sae-bank-1", "GET", "sae-stock-1/enc_keys");
    const [k] = keysOf(enc);
    const own = await call("ep-bank", "sae-bank-1", "GET", `sae-stock-1/dec_keys?key_ID=${k!.key_ID}`);
    expect(own.status).toBe(401);
    const third = await call("ep-stock", "sae-stock-2", "GET", `sae-bank-1/dec_keys?key_ID=${k!.key_ID}`);
    expect(third.status).toBe(401);
    expect(JSON.stringify(third.json)).not.toContain(k!.key);
    // Audited once (throttled per SAE and KME per minute), naming the key asked for; a repeat within the minute is counted, not written.
    await call("ep-stock", "sae-stock-2", "GET", `sae-bank-1/dec_keys?key_ID=${k!.key_ID}`);
    await waitUntil(async () => (await h.db.auditEntry.count({ where: { action: "ETSI014_ACCESS_REFUSED", subjectId: "sae-stock-2" } })) === 1);
    const refusal = await h.db.auditEntry.findFirstOrThrow({ where: { action: "ETSI014_ACCESS_REFUSED", subjectId: "sae-stock-2" } });
    expect(refusal.details).toMatchObject({ kme: "ep-stock", method: "GET", endpoint: "dec_keys", keyIds: [k!.key_ID] });
    // sae-bank-1 was refused at two KMEs (not registered at ep-stock; not an addressed slave at ep-bank): one entry each.
    const bank = await h.db.auditEntry.findMany({ where: { action: "ETSI014_ACCESS_REFUSED", subjectId: "sae-bank-1" }, orderBy: { seq: "asc" } });
    expect(bank.map((e) => (e.details as Json).kme).sort()).toEqual(["ep-bank", "ep-stock"]);
    const right = await call("ep-stock", "sae-stock-1", "GET", `sae-bank-1/dec_keys?key_ID=${k!.key_ID}`);
    expect(right.status).toBe(200);
    expect(keysOf(right)).toEqual([k]);
  });

  it("criterion 4 (sample): bad requests change nothing: no delivery row, no audit entry, the same stored_key_count", async () => {
    const status = async () => ((await call("ep-bank", "sae-bank-1", "GET", "sae-stock-1/status")).json as Json).stored_key_count;
    const before = { rows: await h.db.keySaeDelivery.count(), audit: await h.db.auditEntry.count(), stored: await status() };
    const bad = [
      await call("ep-bank", "sae-bank-1", "GET", "sae-stock-1/enc_keys?size=100"),
      await call("ep-bank", "sae-bank-1", "GET", "sae-stock-1/enc_keys?number=0"),
      await call("ep-bank", "sae-bank-1", "POST", "sae-stock-1/enc_keys", '{"number": 2'),
      await call("ep-bank", "sae-bank-1", "POST", "sae-stock-1/enc_keys", { number: 1, colour: "blue" }),
      await call("ep-stock", "sae-stock-1", "POST", "sae-bank-1/dec_keys", { key_IDs: ["not-an-object"] }),
      await call("ep-stock", "sae-stock-1", "GET", "sae-bank-1/dec_keys?key_ID=not-a-uuid"),
      await call("ep-stock", "sae-stock-1", "GET", "sae-bank-1/dec_keys?key_ID=0b0c2c5e-8a44-4d43-9b3a-2f7e9a0a1111"),
    ];
    expect(bad.map((r) => r.status)).toEqual([400, 400, 400, 400, 400, 400, 400]);
    for (const r of bad) expect(Array.isArray((r.json as Json).details)).toBe(true);
    expect((bad[0]!.json as Json).message).toBe("size shall be a multiple of 8");
    expect({ rows: await h.db.keySaeDelivery.count(), audit: await h.db.auditEntry.count(), stored: await status() }).toEqual(before);
  });

  it("criterion 1, the reverse direction: sae-stock-1 as master at ep-stock, sae-bank-1 as its slave at ep-bank", async () => {
    const enc = await call("ep-stock", "sae-stock-1", "GET", "sae-bank-1/enc_keys?number=3&size=192");
    expect(enc.status).toBe(200);
    const keys = keysOf(enc);
    expect(keys.map((k) => Buffer.from(k.key, "base64").length)).toEqual([24, 24, 24]);
    const dec = await call("ep-bank", "sae-bank-1", "POST", "sae-stock-1/dec_keys", { key_IDs: keys.map((k) => ({ key_ID: k.key_ID })) });
    expect(dec.status).toBe(200);
    expect(keysOf(dec)).toEqual(keys);
  });

  it("criterion 5: extensions per clause 6.2, with qecnet_avoid_nodes read from the keys' recorded routes", async () => {
    const unknownMandatory = await call("ep-bank", "sae-bank-1", "POST", "sae-stock-1/enc_keys", { number: 1, extension_mandatory: [{ abc_route_type: "direct" }] });
    expect(unknownMandatory.status).toBe(400);
    expect(unknownMandatory.json).toMatchObject({
      message: "not all extension_mandatory parameters are supported",
      details: expect.arrayContaining([{ extension_mandatory_unsupported: "abc_route_type is not supported" }]),
    });
    const unknownOptional = await call("ep-bank", "sae-bank-1", "POST", "sae-stock-1/enc_keys", { number: 1, extension_optional: [{ abc_route_type: "direct" }] });
    expect(unknownOptional.status).toBe(200);
    expect(unknownOptional.json).toMatchObject({ key_container_extension: { qecnet_ignored_extensions: ["abc_route_type"] } });
    // A relay no pool key crossed is avoided by every key; avoiding every relay the pool's keys crossed leaves none.
    const routes = await h.db.keyRoute.findMany({ where: { key: { policy: "etsi014", state: "ACTIVE", usageCount: 0 } } });
    const crossed = new Set(routes.flatMap((r) => r.nodePath.slice(1, -1)));
    expect(crossed.size, "relays on the pool's routes").toBeGreaterThan(0);
    const uncrossed = ["relay-south", "relay-west", "relay-harbour", "relay-east", "relay-north"].find((n) => !crossed.has(n))!;
    const avoided = await call("ep-bank", "sae-bank-1", "POST", "sae-stock-1/enc_keys", { number: 1, extension_mandatory: [{ qecnet_avoid_nodes: [uncrossed] }] });
    expect(avoided.status).toBe(200);
    const [a] = keysOf(avoided);
    const aRoutes = await h.db.keyRoute.findMany({ where: { keyId: a!.key_ID } });
    expect(aRoutes.flatMap((r) => r.nodePath)).not.toContain(uncrossed);
    const rows = await h.db.keySaeDelivery.count();
    const unmet = await call("ep-bank", "sae-bank-1", "POST", "sae-stock-1/enc_keys", { number: 1, extension_mandatory: [{ qecnet_avoid_nodes: [...crossed] }] });
    expect(unmet.status).toBe(400);
    expect(unmet.json).toMatchObject({ message: "not all extension_mandatory request options could be met" });
    expect(await h.db.keySaeDelivery.count()).toBe(rows);
  });

  it("criterion 6 (sample): an exhausted pool answers 503 with Retry-After and no partial container", async () => {
    const stored = ((await call("ep-bank", "sae-bank-1", "GET", "sae-stock-2/status")).json as Json).stored_key_count as number;
    expect(stored).toBeGreaterThan(0);
    const all = await call("ep-bank", "sae-bank-1", "POST", "sae-stock-2/enc_keys", { number: stored });
    expect(all.status).toBe(200);
    expect(keysOf(all)).toHaveLength(stored);
    const more = await call("ep-bank", "sae-bank-1", "GET", "sae-stock-2/enc_keys");
    expect(more.status).toBe(503);
    expect(more.headers["retry-after"]).toBeDefined();
    expect(more.json).toMatchObject({ details: expect.arrayContaining([expect.objectContaining({ qecnet_reason: "pool_exhausted" })]) });
    expect(JSON.stringify(more.json)).not.toContain('"keys"');
  });

  it("criterion 7: a compromise reaches applications: the held key is refused as revoked, the incident names its recipient, and status tells the master of it and of a key consumed earlier", async () => {
    await h.replenisher.round(); // criterion 6 drained the pair's pool
    const encC = await call("ep-bank", "sae-bank-1", "GET", "sae-stock-1/enc_keys");
    expect(encC.status).toBe(200);
    const [c] = keysOf(encC);
    expect((await call("ep-stock", "sae-stock-1", "GET", `sae-bank-1/dec_keys?key_ID=${c!.key_ID}`)).status).toBe(200);
    const encK = await call("ep-bank", "sae-bank-1", "GET", "sae-stock-1/enc_keys");
    const [k] = keysOf(encK);
    // A link both keys' recorded routes crossed: its compromise exposes both.
    const linksOf = async (id: string) => (await h.db.keyRoute.findMany({ where: { keyId: id } })).flatMap((r) => r.linkPath);
    const linkOfC = await linksOf(c!.key_ID);
    const target = (await linksOf(k!.key_ID)).find((l) => linkOfC.includes(l))!;
    expect(target).toBeDefined();
    const incident = await h.s.recovery.signal({ signal: "QBER_ABORT", targetType: "link", targetId: target, reason: "intercept-resend signature on the link" }, ACTOR);
    const detail = await h.s.incidents.get(incident.id);
    const held = detail.keys.find((x) => x.keyId === k!.key_ID)!;
    expect(held.stateNow).toBe("REVOKED");
    expect(held.recipients).toEqual([expect.objectContaining({ saeId: "sae-bank-1", role: "master", kme: "ep-bank" }), expect.objectContaining({ saeId: "sae-stock-1", role: "slave", deliveredAt: null })]);
    expect(detail.compromiseNotices).toEqual(expect.arrayContaining([expect.objectContaining({ keyId: c!.key_ID, saeIds: ["sae-bank-1", "sae-stock-1"] })]));
    const refused = await call("ep-stock", "sae-stock-1", "GET", `sae-bank-1/dec_keys?key_ID=${k!.key_ID}`);
    expect(refused.status).toBe(400);
    expect(refused.json).toMatchObject({ details: [expect.objectContaining({ key_ID: k!.key_ID, qecnet_reason: "revoked" })] });
    const status = (await call("ep-bank", "sae-bank-1", "GET", "sae-stock-1/status")).json as { status_extension?: { qecnet_revoked_key_IDs?: Array<{ key_ID: string }> } };
    const noticed = (status.status_extension?.qecnet_revoked_key_IDs ?? []).map((n) => n.key_ID);
    expect(noticed).toEqual(expect.arrayContaining([k!.key_ID, c!.key_ID]));
    expect(await h.db.auditEntry.count({ where: { action: "KEY_COMPROMISE_NOTIFIED", subjectId: c!.key_ID } })).toBe(1);
    await h.s.purges.sweep({ keyIds: [k!.key_ID], ignoreBackoff: true });
    await waitUntil(async () => (await h.s.agents.agent("ep-bank").integrity(k!.key_ID)) === null && (await h.s.agents.agent("ep-stock").integrity(k!.key_ID)) === null, 5_000);
  });

  it("the agents' logs never hold a delivered key, and the chain verifies", async () => {
    const delivered = await h.db.keySaeDelivery.findMany({ select: { keyId: true } });
    expect(delivered.length).toBeGreaterThan(20);
    const logs = h.agentLogs();
    expect(logs).toContain("KME listening");
    expect(logs).not.toMatch(/"key":"[A-Za-z0-9+/=]{8,}"/);
    expect((await verifyStoredChain(h.db)).result).toMatchObject({ ok: true });
  });
});
