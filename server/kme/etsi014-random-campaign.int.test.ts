/**
 * KEY-DELIVERY.md §7 criterion 8, second half: after a random campaign of
 * issues, fetches, rotations, revocations, isolations and expiries, through
 * the real hub, two real agent processes and mTLS applications, a query over
 * the database finds no delivery whose key was not ACTIVE when it was issued,
 * and no fetch after the key was DESTROYED (or REVOKED). The applications'
 * side holds too: every answer is one of ETSI 014's codes (200/400/401/503,
 * never a 500), no key_ID is issued twice, and every fetched key has the
 * bytes its master got. The campaign is seeded (the seed is in the test name)
 * so a failure replays; time is the services' injected clock, moved by hand.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { poolOf } from "../db/client";
import { Prng } from "../domain/mesh/prng";
import { loadPolicies } from "../keys/key-policies";
import { sweepRotations } from "../rotation/rotation-sweep";
import type { Etsi014ClientResponse } from "../testing/etsi014-client";
import { auditDeliveries } from "../testing/kme-campaign";
import { KmeHarness } from "../testing/kme-harness";
import { manualClock, systemClock } from "../time/clock";
import { ETSI014_POLICY } from "./hub/pool-queries";

const SEED = 20261206;
const STEPS = 70;
const POOL = 12;
const WHO = { actor: "campaign" };
type KeysBody = { keys: Array<{ key_ID: string; key: string }> };
const keysOf = (r: Etsi014ClientResponse) => (r.json as KeysBody).keys;

describe("ETSI 014: a random campaign leaves no delivery of a key that was not ACTIVE, and no fetch after its end", () => {
  let h: KmeHarness;
  const clock = manualClock(systemClock());

  beforeAll(async () => {
    h = await KmeHarness.start({
      adminUrl: inject("adminUrl"), tag: "etsi014_random", poolTarget: POOL, clock,
      saes: [{ saeId: "sae-bank-1", nodeId: "ep-bank" }, { saeId: "sae-stock-1", nodeId: "ep-stock" }],
      pairs: [["sae-bank-1", "sae-stock-1"]],
    });
  }, 120_000);
  afterAll(async () => {
    await h?.dispose();
  });

  it(`seed ${SEED}: issue, fetch, rotate, revoke, isolate and expire at random, then query the database`, async () => {
    const rnd = new Prng(SEED);
    const policy = (await loadPolicies(h.db)).find((p) => p.name === ETSI014_POLICY)!;
    const issued = new Map<string, string>(); // key_ID → the master's base64 bytes
    const fetched = new Map<string, number>();
    const statuses = new Map<string, number>();
    const count = (what: string) => statuses.set(what, (statuses.get(what) ?? 0) + 1);
    const isolated = new Set<string>();
    const pick = <T>(xs: readonly T[]): T | undefined => (xs.length === 0 ? undefined : xs[rnd.int(0, xs.length)]);
    const ops: string[] = [];

    for (let step = 0; step < STEPS; step++) {
      const roll = rnd.next();
      if (roll < 0.34) {
        ops.push("issue");
        const r = await h.call("ep-bank", "sae-bank-1", "GET", `sae-stock-1/enc_keys?number=${rnd.int(1, 4)}`);
        count(`enc ${r.status}`);
        expect([200, 503]).toContain(r.status);
        if (r.status === 200) {
          for (const k of keysOf(r)) {
            expect(issued.has(k.key_ID)).toBe(false); // never issued twice
            issued.set(k.key_ID, k.key);
          }
        }
      } else if (roll < 0.66) {
        ops.push("fetch");
        const keyId = pick([...issued.keys()]);
        if (!keyId) continue;
        const r = await h.call("ep-stock", "sae-stock-1", "GET", `sae-bank-1/dec_keys?key_ID=${keyId}`);
        count(`dec ${r.status}`);
        expect([200, 400, 503]).toContain(r.status);
        if (r.status === 200) {
          expect(keysOf(r)).toEqual([{ key_ID: keyId, key: issued.get(keyId) }]); // the master's bytes
          fetched.set(keyId, (fetched.get(keyId) ?? 0) + 1);
        }
      } else if (roll < 0.76) {
        ops.push("rotate");
        const keyId = pick([...issued.keys()].filter((k) => !fetched.has(k))) ?? (await anyPoolKey());
        if (keyId) await h.s.rotation.rotate(keyId, "random campaign", WHO).catch(() => undefined); // refused when not rotatable
      } else if (roll < 0.84) {
        ops.push("revoke");
        const keyId = pick([...issued.keys()]) ?? (await anyPoolKey());
        if (keyId) await h.s.keys.apply(keyId, { type: "REVOKE", reason: "random campaign: compromise suspected" }, WHO).catch(() => undefined);
      } else if (roll < 0.92) {
        const site = pick(["ep-bank", "ep-stock"])!;
        if (isolated.has(site)) {
          ops.push(`restore ${site}`);
          await h.s.mesh.restoreNode(site, "random campaign", WHO);
          isolated.delete(site);
        } else {
          ops.push(`isolate ${site}`);
          await h.s.mesh.isolateNode(site, "random campaign", WHO);
          isolated.add(site);
        }
      } else {
        ops.push("expire");
        clock.advance((policy.cryptoperiodSeconds + policy.overlapSeconds) * 1000 + 1000);
        await sweepRotations(h.s.rotation);
        await sweepRotations(h.s.rotation);
      }
      if (isolated.size === 0 && rnd.next() < 0.3) await h.fill();
    }

    // The campaign did what it says: each kind of operation ran, and applications both got keys and were refused.
    for (const kind of ["issue", "fetch", "rotate", "revoke", "expire"]) expect(ops.filter((o) => o === kind).length, kind).toBeGreaterThan(0);
    expect(ops.some((o) => o.startsWith("isolate"))).toBe(true);
    expect(statuses.get("enc 200") ?? 0).toBeGreaterThan(0);
    expect(statuses.get("dec 200") ?? 0).toBeGreaterThan(0);
    expect(statuses.get("dec 400") ?? 0).toBeGreaterThan(0); // revoked, expired or consumed keys refused
    expect([...fetched.values()].every((n) => n === 1)).toBe(true); // a slave gets a key once

    const q = poolOf(h.db);
    // Every delivery row was written by its lifecycle event, and every issue happened to an ACTIVE key.
    const issuedNotActive = await q.query(
      `SELECT d.key_id FROM key_sae_deliveries d
        WHERE d.role = 'master' AND NOT EXISTS (
          SELECT 1 FROM audit_entries a
           WHERE a.subject_type = 'key' AND a.subject_id = d.key_id::text AND a.action = 'KEY_ISSUED_TO_SAE' AND a.from_state = 'ACTIVE')`);
    expect(issuedNotActive.rows).toEqual([]);
    const issueWhenNotActive = await q.query(
      `SELECT subject_id FROM audit_entries WHERE action = 'KEY_ISSUED_TO_SAE' AND from_state IS DISTINCT FROM 'ACTIVE'`);
    expect(issueWhenNotActive.rows).toEqual([]);
    // No fetch of a key after it was DESTROYED or REVOKED: no fetch entry follows such an entry of its key in the chain.
    const fetchAfterEnd = await q.query(
      `SELECT f.subject_id, f.seq FROM audit_entries f
        WHERE f.action = 'KEY_FETCHED_BY_SAE' AND (f.from_state NOT IN ('ACTIVE', 'ROTATING') OR EXISTS (
          SELECT 1 FROM audit_entries e
           WHERE e.subject_type = f.subject_type AND e.subject_id = f.subject_id AND e.seq < f.seq AND e.to_state IN ('DESTROYED', 'REVOKED')))`);
    expect(fetchAfterEnd.rows).toEqual([]);
    // A slave's delivered row has its fetch entry, and the database agrees with the applications.
    const deliveredSlaves = await q.query<{ key_id: string }>(`SELECT key_id::text FROM key_sae_deliveries WHERE role = 'slave' AND delivered_at IS NOT NULL`);
    expect(new Set(deliveredSlaves.rows.map((r) => r.key_id))).toEqual(new Set(fetched.keys()));
    const masterRows = await q.query<{ key_id: string }>(`SELECT key_id::text FROM key_sae_deliveries WHERE role = 'master'`);
    expect(new Set(masterRows.rows.map((r) => r.key_id))).toEqual(new Set(issued.keys()));
    // Usage counters equal deliveries, and the chain verifies (the crash campaign's checks).
    const audit = await auditDeliveries(h);
    expect(audit).toMatchObject({ servedTwice: 0, usageMismatches: 0, chainOk: true });
  }, 300_000);

  async function anyPoolKey(): Promise<string | undefined> {
    const r = await poolOf(h.db).query<{ id: string }>(
      `SELECT k.id::text FROM keys k WHERE k.state = 'ACTIVE' AND k.policy = $1 ORDER BY k.activated_at LIMIT 1`, [ETSI014_POLICY]);
    return r.rows[0]?.id;
  }
});
