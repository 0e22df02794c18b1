/**
 * The floor under chain verification: the raw chained SHA-256 rate of the
 * stored entries, i.e. only the entry-hash digests over their canonical texts
 * (built beforehand, untimed), each compared with the next entry's prevHash.
 * Benches print it beside the verifier's rate, measured in the same run.
 */
import type pg from "pg";
import { GENESIS_HASH, entryTextOf, hashEntryText } from "../server/audit/entry-hash";
import { readEntryPages } from "../server/audit/entry-pages";

export interface RawHashRate {
  entries: number;
  seconds: number;
  perSec: number;
}

/** Hashes entries #1..#toSeq page by page; only the hashing is timed. Throws if a link does not hold. */
export async function rawChainedHashRate(pool: pg.Pool, toSeq: bigint): Promise<RawHashRate> {
  let seconds = 0;
  let entries = 0;
  let link = GENESIS_HASH;
  for await (const page of readEntryPages(pool, 0n, toSeq)) {
    const texts = page.map((e) => entryTextOf(e));
    const prevs = page.map((e) => e.prevHash);
    const started = performance.now();
    for (let i = 0; i < texts.length; i++) {
      if (prevs[i] !== link) throw new Error(`raw hash rate: entry #${entries + i + 1} does not link`);
      link = hashEntryText(texts[i]!);
    }
    seconds += (performance.now() - started) / 1000;
    entries += texts.length;
  }
  return { entries, seconds, perSec: entries / seconds };
}
