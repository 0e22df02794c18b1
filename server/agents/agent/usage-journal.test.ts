/**
 * The usage journal (usage-journal.ts): totals survive a reopen, changes made at once share one line and one sync,
 * a long log is snapshotted under the next generation, a snapshot cut short by a crash loses nothing, a torn last
 * line is passed over, and a line altered or taken out of the middle refuses the store.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { appendFileSync, copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { manualClock } from "../../time/clock";
import { UsageJournal, UsageRefusedError } from "./usage-journal";

const clock = manualClock("2026-01-01T00:00:00Z");
const key = randomBytes(32);
const fresh = () => mkdtempSync(join(tmpdir(), "qecnet-usage-"));
const open = (dir: string, maxLines?: number, keep: (id: string) => boolean = () => true) => UsageJournal.open(dir, "ep-bank", key, clock, keep, maxLines);
const totals = (j: UsageJournal) => Object.fromEntries(j.entries().sort(([a], [b]) => a.localeCompare(b)));
const logLines = (dir: string, generation: number) => readFileSync(join(dir, `usage.${generation}.log`), "utf8").split("\n").filter(Boolean);

describe("usage journal", () => {
  it("keeps totals across a reopen: set, setSync and removals (a total of 0)", async () => {
    const dir = fresh();
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    const j = open(dir);
    await j.set([[a, 1], [b, 2]]);
    j.setSync([[c, 5]]);
    await j.set([[a, 3], [b, 0]]);
    j.close();
    const again = open(dir);
    expect(totals(again)).toEqual(Object.fromEntries([[a, 3], [c, 5]].sort(([x], [y]) => String(x).localeCompare(String(y)))));
    // Opening keeps only the keys the store still holds.
    again.close();
    const kept = open(dir, undefined, (id) => id === c);
    expect(kept.entries()).toEqual([[c, 5]]);
    kept.close();
  });

  it("changes made while a sync runs share the next line: 200 changes at once, a handful of lines, all durable", async () => {
    const dir = fresh();
    const j = open(dir);
    const ids = Array.from({ length: 200 }, () => randomUUID());
    await Promise.all(ids.map((id, i) => j.set([[id, i + 1]])));
    const lines = logLines(dir, j.currentGeneration).length;
    expect(lines).toBeGreaterThanOrEqual(1);
    expect(lines).toBeLessThanOrEqual(3); // the first change alone, then everything made meanwhile
    j.close();
    const again = open(dir);
    expect(again.entries().length).toBe(200);
    for (const [i, id] of ids.entries()) expect(again.get(id)).toBe(i + 1);
    again.close();
  });

  it("a long log is snapshotted under the next generation; the old log goes once the snapshot is durable", async () => {
    const dir = fresh();
    const j = open(dir, 5);
    const first = j.currentGeneration;
    const id = randomUUID();
    for (let n = 1; n <= 12; n++) {
      j.setSync([[id, n]]);
      if (n % 5 === 0) await j.settled(); // one snapshot at a time: lines written meanwhile wait for the next
    }
    await j.settled();
    expect(j.currentGeneration).toBe(first + 2);
    expect(readdirSync(dir).filter((f) => f.endsWith(".log"))).toEqual([`usage.${first + 2}.log`]);
    expect(logLines(dir, first + 2)).toHaveLength(2);
    j.close();
    expect(open(dir).get(id)).toBe(12);
  });

  it("a snapshot cut short by a crash loses nothing: the old snapshot, the old log and the new log give the totals", async () => {
    const dir = fresh();
    const j = open(dir, 3);
    const g = j.currentGeneration;
    const [a, b] = [randomUUID(), randomUUID()];
    j.setSync([[a, 1]]);
    j.setSync([[a, 2]]);
    // What the disk holds just before the log fills: snapshot g and log g.
    const saved = join(dir, "saved");
    writeFileSync(saved, readFileSync(join(dir, "usage.json")));
    j.setSync([[b, 7]]); // the third line: the snapshot of generation g+1 begins, new changes go to log g+1
    const oldLog = readFileSync(join(dir, `usage.${g}.log`));
    j.setSync([[a, 4]]);
    await j.settled();
    j.close();
    // The crash: snapshot g+1 never landed, and log g was not deleted.
    copyFileSync(saved, join(dir, "usage.json"));
    writeFileSync(join(dir, `usage.${g}.log`), oldLog);
    expect(existsSync(join(dir, `usage.${g + 1}.log`))).toBe(true);
    const again = open(dir, 3);
    expect(again.get(a)).toBe(4);
    expect(again.get(b)).toBe(7);
    again.close();
  });

  it("a torn last line (a crash while it was written, never acknowledged) is passed over", async () => {
    const dir = fresh();
    const j = open(dir);
    const id = randomUUID();
    j.setSync([[id, 1]]);
    j.setSync([[id, 2]]);
    const g = j.currentGeneration;
    j.close();
    appendFileSync(join(dir, `usage.${g}.log`), "QUJDREVGR0hJSktM"); // part of a line, no newline
    const again = open(dir);
    expect(again.get(id)).toBe(2);
    // Opening starts a new generation from a snapshot: the torn bytes are gone with the old log.
    expect(readdirSync(dir).filter((f) => f.endsWith(".log"))).toEqual([`usage.${again.currentGeneration}.log`]);
    again.close();
  });

  it("a line altered or taken out of the middle refuses the store; so does another key", () => {
    const dir = fresh();
    const j = open(dir);
    const id = randomUUID();
    for (let n = 1; n <= 4; n++) j.setSync([[id, n]]);
    const g = j.currentGeneration;
    j.close();
    const path = join(dir, `usage.${g}.log`);
    const lines = logLines(dir, g);
    const backup = readFileSync(path);
    // One character of the second line changed.
    const altered = [...lines];
    altered[1] = (altered[1]![0] === "A" ? "B" : "A") + altered[1]!.slice(1);
    writeFileSync(path, altered.join("\n") + "\n");
    expect(() => open(dir)).toThrow(UsageRefusedError);
    // The second line removed: the lines after it no longer authenticate at their places.
    writeFileSync(path, [lines[0], lines[2], lines[3]].join("\n") + "\n");
    expect(() => open(dir)).toThrow(/line 2, does not authenticate/);
    // A line replayed twice.
    writeFileSync(path, [lines[0], lines[0], lines[1], lines[2]].join("\n") + "\n");
    expect(() => open(dir)).toThrow(UsageRefusedError);
    writeFileSync(path, backup);
    expect(() => UsageJournal.open(dir, "ep-bank", randomBytes(32), clock, () => true)).toThrow(UsageRefusedError);
    expect(open(dir).get(id)).toBe(4);
  });

  it("reads a usage.json of the earlier format (the totals alone, sealed) as generation 0", async () => {
    const dir = fresh();
    const { createCipheriv } = await import("node:crypto");
    const id = randomUUID();
    const nonce = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", key, nonce);
    cipher.setAAD(Buffer.from("QECNET-AGENT-USAGE-V1\0ep-bank", "utf8"));
    const ct = Buffer.concat([cipher.update(JSON.stringify({ [id]: 9 }), "utf8"), cipher.final()]);
    writeFileSync(join(dir, "usage.json"), JSON.stringify({ v: 1, nonce: nonce.toString("base64"), ciphertext: ct.toString("base64"), tag: cipher.getAuthTag().toString("base64"), storedAt: clock().toISOString() }));
    const j = open(dir);
    expect(j.get(id)).toBe(9);
    expect(j.currentGeneration).toBe(1);
    await j.set([[id, 10]]);
    j.close();
    expect(open(dir).get(id)).toBe(10);
  });
});
