/**
 * Rotation and expiry of a key an application holds (KEY-DELIVERY.md §5.4,
 * §7 criterion 8), through the real hub and two real agent processes: the
 * master has keys the slave has not fetched yet; their cryptoperiod ends and
 * the scheduled rotation sweep (the one the pg-boss cron runs each minute)
 * turns them ROTATING with fresh, unassigned successors; the slave still gets
 * a held key during the overlap; after it the other is RETIRED and DESTROYED
 * (retention 0), both agents purge it, and dec_keys answers 400 expired.
 * Time is the services' injected clock, moved by hand; nothing waits a day.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { poolOf } from "../db/client";
import { sweepRotations } from "../rotation/rotation-sweep";
import { waitUntil } from "../testing/agent-process";
import type { Etsi014ClientResponse } from "../testing/etsi014-client";
import { KmeHarness } from "../testing/kme-harness";
import { manualClock, systemClock } from "../time/clock";
import { loadPolicies } from "../keys/key-policies";
import { ETSI014_POLICY } from "./hub/pool-queries";

type KeysBody = { keys: Array<{ key_ID: string; key: string }> };
const keysOf = (r: Etsi014ClientResponse) => (r.json as KeysBody).keys;
const POOL = 8;

describe("ETSI 014: a held key rotates and expires on the lifecycle's schedule", () => {
  let h: KmeHarness;
  const clock = manualClock(systemClock());
  const dec = (keyId: string) => h.call("ep-stock", "sae-stock-1", "GET", `sae-bank-1/dec_keys?key_ID=${keyId}`);
  const stateOf = async (id: string) => (await h.db.key.findUniqueOrThrow({ where: { id } })).state;

  beforeAll(async () => {
    h = await KmeHarness.start({
      adminUrl: inject("adminUrl"), tag: "etsi014_rotation", poolTarget: POOL, clock,
      saes: [{ saeId: "sae-bank-1", nodeId: "ep-bank" }, { saeId: "sae-stock-1", nodeId: "ep-stock" }],
      pairs: [["sae-bank-1", "sae-stock-1"]],
    });
  }, 120_000);
  afterAll(async () => {
    await h?.dispose();
  });

  it("criterion 8: ROTATING at the end of the cryptoperiod, still fetched during the overlap, then RETIRED→DESTROYED, purged, and dec_keys → 400 expired", async () => {
    const policy = (await loadPolicies(h.db)).find((p) => p.name === ETSI014_POLICY)!;
    const e = await h.call("ep-bank", "sae-bank-1", "GET", "sae-stock-1/enc_keys?number=2");
    expect(e.status).toBe(200);
    const [fetched, left] = keysOf(e);

    // Not yet: one second before the cryptoperiod ends nothing rotates.
    clock.advance(policy.cryptoperiodSeconds * 1000 - 1000);
    expect((await sweepRotations(h.s.rotation)).rotated).toBe(0);
    clock.advance(2000);
    const rotated = await sweepRotations(h.s.rotation);
    expect(rotated.rotated).toBe(POOL); // the two held keys and the six unassigned pool keys
    expect(await stateOf(fetched!.key_ID)).toBe("ROTATING");
    expect(await stateOf(left!.key_ID)).toBe("ROTATING");
    // Their successors are fresh pool keys, ACTIVE and assigned to no application.
    const successors = await poolOf(h.db).query<{ state: string; rows: number }>(
      `SELECT s.state::text AS state, (SELECT count(*)::int FROM key_sae_deliveries d WHERE d.key_id = s.id) AS rows
         FROM keys s WHERE s.predecessor_id = ANY($1::uuid[])`, [[fetched!.key_ID, left!.key_ID]]);
    expect(successors.rows).toEqual([{ state: "ACTIVE", rows: 0 }, { state: "ACTIVE", rows: 0 }]);
    // enc_keys never hands out a ROTATING key: what it gives now is a successor.
    const next = keysOf(await h.call("ep-bank", "sae-bank-1", "GET", "sae-stock-1/enc_keys"));
    expect(next.map((k) => k.key_ID)).not.toContain(fetched!.key_ID);
    expect(next.map((k) => k.key_ID)).not.toContain(left!.key_ID);

    // During the overlap the slave still gets the held key, the same bytes.
    clock.advance(policy.overlapSeconds * 1000 - 1000);
    const during = await dec(fetched!.key_ID);
    expect(during.status).toBe(200);
    expect(keysOf(during)).toEqual([fetched]);
    expect(await stateOf(fetched!.key_ID)).toBe("DESTROYED");

    // After the overlap: RETIRED and, with retention 0, DESTROYED; both agents purge it; dec_keys says expired.
    clock.advance(2000);
    await sweepRotations(h.s.rotation);
    await sweepRotations(h.s.rotation);
    const row = await h.db.key.findUniqueOrThrow({ where: { id: left!.key_ID } });
    expect(row).toMatchObject({ state: "DESTROYED", materialCiphertext: null });
    const path = (await h.db.auditEntry.findMany({ where: { subjectId: left!.key_ID }, orderBy: { seq: "asc" } })).map((a) => a.toState);
    expect(path).toEqual(expect.arrayContaining(["ROTATING", "RETIRED", "DESTROYED"]));
    await waitUntil(async () => (await h.s.agents.agent("ep-bank").integrity(left!.key_ID)) === null && (await h.s.agents.agent("ep-stock").integrity(left!.key_ID)) === null, 5_000);
    const after = await dec(left!.key_ID);
    expect(after.status).toBe(400);
    expect(after.json).toEqual({ message: "one or more keys specified are not found on KME", details: [expect.objectContaining({ key_ID: left!.key_ID, qecnet_reason: "expired" })] });
  }, 90_000);
});
