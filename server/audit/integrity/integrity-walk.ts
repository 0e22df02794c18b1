/**
 * One resumable walk over the stored audit log, checking it against the
 * signed checkpoints: the chain (format, sequence, links, entry hashes), each
 * checkpoint's head hash (anchor) and each checkpoint's Merkle root
 * recomputed from the entries. The integrity monitor feeds it page by page,
 * across rounds, so the whole log (including entries under old checkpoints)
 * is re-verified in the background without holding a transaction open.
 *
 * It reports every break it can find, resynchronising after each (see
 * verifyChain); a Merkle root is compared only while the tree is still
 * comparable (no entry missing before it, no earlier root mismatch, whose
 * consequences would otherwise be reported again at every later checkpoint).
 *
 * Pure apart from hashing: no I/O, no clock.
 */
import { CompactRange } from "../../domain/audit/merkle/compact-range";
import { toHex } from "../../domain/audit/merkle/hasher";
import { nodeHasher } from "../merkle/node-hasher";
import { leafHashOf } from "../checkpoint/leaf-hash";
import type { AuditEntryRecord, ChainFailure, ChainLink } from "../../domain/audit/types";
import { CHAIN_START, checkAnchor, checkChainEnd, checkHeadAt, verifyEntryAll } from "../verify-chain";

/** A checkpoint whose signature was verified: what the log must match. */
export interface TrustedCheckpoint {
  treeSize: bigint;
  rootHash: string;
  headHash: string;
}

export type IntegrityFailureKind = ChainFailure["kind"] | "CHECKPOINT_ROOT_MISMATCH" | "CHECKPOINT_CONFLICT";

/** A break, with the trusted value and the one found (as ChainFailure). */
export interface IntegrityFailure extends Omit<ChainFailure, "kind"> {
  kind: IntegrityFailureKind;
}

/**
 * CHECKPOINT_ROOT_MISMATCH unless the root recomputed from entries #1..#size
 * is the root the checkpoint of that size signed.
 */
export function checkCheckpointRoot(cp: TrustedCheckpoint, computedRoot: string, sinceSeq: bigint): IntegrityFailure | null {
  if (computedRoot === cp.rootHash) return null;
  return {
    kind: "CHECKPOINT_ROOT_MISMATCH",
    seq: cp.treeSize,
    expected: cp.rootHash,
    actual: computedRoot,
    message:
      `The stored entries #1–#${cp.treeSize} hash to root ${computedRoot.slice(0, 12)}… but checkpoint #${cp.treeSize} signed ` +
      `${cp.rootHash.slice(0, 12)}… (an entry in #${sinceSeq}–#${cp.treeSize} was changed, inserted or removed after it was signed)`,
  };
}

const bySize = (a: TrustedCheckpoint, b: TrustedCheckpoint) => (a.treeSize < b.treeSize ? -1 : a.treeSize > b.treeSize ? 1 : 0);

export class IntegrityWalk {
  prev: ChainLink = CHAIN_START;
  readonly failures: IntegrityFailure[] = [];
  private readonly range = new CompactRange(nodeHasher);
  private pending: TrustedCheckpoint[] = [];
  /** False once an entry is missing or a root mismatched: later roots cannot be compared meaningfully. */
  private rootsComparable = true;
  private lastRootChecked = 0n;
  private readonly seen = new Set<string>();

  constructor(checkpoints: readonly TrustedCheckpoint[], private readonly maxFailures = 100) {
    this.addCheckpoints(checkpoints);
  }

  /** Takes newly published checkpoints; one at the walk's current size is compared at once. */
  addCheckpoints(checkpoints: readonly TrustedCheckpoint[]): void {
    const known = new Set(this.pending.map((c) => c.treeSize));
    for (const c of checkpoints) {
      if (c.treeSize > this.prev.seq && !known.has(c.treeSize)) this.pending.push(c);
      else if (c.treeSize === this.prev.seq && c.treeSize > this.lastRootChecked && c.treeSize > 0n) {
        this.report(checkAnchor({ seq: c.treeSize, hash: c.headHash }, { seq: this.prev.seq, entryHash: this.prev.hash }));
        this.compareRoot(c);
      }
    }
    this.pending.sort(bySize);
  }

  get full(): boolean {
    return this.failures.length >= this.maxFailures;
  }

  private report(f: IntegrityFailure | null): void {
    if (!f || this.full) return;
    const id = `${f.kind}@${f.seq}`;
    if (this.seen.has(id)) return;
    this.seen.add(id);
    this.failures.push(f);
  }

  private compareRoot(cp: TrustedCheckpoint): void {
    const since = this.lastRootChecked + 1n;
    this.lastRootChecked = cp.treeSize;
    if (!this.rootsComparable || BigInt(this.range.end) !== cp.treeSize) return;
    const f = checkCheckpointRoot(cp, toHex(this.range.root()), since);
    if (f) {
      this.rootsComparable = false;
      this.report(f);
    }
  }

  /** Checks the next stored entry (ascending seq). */
  feed(entry: AuditEntryRecord, head: ChainLink | null): void {
    const found = verifyEntryAll(this.prev, entry);
    for (const f of found) this.report(f);
    if (found[0]?.kind === "MALFORMED_ENTRY" && typeof entry?.seq !== "bigint") {
      this.rootsComparable = false;
      return;
    }
    if (entry.seq !== this.prev.seq + 1n) this.rootsComparable = false;
    // Checkpoints of entries that are missing are passed over (the gap is reported).
    while (this.pending[0] && this.pending[0].treeSize < entry.seq) this.pending.shift();
    if (this.rootsComparable) this.range.appendLeafHash(leafHashOf(entry));
    const cp = this.pending[0];
    if (cp && cp.treeSize === entry.seq) {
      this.pending.shift();
      this.report(checkAnchor({ seq: cp.treeSize, hash: cp.headHash }, entry));
      this.compareRoot(cp);
    }
    if (head) this.report(checkHeadAt(head, entry));
    this.prev = { seq: entry.seq, hash: entry.entryHash };
  }

  /** The checkpoints still ahead, as the anchors a fast lane must match where they fall. */
  anchorsAhead(): ChainLink[] {
    return this.pending.map((c) => ({ seq: c.treeSize, hash: c.headHash }));
  }

  /**
   * The next entry, vouched for by the fast lane (copy-walk.ts) from the walk's last link, with the anchors of
   * anchorsAhead() and the head: it follows the last link, hashes to its stored hash, and matches the checkpoint and
   * the head where they fall, so feed() would find nothing wrong with it. Takes its leaf hash (from the same text)
   * and compares the root at a checkpoint, as feed() does. Throws, changing nothing, for an entry that is not the next.
   */
  vouched(seq: bigint, entryHash: string, leaf: Uint8Array): void {
    if (seq !== this.prev.seq + 1n) throw new Error(`the fast lane vouched for #${seq} after #${this.prev.seq}`);
    while (this.pending[0] && this.pending[0].treeSize < seq) this.pending.shift();
    if (this.rootsComparable) this.range.appendLeafHash(leaf);
    const cp = this.pending[0];
    if (cp && cp.treeSize === seq) {
      this.pending.shift();
      this.compareRoot(cp);
    }
    this.prev = { seq, hash: entryHash };
  }

  /** At the end of what is stored: entries the head or a checkpoint records but the table lacks. */
  finish(head: ChainLink | null): void {
    this.report(checkChainEnd(this.prev, head, this.pending.map((c) => ({ seq: c.treeSize, hash: c.headHash }))));
  }
}
