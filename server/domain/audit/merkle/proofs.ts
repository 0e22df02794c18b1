/**
 * Inclusion and consistency proofs of RFC 6962 §2.1.1–2.1.2, built from an
 * oracle that returns the hash of any aligned perfect subtree, and verified
 * with the algorithms of RFC 9162 §2.1.3.2 and §2.1.4.2.
 *
 * Verification computes, then compares, and checks every step: the index
 * against the size, the exact number of proof hashes, each hash's length,
 * that the walk ends at the root level (sn = 0), and for consistency both the
 * old AND the new root (the immudb advisory GHSA-672p-m5jq-mrh8 was a verifier
 * that checked only one end). Failures are typed, with expected and actual.
 *
 * Pure: no I/O (the oracle does the reading). Tree indices are bigint in the
 * verifiers (bit arithmetic past 2^32), numbers in the builders.
 */
import { decompose, splitPoint } from "./compact-range";
import { HASH_BYTES, bytesEqual, toHex, type MerkleHasher } from "./hasher";

/** Hash of the aligned perfect subtree (level, index); may read storage. */
export type SubtreeOracle = (level: number, index: number) => Promise<Uint8Array>;

/** RFC 6962 MTH of the leaves [begin, end), for ranges whose begin is aligned as in the RFC's recursion. */
export async function rangeHash(hasher: MerkleHasher, oracle: SubtreeOracle, begin: number, end: number): Promise<Uint8Array> {
  const pieces = decompose(begin, end);
  const hashes: Uint8Array[] = [];
  // One at a time: the oracle may read through a single database connection.
  for (const p of pieces) hashes.push(await oracle(p.level, p.index));
  let acc = hashes[hashes.length - 1]!;
  for (let i = hashes.length - 2; i >= 0; i--) acc = hasher.node(hashes[i]!, acc);
  return acc;
}

/** RFC 6962 PATH(m, D[0:n]): sibling hashes from the leaf up. */
export async function inclusionProof(hasher: MerkleHasher, oracle: SubtreeOracle, index: number, size: number): Promise<Uint8Array[]> {
  if (!(index >= 0 && index < size)) throw new RangeError(`leaf index ${index} is outside a tree of ${size} leaves`);
  const out: Uint8Array[] = [];
  const walk = async (m: number, begin: number, end: number): Promise<void> => {
    if (end - begin <= 1) return;
    const k = splitPoint(end - begin);
    if (m - begin < k) {
      await walk(m, begin, begin + k);
      out.push(await rangeHash(hasher, oracle, begin + k, end));
    } else {
      await walk(m, begin + k, end);
      out.push(await rangeHash(hasher, oracle, begin, begin + k));
    }
  };
  await walk(index, 0, size);
  return out;
}

/** RFC 6962 PROOF(m, D[0:n]) for 0 < m ≤ n (empty when m = n). */
export async function consistencyProof(hasher: MerkleHasher, oracle: SubtreeOracle, m: number, n: number): Promise<Uint8Array[]> {
  if (!(m > 0 && m <= n)) throw new RangeError(`no consistency proof from ${m} to ${n} leaves: need 0 < from ≤ to`);
  const out: Uint8Array[] = [];
  const sub = async (mm: number, begin: number, end: number, whole: boolean): Promise<void> => {
    const size = end - begin;
    if (mm === size) {
      if (!whole) out.push(await rangeHash(hasher, oracle, begin, end));
      return;
    }
    const k = splitPoint(size);
    if (mm <= k) {
      await sub(mm, begin, begin + k, whole);
      out.push(await rangeHash(hasher, oracle, begin + k, end));
    } else {
      await sub(mm - k, begin + k, end, false);
      out.push(await rangeHash(hasher, oracle, begin, begin + k));
    }
  };
  if (m < n) await sub(m, 0, n, true);
  return out;
}

export type ProofFailureKind =
  | "INDEX_OUT_OF_RANGE"
  | "BAD_SIZES"
  | "WRONG_PROOF_LENGTH"
  | "MALFORMED_HASH"
  | "ROOT_MISMATCH"
  | "OLD_ROOT_MISMATCH"
  | "NEW_ROOT_MISMATCH";

export interface ProofFailure {
  kind: ProofFailureKind;
  expected: string;
  actual: string;
  message: string;
}

export type ProofCheck = { ok: true } | { ok: false; failure: ProofFailure };

const OK: ProofCheck = { ok: true };
const fail = (kind: ProofFailureKind, expected: string, actual: string, message: string): ProofCheck => ({
  ok: false,
  failure: { kind, expected, actual, message },
});

const bitLength = (n: bigint) => (n === 0n ? 0 : n.toString(2).length);
const onesCount = (n: bigint) => n.toString(2).replace(/0/g, "").length;

/** RFC 9162 §2.1.3.1/2: the exact number of hashes an inclusion proof must have. */
export function inclusionProofLength(index: bigint, size: bigint): number {
  const inner = bitLength(index ^ (size - 1n));
  return inner + onesCount(index >> BigInt(inner));
}

function checkHashes(proof: readonly Uint8Array[]): ProofCheck {
  for (let i = 0; i < proof.length; i++) {
    if (!(proof[i] instanceof Uint8Array) || proof[i]!.length !== HASH_BYTES) {
      return fail("MALFORMED_HASH", `${HASH_BYTES} bytes`, `${proof[i]?.length ?? "no"} bytes`, `Proof hash #${i} is not a ${HASH_BYTES}-byte hash`);
    }
  }
  return OK;
}

/** RFC 9162 §2.1.3.2: is `leafHash` the leaf at `index` of the tree of `size` leaves with `root`? */
export function verifyInclusion(
  hasher: MerkleHasher,
  index: bigint,
  size: bigint,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): ProofCheck {
  if (index < 0n || index >= size) {
    return fail("INDEX_OUT_OF_RANGE", `an index below ${size}`, index.toString(), `Leaf index ${index} is outside a tree of ${size} leaves`);
  }
  const want = inclusionProofLength(index, size);
  if (proof.length !== want) {
    return fail("WRONG_PROOF_LENGTH", String(want), String(proof.length), `An inclusion proof for leaf ${index} of ${size} has ${want} hashes, this one has ${proof.length}`);
  }
  const hashCheck = checkHashes(proof);
  if (!hashCheck.ok) return hashCheck;
  let fn = index;
  let sn = size - 1n;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0n) return fail("WRONG_PROOF_LENGTH", "no more hashes", "more hashes", "The inclusion proof goes past the root");
    if ((fn & 1n) === 1n || fn === sn) {
      r = hasher.node(p, r);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      r = hasher.node(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) return fail("WRONG_PROOF_LENGTH", "a path to the root", "a path that stops below it", "The inclusion proof stops below the root");
  if (!bytesEqual(r, root)) {
    return fail("ROOT_MISMATCH", toHex(root), toHex(r), `The proof for leaf ${index} leads to root ${toHex(r).slice(0, 12)}…, not the checkpoint's ${toHex(root).slice(0, 12)}…`);
  }
  return OK;
}

/** RFC 9162 §2.1.4.2: does the tree (size2, root2) extend the tree (size1, root1)? */
export function verifyConsistency(
  hasher: MerkleHasher,
  size1: bigint,
  size2: bigint,
  root1: Uint8Array,
  root2: Uint8Array,
  proof: readonly Uint8Array[],
): ProofCheck {
  if (size1 < 0n || size2 < size1) {
    return fail("BAD_SIZES", `0 ≤ old size ≤ new size`, `${size1} → ${size2}`, `A tree of ${size2} leaves cannot extend one of ${size1}`);
  }
  const hashCheck = checkHashes(proof);
  if (!hashCheck.ok) return hashCheck;
  if (size1 === size2) {
    if (proof.length !== 0) return fail("WRONG_PROOF_LENGTH", "0", String(proof.length), "Trees of equal size need an empty consistency proof");
    if (!bytesEqual(root1, root2)) {
      return fail("NEW_ROOT_MISMATCH", toHex(root1), toHex(root2), `Two checkpoints of ${size1} leaves have different roots: the log forked`);
    }
    return OK;
  }
  if (size1 === 0n) {
    if (proof.length !== 0) return fail("WRONG_PROOF_LENGTH", "0", String(proof.length), "Consistency with the empty tree needs an empty proof");
    return OK;
  }
  if (proof.length === 0) return fail("WRONG_PROOF_LENGTH", "at least 1", "0", "The consistency proof is empty");
  const path = [...proof];
  const isPow2 = (size1 & (size1 - 1n)) === 0n;
  if (isPow2) path.unshift(root1);
  let fn = size1 - 1n;
  let sn = size2 - 1n;
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0n) return fail("WRONG_PROOF_LENGTH", "fewer hashes", "more hashes", "The consistency proof goes past the root of the new tree");
    if ((fn & 1n) === 1n || fn === sn) {
      fr = hasher.node(c, fr);
      sr = hasher.node(c, sr);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      sr = hasher.node(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) return fail("WRONG_PROOF_LENGTH", "a path to the root", "a path that stops below it", "The consistency proof stops below the root of the new tree");
  if (!bytesEqual(fr, root1)) {
    return fail("OLD_ROOT_MISMATCH", toHex(root1), toHex(fr), `The consistency proof does not lead to the old root ${toHex(root1).slice(0, 12)}… of ${size1} leaves (it gives ${toHex(fr).slice(0, 12)}…): the logs diverge`);
  }
  if (!bytesEqual(sr, root2)) {
    return fail("NEW_ROOT_MISMATCH", toHex(root2), toHex(sr), `The consistency proof does not lead to the new root ${toHex(root2).slice(0, 12)}… of ${size2} leaves (it gives ${toHex(sr).slice(0, 12)}…): the logs diverge`);
  }
  return OK;
}
