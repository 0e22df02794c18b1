/**
 * The sealed store (KEY-DELIVERY.md §6.5): a record round-trips, a tampered one
 * is reported "corrupt", another key or another node is refused, a SIGKILL in
 * the middle of a write leaves the old or the new record, and purge is durable.
 * Deliveries written at once (putDurable, sharing the folder's fsync) are all
 * held and survive a reopen; a purge waits for a write of the same key.
 */
import { spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fingerprintOf } from "../../keys/material";
import { manualClock } from "../../time/clock";
import { CORRUPT, SealedStore, StoreRefusedError } from "./sealed-store";

const clock = manualClock("2026-01-01T00:00:00Z");
const fresh = () => mkdtempSync(join(tmpdir(), "qecnet-store-"));
const open = (dataDir: string, nodeId = "ep-bank", storeKeyHex?: string) => SealedStore.open({ dataDir, nodeId, storeKeyHex, clock });

describe("sealed store", () => {
  it("writes many deliveries at once (one shared folder fsync): each is held only once durable, and all survive a reopen", async () => {
    const dir = fresh();
    const s = open(dir);
    const keys = Array.from({ length: 40 }, () => ({ keyId: randomUUID(), material: randomBytes(32) }));
    const writes = keys.map((k) => s.putDurable(k.keyId, 256, k.material));
    for (const k of keys) k.material.fill(0); // the caller zeroises right away: sealed before the first await
    expect(s.size).toBe(0); // none answered yet: none held
    await Promise.all(writes);
    expect(s.size).toBe(40);
    // A purge of a key being written waits for the write, then erases it.
    const late = randomUUID();
    const w = s.putDurable(late, 256, randomBytes(32));
    await s.settled([late]);
    await w;
    expect(s.purge(late)).toBe(true);
    s.close();
    const again = open(dir);
    expect(again.size).toBe(40);
    expect(readdirSync(join(dir, "keys")).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    expect(again.fingerprint(late)).toBeNull();
  });

  it("round-trips a key across a reopen, with the key file 0600 and no plaintext on disk", () => {
    const dir = fresh();
    const material = randomBytes(32);
    const keyId = randomUUID();
    const s = open(dir);
    s.put(keyId, 256, material);
    s.close();
    expect(statSync(join(dir, "store.key")).mode & 0o777).toBe(0o600);
    const onDisk = readFileSync(join(dir, "keys", `${keyId}.sealed`));
    expect(onDisk.includes(material)).toBe(false);
    expect(onDisk.toString().includes(material.toString("base64"))).toBe(false);
    const again = open(dir);
    expect(again.inventory()).toEqual([{ keyId, fingerprint: fingerprintOf(material) }]);
    expect(again.open(keyId)).toEqual(material);
    expect(again.identity.storeId).toBe(s.identity.storeId);
  });

  it.each([
    ["a flipped ciphertext bit", (r: Record<string, unknown>) => { const c = Buffer.from(r.ciphertext as string, "base64"); c[0] = c[0]! ^ 1; r.ciphertext = c.toString("base64"); }],
    ["a flipped tag bit", (r: Record<string, unknown>) => { const c = Buffer.from(r.tag as string, "base64"); c[3] = c[3]! ^ 1; r.tag = c.toString("base64"); }],
    ["another key's record moved in", (r: Record<string, unknown>) => { r.keyId = randomUUID(); }],
    ["a truncated file", () => "truncate" as const],
  ])("reports %s as corrupt at open", (_name, damage) => {
    const dir = fresh();
    const keyId = randomUUID();
    const s = open(dir);
    s.put(keyId, 256, randomBytes(32));
    const path = join(dir, "keys", `${keyId}.sealed`);
    const record = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    if ((damage as (r: Record<string, unknown>) => unknown)(record) === "truncate") writeFileSync(path, readFileSync(path).subarray(0, 40));
    else writeFileSync(path, JSON.stringify(record));
    const again = open(dir);
    expect(again.inventory()).toEqual([{ keyId, fingerprint: CORRUPT }]);
    expect(again.open(keyId)).toBe(CORRUPT);
  });

  it("a record copied from another node's store does not open here (the AAD names the node)", () => {
    const [a, b] = [fresh(), fresh()];
    const key = randomBytes(32).toString("hex");
    const keyId = randomUUID();
    open(a, "ep-bank", key).put(keyId, 256, randomBytes(32));
    open(b, "ep-stock", key);
    writeFileSync(join(b, "keys", `${keyId}.sealed`), readFileSync(join(a, "keys", `${keyId}.sealed`)));
    expect(open(b, "ep-stock", key).inventory()).toEqual([{ keyId, fingerprint: CORRUPT }]);
  });

  it("refuses another store key, naming both key ids", () => {
    const dir = fresh();
    const s = open(dir, "ep-bank", "11".repeat(32));
    const err = (() => { try { open(dir, "ep-bank", "22".repeat(32)); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(StoreRefusedError);
    expect((err as Error).message).toContain(s.identity.storeKeyId);
    expect((err as Error).message).toMatch(/store key [0-9a-f]{16}.*store key [0-9a-f]{16}/);
    expect((err as Error).message).not.toContain("22".repeat(32));
  });

  it("refuses another node, naming both nodes", () => {
    const dir = fresh();
    open(dir, "ep-bank");
    expect(() => open(dir, "ep-stock")).toThrow(/node ep-bank, not to node ep-stock/);
  });

  it("purge erases durably: the record is gone after a reopen, and the usage total with it", () => {
    const dir = fresh();
    const [k1, k2] = [randomUUID(), randomUUID()];
    const s = open(dir);
    s.put(k1, 256, randomBytes(32));
    s.put(k2, 256, randomBytes(32));
    s.recordUse(k1, 3);
    s.recordUse(k2, 2);
    expect(s.purge(k1)).toBe(true);
    expect(s.purge(k1)).toBe(false);
    expect(existsSync(join(dir, "keys", `${k1}.sealed`))).toBe(false);
    const again = open(dir);
    expect(again.inventory().map((r) => r.keyId)).toEqual([k2]);
    expect(again.usageTotals()).toEqual([{ keyId: k2, total: 2 }]);
  });

  it("purgeDurable erases many keys off the event loop: each named once as held, the records and their usage gone after a reopen, the others kept", async () => {
    const dir = fresh();
    const s = open(dir);
    const ids = Array.from({ length: 12 }, () => randomUUID());
    for (const id of ids) s.put(id, 256, randomBytes(32));
    for (const id of ids) s.recordUse(id, 1);
    const [gone, kept] = [ids.slice(0, 9), ids.slice(9)];
    const never = randomUUID();
    // A key named twice was there the first time only; one never held was not there.
    expect(await s.purgeDurable([...gone, gone[0]!, never])).toEqual([...gone.map(() => true), false, false]);
    expect(s.size).toBe(3);
    for (const id of gone) expect(existsSync(join(dir, "keys", `${id}.sealed`))).toBe(false);
    expect(await s.purgeDurable(gone)).toEqual(gone.map(() => false));
    s.close();
    const again = open(dir);
    expect(again.inventory().map((r) => r.keyId).sort()).toEqual([...kept].sort());
    expect(again.usageTotals().map((u) => u.keyId).sort()).toEqual([...kept].sort());
  });

  it("two purges of the same key at once (a purge sent again while the first runs) both answer: held once, then absent", async () => {
    const dir = fresh();
    const s = open(dir);
    for (let round = 0; round < 20; round++) {
      const id = randomUUID();
      s.put(id, 256, randomBytes(32));
      const answers = await Promise.all([s.purgeDurable([id]), s.purgeDurable([id])]);
      expect(answers.flat().sort()).toEqual([false, true]);
      expect(existsSync(join(dir, "keys", `${id}.sealed`))).toBe(false);
    }
    expect(s.size).toBe(0);
  });

  it("purgeDurable refuses a malformed key id before touching the disk", async () => {
    const dir = fresh();
    const s = open(dir);
    const id = randomUUID();
    s.put(id, 256, randomBytes(32));
    await expect(s.purgeDurable([id, "../usage.json"])).rejects.toThrow();
    expect(s.size).toBe(1);
    expect(existsSync(join(dir, "keys", `${id}.sealed`))).toBe(true);
  });

  it("a SIGKILL in the middle of writing leaves the old or the new record, whole", async () => {
    const a = randomBytes(32);
    const b = randomBytes(32);
    const allowed = new Set([fingerprintOf(a), fingerprintOf(b)]);
    for (let round = 0; round < 3; round++) {
      const dir = fresh();
      const keyId = randomUUID();
      const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "store-writer-child.ts"), dir, "ep-bank", keyId, a.toString("hex"), b.toString("hex")], { stdio: ["ignore", "pipe", "inherit"] });
      await new Promise<void>((resolve, reject) => {
        child.stdout.on("data", (d: Buffer) => { if (d.toString().includes("READY")) resolve(); });
        child.on("exit", (code) => reject(new Error(`writer exited early with ${code}`)));
      });
      // Let it get well into the loop (a varying number of writes), then kill it mid-flight.
      await new Promise((r) => setTimeout(r, 30 + round * 37));
      child.kill("SIGKILL");
      await new Promise((r) => child.on("exit", r));
      const s = open(dir);
      const inv = s.inventory();
      expect(inv).toHaveLength(1);
      expect(allowed.has(inv[0]!.fingerprint)).toBe(true);
      expect(readdirSync(join(dir, "keys")).filter((n) => n.endsWith(".tmp"))).toEqual([]);
    }
  }, 60_000);
  it("a SIGKILL while uses are recorded (many at once, snapshots included) loses no acknowledged use", async () => {
    for (let round = 0; round < 3; round++) {
      const dir = fresh();
      const keyIds = [randomUUID(), randomUUID(), randomUUID()];
      const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "usage-writer-child.ts"), dir, "ep-bank", ...keyIds], { stdio: ["ignore", "pipe", "inherit"] });
      const acked = new Map<string, number>();
      let out = "";
      let ready!: () => void;
      const started = new Promise<void>((r) => (ready = r));
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        const lines = out.split("\n");
        out = lines.pop()!;
        for (const line of lines) {
          if (line === "READY") ready();
          const m = /^ACK (\S+) (\d+)$/.exec(line);
          if (m) acked.set(m[1]!, Math.max(acked.get(m[1]!) ?? 0, Number(m[2])));
        }
      });
      const exited = new Promise((r) => child.on("exit", r));
      await started;
      await new Promise((r) => setTimeout(r, 150 + round * 70));
      child.kill("SIGKILL");
      await exited;
      const s = open(dir);
      expect(Math.min(...keyIds.map((id) => acked.get(id) ?? 0))).toBeGreaterThan(16); // well past a snapshot
      for (const id of keyIds) expect(s.usageTotal(id)).toBeGreaterThanOrEqual(acked.get(id) ?? 0);
      s.close();
    }
  }, 60_000);
});
