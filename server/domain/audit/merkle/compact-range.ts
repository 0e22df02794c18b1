/**
 * A compact range (Merkle frontier): the perfect subtrees that cover the leaves
 * [begin, end), at most one per level, so that appending a leaf costs
 * O(1) amortised hashes and the RFC 6962 root of [0, end) is a fold of at most
 * log2(end) hashes. This is how checkpoints stay incremental: each new
 * checkpoint hashes only the leaves appended since the previous one.
 *
 * Sizes are plain numbers (exact up to 2^53 leaves) and only arithmetic is
 * used on them, never 32-bit bitwise operators.
 *
 * Pure: no I/O.
 */
import type { MerkleHasher } from "./hasher";

/** A perfect subtree: 2^level leaves starting at leaf index × 2^level. */
export interface Subtree {
  level: number;
  index: number;
  hash: Uint8Array;
}

export const pow2 = (level: number) => 2 ** level;

/** Largest power of two strictly below n (n ≥ 2), as RFC 6962's split point k. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * The aligned perfect subtrees covering [begin, end), left to right. For a
 * range that starts at 0 this is the binary decomposition of `end`, largest
 * first; in general sizes rise then fall.
 */
export function decompose(begin: number, end: number): Array<{ level: number; index: number }> {
  const out: Array<{ level: number; index: number }> = [];
  let p = begin;
  while (p < end) {
    let level = 0;
    while (p % pow2(level + 1) === 0 && p + pow2(level + 1) <= end) level++;
    out.push({ level, index: p / pow2(level) });
    p += pow2(level);
  }
  return out;
}

export class CompactRange {
  private readonly stack: Subtree[] = [];
  private endIndex: number;

  /**
   * @param begin first leaf index the range covers (0 for a whole tree)
   * @param onComplete called for every perfect subtree completed by an append
   *        (used to persist the higher levels of the tree)
   */
  constructor(
    private readonly hasher: MerkleHasher,
    readonly begin = 0,
    onComplete?: (s: Subtree) => void,
  ) {
    this.endIndex = begin;
    this.onCompleteHook = onComplete;
  }

  /** Called for every perfect subtree an append completes; may be swapped between uses. */
  onCompleteHook: ((s: Subtree) => void) | undefined;

  get end(): number {
    return this.endIndex;
  }

  get size(): number {
    return this.endIndex - this.begin;
  }

  /** The subtrees held, left to right (a copy). */
  subtrees(): Subtree[] {
    return this.stack.map((s) => ({ ...s }));
  }

  appendLeafHash(hash: Uint8Array): void {
    this.appendSubtree(0, hash);
  }

  /**
   * Appends a perfect subtree of 2^level leaves at the current end. The end
   * must be a multiple of 2^level (the subtree is aligned) and the range must
   * have no smaller subtree on top (true for ranges starting at 0, and for
   * pieces in decompose() order).
   */
  appendSubtree(level: number, hash: Uint8Array): void {
    if (this.endIndex % pow2(level) !== 0) {
      throw new RangeError(`A subtree of level ${level} cannot start at leaf ${this.endIndex}: not aligned`);
    }
    const top = this.stack[this.stack.length - 1];
    if (top && top.level < level) {
      throw new RangeError(`A subtree of level ${level} cannot follow one of level ${top.level}`);
    }
    let node: Subtree = { level, index: this.endIndex / pow2(level), hash };
    this.endIndex += pow2(level);
    for (;;) {
      const last = this.stack[this.stack.length - 1];
      // Merge only with an equal, aligned left sibling inside this range.
      if (!last || last.level !== node.level || last.index % 2 !== 0 || last.index + 1 !== node.index) break;
      this.stack.pop();
      node = { level: node.level + 1, index: last.index / 2, hash: this.hasher.node(last.hash, node.hash) };
      this.onCompleteHook?.(node);
    }
    this.stack.push(node);
  }

  /**
   * The RFC 6962 hash of the leaves [begin, end): the subtrees folded from the
   * right. For begin = 0 this is the tree head's root hash.
   */
  root(): Uint8Array {
    if (this.stack.length === 0) return this.hasher.emptyRoot();
    let acc = this.stack[this.stack.length - 1]!.hash;
    for (let i = this.stack.length - 2; i >= 0; i--) acc = this.hasher.node(this.stack[i]!.hash, acc);
    return acc;
  }
}
