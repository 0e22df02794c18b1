/**
 * The recovery worker as a server process runs it, on the demo mesh over a
 * real PostgreSQL, with short intervals: at start it finishes an incident a
 * previous process left at a step and opens one for a link its QBER sweep
 * finds over the threshold; a simulation tick's crossing opens an incident;
 * its integrity timer finds a corrupted holder copy; it reports itself to
 * /api/ready; and once stopped it does nothing more.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { demoMesh } from "../demo/demo-topology";
import type { Services } from "../runtime/services";
import { workerStatuses } from "../background/worker-status";
import { ACTOR, testServices, writeMesh } from "../testing/fixtures";
import { createTestDatabase, type TestDatabase } from "../testing/test-database";
import { RecoveryService } from "./recovery-service";
import { startRecoveryWorker } from "./recovery-worker";

describe("recovery worker", () => {
  let t: TestDatabase;
  let s: Services;
  let clock = Date.parse("2026-11-30T12:00:00Z");
  const masterKey = randomBytes(32);
  const errors: string[] = [];
  const log = { info: () => undefined, error: (...args: unknown[]) => void errors.push(JSON.stringify(args)) };
  let stop: (() => void) | null = null;

  beforeAll(async () => {
    t = await createTestDatabase(inject("adminUrl"), "recworker");
    await writeMesh(t.db, demoMesh());
    s = testServices(t.db, t.url, { clock: () => new Date(clock), receiptTimeoutMs: 300, masterKey });
    await s.events.start();
  });
  afterAll(async () => {
    stop?.();
    await s.recovery.idle();
    await s.events.stop();
    await t.dispose();
  });

  async function activeKey(participants: string[], label: string) {
    const k = await s.keys.create({ label, purpose: "test", policy: "high-assurance", participants }, ACTOR);
    const r = await s.distribution.distribute(k.id, ACTOR);
    expect(r.finalKey.state).toBe("ACTIVE");
    return r.finalKey.id;
  }

  /** Polls until `ok` (the worker acts in the background); returns the last value read. */
  async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, tries = 100): Promise<T> {
    for (let i = 0; i < tries; i++) {
      const v = await read();
      if (ok(v)) return v;
      await new Promise((r) => setTimeout(r, 100));
    }
    return read();
  }

  const incidentOn = (targetId: string) => t.db.incident.findFirst({ where: { targetId }, orderBy: { number: "desc" } });

  it("at start: finishes an incident a previous process left at a step, and opens one for a link found over the abort threshold", async () => {
    await activeKey(["ep-bank"], "via-north");
    await activeKey(["ep-hospital"], "via-south");
    // A previous process: stopped (an error) after revoking, before purging.
    const crashed = new RecoveryService(t.db, s.keys, s.agents, { clock: () => new Date(clock), beforeStep: (step) => { if (step === "RECOVERING/REVOKED") throw new Error("stopped"); } });
    await expect(crashed.signal({ signal: "QBER_ABORT", targetType: "link", targetId: "hub-sov--relay-north", reason: "left half-way" }, ACTOR)).rejects.toThrow("stopped");
    expect(await incidentOn("hub-sov--relay-north")).toMatchObject({ status: "RECOVERING", step: "REVOKED" });
    // ... and a QBER crossing it never turned into an incident.
    await t.db.link.update({ where: { id: "hub-sov--relay-south" }, data: { qber: 0.2, status: "DEGRADED" } });

    stop = startRecoveryWorker(s, log, { resumeEveryMs: 200, integrityEveryMs: 200, integrityPerScan: 1_000 });
    expect((await until(() => incidentOn("hub-sov--relay-north"), (i) => i?.status === "RESOLVED"))?.status).toBe("RESOLVED");
    const swept = await until(() => incidentOn("hub-sov--relay-south"), (i) => i?.status === "RESOLVED");
    expect(swept).toMatchObject({ status: "RESOLVED", signal: "QBER_ABORT", reportedBy: "system:qber-monitor" });
    expect(swept!.reason).toMatch(/found over the abort threshold at start/);
    expect(errors).toEqual([]);
  });

  it("a simulation tick whose QBER crosses the abort threshold opens an incident through the worker's listener", async () => {
    const k = await activeKey(["ep-stock"], "via-stock");
    const route = await t.db.keyRoute.findFirstOrThrow({ where: { keyId: k } });
    const link = route.linkPath.at(-1)!;
    await s.mesh.setEavesdropper(link, true, "test eavesdropper", ACTOR);
    let crossed = false;
    for (let i = 0; i < 20 && !crossed; i++) {
      clock += 5_000;
      crossed = (await s.simulator.tickOnce()).crossings.some((c) => c.linkId === link && c.to === "compromised");
    }
    expect(crossed).toBe(true);
    const inc = await until(() => incidentOn(link), (i) => i !== null && i.status !== "DETECTED" && i.status !== "RECOVERING");
    expect(inc).toMatchObject({ signal: "QBER_ABORT", targetType: "link", targetId: link });
    expect((await t.db.link.findUniqueOrThrow({ where: { id: link } })).status).toBe("DOWN");
    expect(errors).toEqual([]);
  });

  it("its integrity timer finds a holder's corrupted copy; it reports itself ready; stopped, it does nothing more", async () => {
    const k = await activeKey(["ep-dc1"], "dc1-a");
    expect(s.agents.corrupt("ep-dc1", k)).toBe(true);
    const inc = await until(() => t.db.incident.findFirst({ where: { signal: "INTEGRITY_MISMATCH", targetId: "ep-dc1" } }), (i) => i?.status === "RESOLVED");
    expect(inc).toMatchObject({ status: "RESOLVED", targetType: "node" });
    expect((await t.db.key.findUniqueOrThrow({ where: { id: k } })).state).toBe("REVOKED");
    expect(workerStatuses().find((w) => w.name === "compromise-recovery")).toMatchObject({ ok: true });

    stop!();
    stop = null;
    expect(workerStatuses().find((w) => w.name === "compromise-recovery")).toBeUndefined();
    const other = await activeKey(["ep-dc1"], "dc1-b");
    expect(s.agents.corrupt("ep-dc1", other)).toBe(true);
    await new Promise((r) => setTimeout(r, 1_000)); // five of the stopped timer's periods
    expect(await t.db.incident.count({ where: { signal: "INTEGRITY_MISMATCH" } })).toBe(1);
    expect((await t.db.key.findUniqueOrThrow({ where: { id: other } })).state).toBe("ACTIVE");
    expect(errors).toEqual([]);
  });
});
