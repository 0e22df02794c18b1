/**
 * The Merkle code against a naive RFC 6962 reference (recursive MTH straight
 * from §2.1), against @sigstore/verify's independent inclusion verifier, and
 * the verifiers against forged and damaged proofs.
 */
import { createHash, randomBytes } from "node:crypto";
import { verifyMerkleInclusion } from "@sigstore/verify/dist/tlog/merkle";
import { describe, expect, it } from "vitest";
import { CompactRange, decompose, splitPoint } from "./compact-range";
import { merkleHasher, toHex } from "./hasher";
import { nodeHasher } from "../../../audit/merkle/node-hasher";
import { consistencyProof, inclusionProof, verifyConsistency, verifyInclusion, type SubtreeOracle } from "./proofs";
import { sha256 } from "./sha256";

const h = nodeHasher;
const leafData = (i: number, salt = "") => Buffer.from(`leaf-${salt}${i}`);

/** MTH exactly as written in RFC 6962 §2.1. */
function mth(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return createHash("sha256").digest();
  if (leaves.length === 1) return h.leaf(leaves[0]!);
  const k = splitPoint(leaves.length);
  return h.node(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

function oracleFor(leaves: readonly Uint8Array[]): SubtreeOracle {
  return async (level, index) => mth(leaves.slice(index * 2 ** level, (index + 1) * 2 ** level));
}

const SIZES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 31, 33, 64, 100, 257];

describe("sha256 (pure TypeScript, for the browser)", () => {
  it.each([0, 1, 55, 56, 63, 64, 65, 119, 1000])("matches node:crypto on %i bytes", (n) => {
    const data = randomBytes(n);
    expect(toHex(sha256(data))).toBe(createHash("sha256").update(data).digest("hex"));
  });
  it("gives the FIPS 180-2 vector for 'abc'", () => {
    expect(toHex(sha256(Buffer.from("abc")))).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
  it("the pure hasher and the node:crypto hasher agree", () => {
    const pure = merkleHasher(sha256);
    const a = h.leaf(Buffer.from("x"));
    expect(toHex(pure.node(a, a))).toBe(toHex(h.node(a, a)));
  });
});

describe("compact range", () => {
  it.each([0, ...SIZES])("root of %i leaves equals the RFC 6962 MTH", (n) => {
    const leaves = Array.from({ length: n }, (_, i) => leafData(i));
    const range = new CompactRange(h);
    for (const l of leaves) range.appendLeafHash(h.leaf(l));
    expect(toHex(range.root())).toBe(toHex(mth(leaves)));
  });

  it("reports every completed perfect subtree with the right hash", () => {
    const leaves = Array.from({ length: 37 }, (_, i) => leafData(i));
    const seen: string[] = [];
    const range = new CompactRange(h, 0, (s) => {
      expect(toHex(s.hash)).toBe(toHex(mth(leaves.slice(s.index * 2 ** s.level, (s.index + 1) * 2 ** s.level))));
      seen.push(`${s.level}:${s.index}`);
    });
    for (const l of leaves) range.appendLeafHash(h.leaf(l));
    expect(seen).toContain("5:0");
    expect(seen.filter((s) => s.startsWith("1:"))).toHaveLength(18);
  });

  it("resumes from a decomposition of stored subtrees", () => {
    const leaves = Array.from({ length: 45 }, (_, i) => leafData(i));
    const resumed = new CompactRange(h);
    for (const p of decompose(0, 29)) resumed.appendSubtree(p.level, mth(leaves.slice(p.index * 2 ** p.level, (p.index + 1) * 2 ** p.level)));
    for (const l of leaves.slice(29)) resumed.appendLeafHash(h.leaf(l));
    expect(toHex(resumed.root())).toBe(toHex(mth(leaves)));
  });

  it("decomposes ranges into aligned perfect subtrees", () => {
    expect(decompose(0, 13)).toEqual([{ level: 3, index: 0 }, { level: 2, index: 2 }, { level: 0, index: 12 }]);
    expect(decompose(3, 9)).toEqual([{ level: 0, index: 3 }, { level: 2, index: 1 }, { level: 0, index: 8 }]);
  });

  it("refuses an unaligned subtree", () => {
    const range = new CompactRange(h);
    range.appendLeafHash(h.leaf(leafData(0)));
    expect(() => range.appendSubtree(1, h.leaf(leafData(1)))).toThrow(/not aligned/);
  });
});

describe("inclusion proofs", () => {
  it.each(SIZES)("every leaf of a %i-leaf tree verifies, here and in @sigstore/verify", async (n) => {
    const leaves = Array.from({ length: n }, (_, i) => leafData(i));
    const root = mth(leaves);
    for (let i = 0; i < n; i++) {
      const proof = await inclusionProof(h, oracleFor(leaves), i, n);
      expect(verifyInclusion(h, BigInt(i), BigInt(n), h.leaf(leaves[i]!), proof, root)).toEqual({ ok: true });
      // Independent implementation: throws on any mismatch.
      verifyMerkleInclusion(
        { inclusionProof: { logIndex: String(i), hashes: proof.map((p) => Buffer.from(p)) }, canonicalizedBody: Buffer.from(leaves[i]!) } as never,
        { logSize: BigInt(n), logHash: Buffer.from(root) } as never,
      );
    }
  });

  it("@sigstore/verify rejects what ours rejects (a sanity check that the cross-check can fail)", async () => {
    const leaves = Array.from({ length: 9 }, (_, i) => leafData(i));
    const proof = await inclusionProof(h, oracleFor(leaves), 4, 9);
    expect(() =>
      verifyMerkleInclusion(
        { inclusionProof: { logIndex: "5", hashes: proof.map((p) => Buffer.from(p)) }, canonicalizedBody: Buffer.from(leaves[4]!) } as never,
        { logSize: 9n, logHash: Buffer.from(mth(leaves)) } as never,
      ),
    ).toThrow();
  });

  describe("forged and damaged proofs are refused", () => {
    const leaves = Array.from({ length: 21 }, (_, i) => leafData(i));
    const root = mth(leaves);
    const proofOf = (i: number) => inclusionProof(h, oracleFor(leaves), i, 21);
    it.each<[string, (p: Uint8Array[]) => { index: bigint; size: bigint; leaf: Uint8Array; proof: Uint8Array[] }, string]>([
      ["another leaf's data", (p) => ({ index: 6n, size: 21n, leaf: h.leaf(leafData(7)), proof: p }), "ROOT_MISMATCH"],
      ["the wrong index", (p) => ({ index: 7n, size: 21n, leaf: h.leaf(leaves[6]!), proof: p }), "ROOT_MISMATCH"],
      ["an index past the size", (p) => ({ index: 21n, size: 21n, leaf: h.leaf(leaves[6]!), proof: p }), "INDEX_OUT_OF_RANGE"],
      ["a missing hash", (p) => ({ index: 6n, size: 21n, leaf: h.leaf(leaves[6]!), proof: p.slice(1) }), "WRONG_PROOF_LENGTH"],
      ["an extra hash", (p) => ({ index: 6n, size: 21n, leaf: h.leaf(leaves[6]!), proof: [...p, p[0]!] }), "WRONG_PROOF_LENGTH"],
      ["a flipped bit in one hash", (p) => ({ index: 6n, size: 21n, leaf: h.leaf(leaves[6]!), proof: p.map((x, i) => (i === 2 ? x.map((b, j) => (j === 0 ? b ^ 1 : b)) : x)) }), "ROOT_MISMATCH"],
      ["a short hash", (p) => ({ index: 6n, size: 21n, leaf: h.leaf(leaves[6]!), proof: p.map((x, i) => (i === 1 ? x.slice(0, 31) : x)) }), "MALFORMED_HASH"],
      ["the leaf's data where its hash belongs", (p) => ({ index: 6n, size: 21n, leaf: leaves[6]!, proof: p }), "ROOT_MISMATCH"],
    ])("%s", async (_label, make, kind) => {
      const { index, size, leaf, proof } = make(await proofOf(6));
      const r = verifyInclusion(h, index, size, leaf, proof, root);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.failure.kind).toBe(kind);
    });
  });
});

describe("consistency proofs", () => {
  it.each(SIZES)("every smaller tree is consistent with the %i-leaf tree", async (n) => {
    const leaves = Array.from({ length: n }, (_, i) => leafData(i));
    for (let m = 1; m <= n; m++) {
      const proof = await consistencyProof(h, oracleFor(leaves), m, n);
      expect(verifyConsistency(h, BigInt(m), BigInt(n), mth(leaves.slice(0, m)), mth(leaves), proof)).toEqual({ ok: true });
    }
  });

  it("a forked log: the proof from the fork does not verify (old root, or new root when the old size is a power of two)", async () => {
    const real = Array.from({ length: 13 }, (_, i) => leafData(i));
    const fork = real.map((l, i) => (i === 4 ? leafData(i, "forged-") : l));
    for (const m of [5, 6, 8, 12]) {
      const proof = await consistencyProof(h, oracleFor(fork), m, 13);
      const r = verifyConsistency(h, BigInt(m), 13n, mth(real.slice(0, m)), mth(fork), proof);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.failure.kind).toBe(m === 8 ? "NEW_ROOT_MISMATCH" : "OLD_ROOT_MISMATCH");
    }
  });

  it("checks both ends: a proof that matches the old root but not the new one fails", async () => {
    const leaves = Array.from({ length: 11 }, (_, i) => leafData(i));
    const proof = await consistencyProof(h, oracleFor(leaves), 6, 11);
    const r = verifyConsistency(h, 6n, 11n, mth(leaves.slice(0, 6)), mth(leaves.slice(0, 10)), proof);
    expect(r.ok ? null : r.failure.kind).toBe("NEW_ROOT_MISMATCH");
  });

  it.each<[string, bigint, bigint, number]>([
    ["a truncated proof", 6n, 11n, -1],
    ["a padded proof", 6n, 11n, 1],
    ["a proof for other sizes", 5n, 11n, 0],
  ])("refuses %s", async (_l, m, n, change) => {
    const leaves = Array.from({ length: 11 }, (_, i) => leafData(i));
    let proof = await consistencyProof(h, oracleFor(leaves), 6, 11);
    if (change < 0) proof = proof.slice(0, -1);
    if (change > 0) proof = [...proof, proof[0]!];
    expect(verifyConsistency(h, m, n, mth(leaves.slice(0, Number(m))), mth(leaves), proof).ok).toBe(false);
  });

  it("equal sizes need equal roots and an empty proof; shrinking is refused", () => {
    const a = mth([leafData(1)]);
    const b = mth([leafData(2)]);
    expect(verifyConsistency(h, 1n, 1n, a, a, []).ok).toBe(true);
    expect(verifyConsistency(h, 1n, 1n, a, b, []).ok).toBe(false);
    expect(verifyConsistency(h, 2n, 1n, a, a, []).ok).toBe(false);
  });
});
