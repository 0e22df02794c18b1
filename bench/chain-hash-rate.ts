/**
 * The floor under chain verification: the raw chained SHA-256 rate of the
 * stored entries, i.e. only the entry-hash digests over their canonical texts
 * (built beforehand, untimed), each compared with the next entry's prevHash.
 * Benches print it beside the verifier's rate, measured in the same run.
 *
 * What is timed is the digest itself: SHA-256 of each entry's hashed input
 * (the domain, 0x00 and the text), given as a flat string, to hex, as
 * hashEntryText computes it. The inputs are built and flattened before the
 * timed pass (a first, untimed digest of each checks it equals the stored
 * hash), so the timed pass allocates nothing but the digests and its figure
 * does not depend on how the page reader built the entries. (Timing
 * hashEntryText over texts built by concatenation did: it also timed the
 * flattening and the young-generation collections over the reader's page,
 * and a reader whose entries share their strings moved it by up to 2×.)
 */
import * as crypto from "node:crypto";
import type pg from "pg";
import { GENESIS_HASH, HASHED_PREFIX, entryTextOf } from "../server/audit/entry-hash";
import { readEntryPages } from "../server/audit/entry-pages";

export interface RawHashRate {
  entries: number;
  seconds: number;
  perSec: number;
}

const digest: (input: string) => string = typeof crypto.hash === "function"
  ? (input) => crypto.hash("sha256", input, "hex")
  : (input) => crypto.createHash("sha256").update(input, "utf8").digest("hex");

/** Hashes entries #1..#toSeq page by page; only the digests are timed. Throws if a link or a hash does not hold. */
export async function rawChainedHashRate(pool: pg.Pool, toSeq: bigint): Promise<RawHashRate> {
  let seconds = 0;
  let entries = 0;
  let link = GENESIS_HASH;
  for await (const page of readEntryPages(pool, 0n, toSeq)) {
    const inputs = page.map((e) => `${HASHED_PREFIX}${entryTextOf(e)}`);
    const prevs = page.map((e) => e.prevHash);
    for (let i = 0; i < inputs.length; i++) {
      if (digest(inputs[i]!) !== page[i]!.entryHash) throw new Error(`raw hash rate: entry #${page[i]!.seq} does not hash to its stored hash`);
    }
    const started = performance.now();
    for (let i = 0; i < inputs.length; i++) {
      if (prevs[i] !== link) throw new Error(`raw hash rate: entry #${entries + i + 1} does not link`);
      link = digest(inputs[i]!);
    }
    seconds += (performance.now() - started) / 1000;
    entries += inputs.length;
  }
  return { entries, seconds, perSec: entries / seconds };
}

/** A worker that hashes a 330-byte input (an entry's size) for `ms` and posts how many digests it made. */
const HASH_LOOP = `
const { parentPort, workerData } = require("node:worker_threads");
const crypto = require("node:crypto");
const input = Buffer.alloc(330, 42);
const digest = typeof crypto.hash === "function" ? (b) => crypto.hash("sha256", b, "hex") : (b) => crypto.createHash("sha256").update(b).digest("hex");
let n = 0;
const end = performance.now() + workerData.ms;
while (performance.now() < end) { for (let i = 0; i < 256; i++) digest(input); n += 256; }
parentPort.postMessage(n);
`;

async function hashInWorkers(threads: number, ms: number): Promise<number> {
  const { Worker } = await import("node:worker_threads");
  const counts = await Promise.all(Array.from({ length: threads }, () => new Promise<number>((resolve, reject) => {
    const w = new Worker(HASH_LOOP, { eval: true, workerData: { ms } });
    w.once("message", (n: number) => resolve(n));
    w.once("error", reject);
  })));
  return counts.reduce((a, b) => a + b, 0);
}

/**
 * How much two threads hashing at once get done against one thread alone, on this machine, now (median of three
 * turns of `ms` each). Two-thread verification can gain at most this over one thread; on the project's 2-vCPU
 * machines it was 1.12–1.27 (the two vCPUs do not hash twice what one does), not the 2 two real cores would give.
 */
export async function parallelHashGain(ms = 500): Promise<number> {
  const gains: number[] = [];
  for (let round = 0; round < 3; round++) {
    const one = await hashInWorkers(1, ms);
    const two = await hashInWorkers(2, ms);
    gains.push(two / one);
  }
  return gains.sort((a, b) => a - b)[1]!;
}
