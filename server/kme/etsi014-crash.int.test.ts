/**
 * Crash consistency of ETSI 014 key delivery (KEY-DELIVERY.md §7, criterion
 * 12), with the real hub, two real agent processes and mTLS applications:
 * - the hub killed between enc_keys and dec_keys and started again on the same
 *   database: the slave still gets the identical bytes;
 * - an agent killed (SIGKILL) after the hub recorded a claim and before the
 *   application got its answer: that key is never served later (dec_keys →
 *   400 consumed; a master's claimed key is never handed out again);
 * - 16 application pairs issuing and fetching at once: no key_ID twice, no
 *   byte mismatch, usage counters equal to deliveries, the chain verifying.
 *
 * "The hub killed" is simulated in this process (server/testing/kme-harness.ts
 * crashHub): its agent sockets cut without a close frame, its services and
 * database connections dropped, new ones built on the same database. The
 * agents are real processes and really get SIGKILL; the window between claim
 * and answer is held open by a test-only hook of the agent
 * (QECNET_AGENT_TEST_HOLD_AFTER_CLAIM_MS, honoured only with --allow-faults).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { poolOf } from "../db/client";
import type { Etsi014ClientResponse } from "../testing/etsi014-client";
import { waitUntil } from "../testing/agent-process";
import { auditDeliveries, runCampaign, type CampaignPair } from "../testing/kme-campaign";
import { KmeHarness } from "../testing/kme-harness";

const APPS = 16;
const bank = (i: number) => `sae-bank-${i}`;
const stock = (i: number) => `sae-stock-${i}`;
const SAES = Array.from({ length: APPS }, (_, i) => [{ saeId: bank(i + 1), nodeId: "ep-bank" }, { saeId: stock(i + 1), nodeId: "ep-stock" }]).flat();
const PAIRS = Array.from({ length: APPS }, (_, i) => [bank(i + 1), stock(i + 1)] as const);
const POOL = 256;
const CAMPAIGN = 200;
const HOLD = { QECNET_AGENT_TEST_HOLD_AFTER_CLAIM_MS: "10000" };

type KeysBody = { keys: Array<{ key_ID: string; key: string }> };
const keysOf = (r: Etsi014ClientResponse) => (r.json as KeysBody).keys;

describe("ETSI 014 delivery survives crashes of the hub and of the agents", () => {
  let h: KmeHarness;
  const enc = (q = "") => h.call("ep-bank", bank(1), "GET", `${stock(1)}/enc_keys${q}`);
  const dec = (keyId: string) => h.call("ep-stock", stock(1), "GET", `${bank(1)}/dec_keys?key_ID=${keyId}`);
  const holdLines = (site: string) => (h.agents.get(site)!.output().match(/test hold after claim/g) ?? []).length;

  beforeAll(async () => {
    h = await KmeHarness.start({ adminUrl: inject("adminUrl"), tag: "etsi014_crash", saes: SAES, pairs: PAIRS, poolTarget: POOL, allowFaults: true });
  }, 180_000);
  afterAll(async () => {
    await h?.dispose();
  });

  it("the hub killed between enc_keys and dec_keys: meanwhile the slave gets 503 and nothing is consumed; after the restart dec_keys returns the identical bytes", async () => {
    const e = await enc("?size=192");
    expect(e.status).toBe(200);
    const [k] = keysOf(e);
    await h.crashHub();
    const down = await dec(k!.key_ID);
    expect(down.status).toBe(503);
    await h.restartHub();
    const d = await dec(k!.key_ID);
    expect(d.status).toBe(200);
    expect(keysOf(d)).toEqual([k]);
    const row = await h.db.key.findUniqueOrThrow({ where: { id: k!.key_ID } });
    expect(row).toMatchObject({ state: "DESTROYED", materialCiphertext: null, usageCount: 2n });
  }, 60_000);

  it("the slave's agent killed after the hub recorded the fetch and before the answer: the key is never served (400 consumed after the restart)", async () => {
    const [k] = keysOf(await enc());
    await h.killAgent("ep-stock");
    await h.startAgent("ep-stock", HOLD);
    const inFlight = dec(k!.key_ID).then((r) => ({ answered: r.status }), (err: unknown) => ({ error: String(err) }));
    await waitUntil(() => holdLines("ep-stock") === 1, 15_000);
    // The claim is committed: the delivery row says delivered, the key is consumed.
    const rows = await poolOf(h.db).query<{ delivered: boolean }>(`SELECT delivered_at IS NOT NULL AS delivered FROM key_sae_deliveries WHERE key_id = $1 AND role = 'slave'`, [k!.key_ID]);
    expect(rows.rows).toEqual([{ delivered: true }]);
    await h.killAgent("ep-stock");
    expect(await inFlight).toMatchObject({ error: expect.any(String) }); // the application never got an answer
    await h.startAgent("ep-stock");
    const again = await dec(k!.key_ID);
    expect(again.status).toBe(400);
    expect(again.json).toEqual({ message: "one or more keys specified are not found on KME", details: [expect.objectContaining({ key_ID: k!.key_ID, qecnet_reason: "consumed" })] });
    expect(await h.db.key.findUniqueOrThrow({ where: { id: k!.key_ID } })).toMatchObject({ state: "DESTROYED", materialCiphertext: null, usageCount: 2n });
    // The restarted agent was told to purge it at reconnect.
    await waitUntil(async () => (await h.s.agents.agent("ep-stock").integrity(k!.key_ID)) === null, 5_000);
  }, 60_000);

  it("the master's agent killed after the hub recorded the issue and before the answer: enc_keys never hands that key out again", async () => {
    await h.killAgent("ep-bank");
    await h.startAgent("ep-bank", HOLD);
    const started = new Date();
    const inFlight = enc().then((r) => ({ answered: r.status }), (err: unknown) => ({ error: String(err) }));
    await waitUntil(() => holdLines("ep-bank") === 1, 15_000);
    const claimed = await poolOf(h.db).query<{ key_id: string }>(
      `SELECT key_id FROM key_sae_deliveries WHERE role = 'master' AND sae_id = $1 AND assigned_at >= $2 AND delivered_at IS NOT NULL`, [bank(1), started]);
    expect(claimed.rows).toHaveLength(1);
    const lost = claimed.rows[0]!.key_id;
    await h.killAgent("ep-bank");
    expect(await inFlight).toMatchObject({ error: expect.any(String) });
    await h.startAgent("ep-bank");
    // Drain the whole pool: every key enc_keys hands out now, and never the lost one.
    const handed: string[] = [];
    for (;;) {
      const r = await h.call("ep-bank", bank(1), "POST", `${stock(1)}/enc_keys`, { number: 128 });
      if (r.status === 200) {
        handed.push(...keysOf(r).map((k) => k.key_ID));
        continue;
      }
      const stored = ((await h.call("ep-bank", bank(1), "GET", `${stock(1)}/status`)).json as { stored_key_count: number }).stored_key_count;
      if (stored === 0) break;
      const rest = await h.call("ep-bank", bank(1), "POST", `${stock(1)}/enc_keys`, { number: stored });
      expect(rest.status).toBe(200);
      handed.push(...keysOf(rest).map((k) => k.key_ID));
    }
    expect(handed.length).toBeGreaterThan(POOL / 2);
    expect(handed).not.toContain(lost);
    expect(new Set(handed).size).toBe(handed.length);
    expect(await h.db.key.findUniqueOrThrow({ where: { id: lost } })).toMatchObject({ state: "ACTIVE", usageCount: 1n });
  }, 90_000);

  it(`${APPS} application pairs, ${CAMPAIGN} issue/fetch pairs at once: no key_ID twice, no byte mismatch, usage = deliveries, the chain verifies`, async () => {
    await h.fill();
    expect(await h.servable()).toBeGreaterThanOrEqual(CAMPAIGN);
    const pairs: CampaignPair[] = PAIRS.map(([m, s]) => ({ master: { saeId: m, site: "ep-bank" }, slave: { saeId: s, site: "ep-stock" } }));
    const r = await runCampaign(h, pairs, CAMPAIGN);
    // Every fetch of an issued key succeeds; an issue may be refused 503 pool_exhausted though the pool holds keys (the
    // master claim's candidates race: a known defect, measured in docs/benchmarks.md), never anything else.
    expect(r).toMatchObject({ servedTwice: 0, mismatches: 0 });
    expect(r.failures, r.failureSamples.join("\n")).toBe(r.encPoolExhausted);
    expect(r.pairs + r.encPoolExhausted).toBe(CAMPAIGN);
    expect(r.pairs).toBeGreaterThan(CAMPAIGN * 0.9);
    const a = await auditDeliveries(h);
    expect(a).toMatchObject({ servedTwice: 0, usageMismatches: 0, chainOk: true });
    expect(a.deliveredRows).toBeGreaterThanOrEqual(2 * CAMPAIGN);
  }, 120_000);
});
