/**
 * Unit tests for the chain verifier: one named tamper case per attack on an
 * in-memory chain of 50 entries, each asserting the failure kind, the seq it
 * points at, and that expected and actual differ; plus streaming input.
 */

import { describe, expect, it } from "vitest";
import { GENESIS_HASH, chainEntries, computeEntryHash } from "./entry-hash";
import type { AuditEntryDraft, AuditEntryRecord, ChainFailureKind, ChainLink, ChainVerification } from "../domain/audit/types";
import {
  CHAIN_START,
  checkAnchor,
  checkChainEnd,
  checkEntryHash,
  checkPrevHash,
  checkSequence,
  verifyChain,
  verifyEntry,
  YIELD_EVERY,
} from "./verify-chain";

const STATES = ["GENERATED", "DISTRIBUTED", "ACTIVE", "ROTATING", "RETIRED"] as const;

function draft(i: number): AuditEntryDraft {
  return {
    at: new Date(Date.UTC(2025, 5, 1, 12, 0, 0, i * 37)),
    actor: i % 3 === 0 ? "system" : `operator:${i % 2 ? "alice" : "bob"}`,
    action: "KEY_STATE_CHANGED",
    subjectType: "key",
    subjectId: `key-${Math.floor(i / 5)}`,
    fromState: i % 5 === 0 ? null : (STATES[(i % 5) - 1] ?? null),
    toState: STATES[i % 5] ?? null,
    details: { attempt: i, nodes: [`node-${i % 4}`, `node-${(i + 1) % 4}`] },
  };
}

/** A valid chain #1..#n, deep-copied so each test tampers with its own copy. */
const PRISTINE = chainEntries(GENESIS_HASH, 1n, Array.from({ length: 50 }, (_, i) => draft(i)));
function freshChain(): AuditEntryRecord[] {
  return PRISTINE.map((e) => ({ ...e, at: new Date(e.at), details: structuredClone(e.details) }));
}
function at(chain: readonly AuditEntryRecord[], seq: number): AuditEntryRecord {
  const entry = chain.find((e) => e.seq === BigInt(seq));
  if (!entry) throw new Error(`test chain has no #${seq}`);
  return entry;
}
function link(chain: readonly AuditEntryRecord[], seq: number): ChainLink {
  return { seq: BigInt(seq), hash: at(chain, seq).entryHash };
}
const HEAD = link(PRISTINE, 50);

/** What a careful forger does after editing: recompute every hash from `fromIndex` on. */
function recomputeFrom(chain: AuditEntryRecord[], fromIndex: number): void {
  for (let i = fromIndex; i < chain.length; i++) {
    const entry = chain[i]!;
    entry.prevHash = i === 0 ? GENESIS_HASH : chain[i - 1]!.entryHash;
    entry.entryHash = computeEntryHash(entry);
  }
}

function expectFailure(result: ChainVerification, kind: ChainFailureKind, seq: bigint | null) {
  expect(result.ok).toBe(false);
  if (result.ok) throw new Error("unreachable");
  expect(result.failure.kind).toBe(kind);
  expect(result.failure.seq).toBe(seq);
  expect(result.failure.expected).not.toBe(result.failure.actual);
  expect(result.failure.message.length).toBeGreaterThan(20);
  return result.failure;
}

describe("verifyChain on an untouched chain", () => {
  it("accepts it with and without head and anchors", async () => {
    const plain = await verifyChain(freshChain());
    expect(plain).toEqual({ ok: true, entries: 50, headSeq: 50n, headHash: HEAD.hash });
    const full = await verifyChain(freshChain(), { head: HEAD, anchors: [link(PRISTINE, 1), link(PRISTINE, 25), HEAD] });
    expect(full.ok).toBe(true);
  });

  it("accepts an empty chain with the genesis head, and without a head", async () => {
    expect(await verifyChain([], { head: { seq: 0n, hash: GENESIS_HASH } })).toEqual({
      ok: true,
      entries: 0,
      headSeq: 0n,
      headHash: GENESIS_HASH,
    });
    expect((await verifyChain([])).ok).toBe(true);
  });

  it("accepts a prefix verified against the head it had at the time", async () => {
    expect((await verifyChain(freshChain().slice(0, 20), { head: link(PRISTINE, 20) })).ok).toBe(true);
  });
});

describe("verifyChain tamper cases", () => {
  it("a changed details value → ENTRY_HASH_MISMATCH at that entry", async () => {
    const chain = freshChain();
    at(chain, 17).details = { attempt: 17, nodes: ["node-x"] };
    const failure = expectFailure(await verifyChain(chain), "ENTRY_HASH_MISMATCH", 17n);
    expect(failure.actual).toBe(at(PRISTINE, 17).entryHash);
    expect(failure.message).toMatch(/Entry #17: stored hash .* does not match the hash of its contents/);
  });

  it("a changed actor → ENTRY_HASH_MISMATCH", async () => {
    const chain = freshChain();
    at(chain, 3).actor = "operator:mallory";
    expectFailure(await verifyChain(chain), "ENTRY_HASH_MISMATCH", 3n);
  });

  it("a changed toState → ENTRY_HASH_MISMATCH, reported with the entries verified before it", async () => {
    const chain = freshChain();
    at(chain, 44).toState = "REVOKED";
    const result = await verifyChain(chain, { head: HEAD });
    expectFailure(result, "ENTRY_HASH_MISMATCH", 44n);
    expect(result.entries).toBe(43);
  });

  it("a deleted row → SEQUENCE_GAP where the row was expected", async () => {
    const chain = freshChain().filter((e) => e.seq !== 30n);
    const failure = expectFailure(await verifyChain(chain), "SEQUENCE_GAP", 30n);
    expect([failure.expected, failure.actual]).toEqual(["30", "31"]);
    expect(failure.message).toMatch(/#30 is missing/);
  });

  it("a deleted first row → SEQUENCE_GAP at #1", async () => {
    const failure = expectFailure(await verifyChain(freshChain().slice(1)), "SEQUENCE_GAP", 1n);
    expect(failure.message).toMatch(/starts at entry #2/);
  });

  it("two swapped rows → SEQUENCE_GAP at the first swapped position", async () => {
    const chain = freshChain();
    [chain[19], chain[20]] = [chain[20]!, chain[19]!]; // #20 and #21
    const failure = expectFailure(await verifyChain(chain), "SEQUENCE_GAP", 20n);
    expect([failure.expected, failure.actual]).toEqual(["20", "21"]);
  });

  it("two rows whose contents were swapped but seqs kept → PREV_HASH_MISMATCH", async () => {
    const chain = freshChain();
    const a = chain[19]!;
    const b = chain[20]!;
    chain[19] = { ...b, seq: a.seq };
    chain[20] = { ...a, seq: b.seq };
    const failure = expectFailure(await verifyChain(chain), "PREV_HASH_MISMATCH", 20n);
    expect(failure.expected).toBe(at(PRISTINE, 19).entryHash);
  });

  it("an inserted row with the later rows renumbered → PREV_HASH_MISMATCH at the row after it", async () => {
    const chain = freshChain();
    const [forged] = chainEntries(at(chain, 20).entryHash, 21n, [{ ...draft(99), actor: "operator:mallory" }]);
    for (const e of chain) if (e.seq >= 21n) e.seq += 1n;
    chain.splice(20, 0, forged!);
    // The forged #21 itself is internally consistent; the old #21 (now #22) no longer links to it.
    const failure = expectFailure(await verifyChain(chain), "PREV_HASH_MISMATCH", 22n);
    expect(failure.expected).toBe(forged!.entryHash);
  });

  it("an inserted row reusing an existing seq → SEQUENCE_GAP at the duplicate", async () => {
    const chain = freshChain();
    const [forged] = chainEntries(at(chain, 20).entryHash, 21n, [draft(99)]);
    chain.splice(20, 0, forged!);
    const failure = expectFailure(await verifyChain(chain), "SEQUENCE_GAP", 22n);
    expect([failure.expected, failure.actual]).toEqual(["22", "21"]);
  });

  describe("a forged row with every later hash recomputed", () => {
    function forged(): AuditEntryRecord[] {
      const chain = freshChain();
      at(chain, 25).details = { attempt: 25, nodes: ["node-evil"] };
      recomputeFrom(chain, 24);
      return chain;
    }

    it("is self-consistent, so the walk alone cannot see it", async () => {
      expect((await verifyChain(forged())).ok).toBe(true);
    });

    it("is caught by the head → HEAD_MISMATCH at the last entry", async () => {
      const failure = expectFailure(await verifyChain(forged(), { head: HEAD }), "HEAD_MISMATCH", 50n);
      expect(failure.expected).toBe(HEAD.hash);
    });

    it("is caught by an anchor after it → ANCHOR_MISMATCH at the anchor", async () => {
      const failure = expectFailure(
        await verifyChain(forged(), { anchors: [link(PRISTINE, 10), link(PRISTINE, 30)] }),
        "ANCHOR_MISMATCH",
        30n,
      );
      expect(failure.expected).toBe(at(PRISTINE, 30).entryHash);
      expect(failure.actual).toBe(at(forged(), 30).entryHash);
    });

    it("is caught by an anchor on the forged row itself", async () => {
      expectFailure(await verifyChain(forged(), { anchors: [link(PRISTINE, 25)] }), "ANCHOR_MISMATCH", 25n);
    });

    it("is not caught by an anchor before it (anchors only vouch for what precedes them)", async () => {
      expect((await verifyChain(forged(), { anchors: [link(PRISTINE, 24)] })).ok).toBe(true);
    });
  });

  describe("a truncated tail (#41..#50 deleted)", () => {
    const truncated = () => freshChain().slice(0, 40);

    it("is self-consistent without head or anchors", async () => {
      expect(await verifyChain(truncated())).toMatchObject({ ok: true, headSeq: 40n });
    });

    it("is caught by the head → TRUNCATED at the first missing seq", async () => {
      const failure = expectFailure(await verifyChain(truncated(), { head: HEAD }), "TRUNCATED", 41n);
      expect([failure.expected, failure.actual]).toEqual(["50", "40"]);
      expect(failure.message).toMatch(/entries #41–#50 are missing/);
    });

    it("is caught by an anchor beyond the end, even with the head rolled back too", async () => {
      const result = await verifyChain(truncated(), { head: link(PRISTINE, 40), anchors: [link(PRISTINE, 45)] });
      const failure = expectFailure(result, "TRUNCATED", 41n);
      expect([failure.expected, failure.actual]).toEqual(["45", "40"]);
      expect(failure.message).toMatch(/checkpoint/);
    });

    it("an entirely deleted chain is caught by the head", async () => {
      expectFailure(await verifyChain([], { head: HEAD }), "TRUNCATED", 1n);
    });
  });

  it("a wrong head hash → HEAD_MISMATCH at the head seq", async () => {
    const wrong = { seq: 50n, hash: "f".repeat(64) };
    const failure = expectFailure(await verifyChain(freshChain(), { head: wrong }), "HEAD_MISMATCH", 50n);
    expect([failure.expected, failure.actual]).toEqual([wrong.hash, HEAD.hash]);
  });

  it("entries past the head → HEAD_MISMATCH at the first one past it", async () => {
    expectFailure(await verifyChain(freshChain(), { head: link(PRISTINE, 48) }), "HEAD_MISMATCH", 49n);
  });

  it("an empty chain with a non-genesis head → HEAD_MISMATCH with no seq", async () => {
    expectFailure(await verifyChain([], { head: { seq: 0n, hash: "1".repeat(64) } }), "HEAD_MISMATCH", null);
  });

  it("a rewritten genesis link → PREV_HASH_MISMATCH at #1", async () => {
    const chain = freshChain();
    chain[0]!.prevHash = "a".repeat(64);
    const failure = expectFailure(await verifyChain(chain), "PREV_HASH_MISMATCH", 1n);
    expect(failure.expected).toBe(GENESIS_HASH);
  });

  it("a malformed row → MALFORMED_ENTRY naming the field", async () => {
    const chain = freshChain();
    at(chain, 12).entryHash = at(chain, 12).entryHash.toUpperCase();
    const failure = expectFailure(await verifyChain(chain), "MALFORMED_ENTRY", 12n);
    expect(failure.message).toMatch(/"entryHash"/);
  });

  it("details that cannot be canonicalized → MALFORMED_ENTRY", async () => {
    const chain = freshChain();
    at(chain, 5).details = { ratio: Number.NaN };
    expectFailure(await verifyChain(chain), "MALFORMED_ENTRY", 5n);
  });

  it("a row with a non-bigint seq → MALFORMED_ENTRY at the expected seq", async () => {
    const chain = freshChain();
    (chain[6] as unknown as { seq: number }).seq = 7;
    expectFailure(await verifyChain(chain), "MALFORMED_ENTRY", 7n);
  });
});

describe("verifyChain input", () => {
  it("accepts an async generator that yields pages, and closes it on failure", async () => {
    const source = freshChain();
    at(source, 33).actor = "operator:mallory";
    let pagesRead = 0;
    let closed = false;
    async function* pages(size: number): AsyncGenerator<AuditEntryRecord[]> {
      try {
        for (let offset = 0; offset < source.length; offset += size) {
          await new Promise((resolve) => setTimeout(resolve, 0)); // a DB round trip
          pagesRead++;
          yield source.slice(offset, offset + size);
        }
      } finally {
        closed = true;
      }
    }
    expectFailure(await verifyChain(pages(8), { maxFailures: 1 }), "ENTRY_HASH_MISMATCH", 33n);
    expect(pagesRead).toBe(5); // stopped in the page holding #33, never read the rest
    expect(closed).toBe(true);

    at(source, 33).actor = at(PRISTINE, 33).actor;
    pagesRead = 0;
    expect(await verifyChain(pages(8), { head: HEAD })).toMatchObject({ ok: true, entries: 50 });
    expect(pagesRead).toBe(7);
  });

  it("accepts an async generator that yields entries one at a time from pages", async () => {
    async function* entries(): AsyncGenerator<AuditEntryRecord> {
      const all = freshChain();
      for (let offset = 0; offset < all.length; offset += 10) {
        const page = await Promise.resolve(all.slice(offset, offset + 10));
        yield* page;
      }
    }
    expect(await verifyChain(entries(), { head: HEAD })).toMatchObject({ ok: true, entries: 50, headHash: HEAD.hash });
  });

  it("accepts a sync generator", async () => {
    function* entries() {
      yield* freshChain();
    }
    expect((await verifyChain(entries(), { head: HEAD })).ok).toBe(true);
  });

  it("verifies a range from a start link: the stored entry it continues (one half of a split walk)", async () => {
    const chain = freshChain();
    const start = link(PRISTINE, 20);
    expect(await verifyChain(chain.slice(20), { start, head: HEAD })).toEqual({ ok: true, entries: 30, headSeq: 50n, headHash: HEAD.hash });
    // The first entry of the range must follow the start link as any entry follows its predecessor.
    const wrong = await verifyChain(chain.slice(20), { start: { seq: 20n, hash: "e".repeat(64) }, head: HEAD });
    expect(wrong.ok ? null : wrong.failure).toMatchObject({ kind: "PREV_HASH_MISMATCH", seq: 21n });
    const gap = await verifyChain(chain.slice(21), { start, head: HEAD });
    expect(gap.ok ? null : gap.failure).toMatchObject({ kind: "SEQUENCE_GAP", seq: 21n });
    // A range holding nothing after its start ends where it started.
    expect(await verifyChain([], { start })).toEqual({ ok: true, entries: 0, headSeq: 20n, headHash: start.hash });
    await expect(verifyChain([], { start: { seq: -1n, hash: GENESIS_HASH } })).rejects.toThrow(/start/);
  });

  it("lets the event loop turn while it walks one long page, and still reports what it finds", async () => {
    const n = YIELD_EVERY * 3 + 5;
    const long = chainEntries(GENESIS_HASH, 1n, Array.from({ length: n }, (_, i) => draft(i)));
    const head = { seq: BigInt(n), hash: long[n - 1]!.entryHash };
    // Work queued behind the walk (a timer, another request's I/O) runs while it walks, not only once it is done.
    let walked = false;
    const turns: boolean[] = [];
    const tick = () => {
      turns.push(walked);
      if (!walked && turns.length < 100) setImmediate(tick);
    };
    setImmediate(tick);
    const result = await verifyChain([long], { head });
    walked = true;
    expect(result).toEqual({ ok: true, entries: n, headSeq: head.seq, headHash: head.hash });
    expect(turns.filter((done) => !done).length).toBeGreaterThanOrEqual(3);
    // A break past the turns is found as in one go: the walk resumes where it paused.
    const edited = long.map((e) => ({ ...e }));
    edited[YIELD_EVERY * 2 + 1] = { ...edited[YIELD_EVERY * 2 + 1]!, actor: "mallory" };
    const broken = await verifyChain([edited], { head });
    expect(broken.ok ? null : broken.failure).toMatchObject({ kind: "ENTRY_HASH_MISMATCH", seq: BigInt(YIELD_EVERY * 2 + 2) });
  });

  it("throws on invalid options rather than reporting a chain failure", async () => {
    await expect(verifyChain([], { head: { seq: 0n, hash: "XYZ" } })).rejects.toThrow(RangeError);
    await expect(verifyChain([], { anchors: [{ seq: 0n, hash: GENESIS_HASH }] })).rejects.toThrow(/anchor/);
    await expect(
      verifyChain([], { anchors: [link(PRISTINE, 3), { seq: 3n, hash: "e".repeat(64) }] }),
    ).rejects.toThrow(/two different hashes/);
  });
});

describe("per-entry helpers", () => {
  it("verifyEntry passes each pristine entry given its predecessor", () => {
    let prev: ChainLink = CHAIN_START;
    for (const entry of PRISTINE) {
      expect(verifyEntry(prev, entry)).toBeNull();
      prev = { seq: entry.seq, hash: entry.entryHash };
    }
  });

  it("each check reports only its own concern", () => {
    const e5 = at(PRISTINE, 5);
    const prev4 = link(PRISTINE, 4);
    expect(checkSequence(prev4, e5)).toBeNull();
    expect(checkSequence(link(PRISTINE, 3), e5)?.kind).toBe("SEQUENCE_GAP");
    expect(checkPrevHash(prev4, e5)).toBeNull();
    expect(checkPrevHash({ seq: 4n, hash: "c".repeat(64) }, e5)?.kind).toBe("PREV_HASH_MISMATCH");
    expect(checkEntryHash(e5)).toBeNull();
    expect(checkEntryHash({ ...e5, subjectId: "other" })?.kind).toBe("ENTRY_HASH_MISMATCH");
    expect(checkAnchor(link(PRISTINE, 5), e5)).toBeNull();
    expect(checkAnchor({ seq: 5n, hash: "d".repeat(64) }, e5)?.kind).toBe("ANCHOR_MISMATCH");
    expect(checkAnchor({ seq: 6n, hash: "d".repeat(64) }, e5)).toBeNull();
    expect(checkChainEnd(link(PRISTINE, 5), link(PRISTINE, 5), [])).toBeNull();
    expect(checkChainEnd(link(PRISTINE, 5), null, [link(PRISTINE, 6)])?.kind).toBe("TRUNCATED");
  });
});

describe("verifyChain reports every break, not only the first (issue 12, finding 10)", () => {
  const kinds = (r: ChainVerification) => (r.ok ? [] : r.failures.map((f) => `${f.kind}@${f.seq}`));

  it("an edited entry AND a deleted entry are both reported, each once", async () => {
    const chain = freshChain();
    at(chain, 15).actor = "operator:mallory";
    const tampered = chain.filter((e) => e.seq !== 25n);
    const r = await verifyChain(tampered, { head: HEAD, anchors: [link(PRISTINE, 10), link(PRISTINE, 30), link(PRISTINE, 40)] });
    expect(kinds(r)).toEqual(["ENTRY_HASH_MISMATCH@15", "SEQUENCE_GAP@25"]);
    expect(r.ok ? null : r.entries).toBe(14);
  });

  it("an anchor on a deleted entry does not disable the anchors after it", async () => {
    const chain = freshChain();
    const kept = chain.filter((e) => e.seq !== 20n);
    const forged = kept.map((e) => ({ ...e }));
    const i = forged.findIndex((e) => e.seq === 36n);
    forged[i] = { ...forged[i]!, actor: "forged" };
    recomputeFrom(forged, i);
    const r = await verifyChain(forged, { anchors: [link(PRISTINE, 20), link(PRISTINE, 45)] });
    expect(kinds(r)).toContain("SEQUENCE_GAP@20");
    expect(kinds(r)).toContain("ANCHOR_MISMATCH@45");
  });

  it("maxFailures caps the list and says there may be more", async () => {
    const chain = freshChain();
    for (const s of [3, 6, 9, 12]) at(chain, s).actor = "mallory";
    const r = await verifyChain(chain, { maxFailures: 2 });
    expect(kinds(r)).toEqual(["ENTRY_HASH_MISMATCH@3", "ENTRY_HASH_MISMATCH@6"]);
    expect(r.ok ? null : r.moreFailures).toBe(true);
  });
});
