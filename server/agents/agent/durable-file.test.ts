/**
 * Coalesced (durable-file.ts), the group commit under the agent's durable writes (the usage journal's syncs, the
 * folder fsyncs of deliveries, the pad file): every caller is answered by a run begun after its call, callers arriving
 * during a run share the next one, and under steady load no caller waits more than two runs.
 */
import { describe, expect, it } from "vitest";
import { Coalesced } from "./durable-file";

const tick = () => new Promise<void>((r) => setImmediate(r));

describe("Coalesced", () => {
  it("answers each caller with a run begun after its call; callers during a run share the next one", async () => {
    let runs = 0;
    let seen = 0;
    let value = 0;
    const c = new Coalesced(async () => {
      runs++;
      const read = value; // a run reads what it writes before its first await
      await tick();
      seen = read;
    });
    value = 1;
    const first = c.next();
    value = 2;
    const a = c.next();
    value = 3;
    const b = c.next();
    await first;
    expect(seen).toBe(1);
    await Promise.all([a, b]);
    expect(seen).toBe(3);
    expect(runs).toBe(2);
  });

  it("under steady load a caller waits at most two runs (it is not put behind runs begun after it)", async () => {
    let runs = 0;
    const c = new Coalesced(async () => {
      runs++;
      await tick();
    });
    // Eight loops that each ask again the moment they are answered: a run is always under way or about to start.
    let stop = false;
    const loops = Array.from({ length: 8 }, async () => {
      while (!stop) await c.next();
    });
    const waits: number[] = [];
    for (let i = 0; i < 50; i++) {
      await tick();
      const before = runs;
      await c.next();
      waits.push(runs - before);
    }
    stop = true;
    await Promise.all(loops);
    expect(Math.max(...waits)).toBeLessThanOrEqual(2);
  });

  it("a failed run rejects its callers only; the next run goes ahead", async () => {
    let fail = true;
    const c = new Coalesced(async () => {
      const failing = fail;
      await tick();
      if (failing) throw new Error("disk full");
    });
    const a = c.next();
    const b = c.next();
    fail = false;
    await expect(a).rejects.toThrow("disk full");
    await expect(b).resolves.toBeUndefined();
  });
});
