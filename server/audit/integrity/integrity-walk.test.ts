/**
 * The integrity walk against named damage, as table cases on an in-memory
 * chain with checkpoints: each break is reported once, at its entry, with
 * the others still found after it; roots are compared only while they can
 * say something new.
 */
import { describe, expect, it } from "vitest";
import { chainEntries, GENESIS_HASH } from "../entry-hash";
import { CompactRange } from "../../domain/audit/merkle/compact-range";
import { toHex } from "../../domain/audit/merkle/hasher";
import { nodeHasher } from "../merkle/node-hasher";
import { leafHashOf } from "../checkpoint/leaf-hash";
import type { AuditEntryRecord } from "../../domain/audit/types";
import { IntegrityWalk, type TrustedCheckpoint } from "./integrity-walk";

const drafts = Array.from({ length: 60 }, (_, i) => ({
  at: new Date(Date.UTC(2026, 11, 1, 8, 0, i)), actor: "system:test", action: "TEST_EVENT", subjectType: "test", subjectId: `s-${i}`,
  fromState: null, toState: null, details: { i },
}));
const PRISTINE = chainEntries(GENESIS_HASH, 1n, drafts);
const SIZES = [10, 25, 40, 60];

function checkpointsOf(chain: readonly AuditEntryRecord[]): TrustedCheckpoint[] {
  const range = new CompactRange(nodeHasher);
  const out: TrustedCheckpoint[] = [];
  chain.forEach((e, i) => {
    range.appendLeafHash(leafHashOf(e));
    if (SIZES.includes(i + 1)) out.push({ treeSize: BigInt(i + 1), rootHash: toHex(range.root()), headHash: e.entryHash });
  });
  return out;
}
const CHECKPOINTS = checkpointsOf(PRISTINE);
const HEAD = { seq: 60n, hash: PRISTINE[59]!.entryHash };

function walk(chain: readonly AuditEntryRecord[], head = HEAD): string[] {
  const w = new IntegrityWalk(CHECKPOINTS);
  for (const e of chain) w.feed(e, head);
  w.finish(head);
  return w.failures.map((f) => `${f.kind}@${f.seq}`);
}
const copy = () => PRISTINE.map((e) => ({ ...e, details: structuredClone(e.details) }));
const edit = (c: AuditEntryRecord[], seq: number, actor: string) => {
  c[seq - 1] = { ...c[seq - 1]!, actor };
  return c;
};
/** What a careful forger does: recompute every hash from seq on. */
const rechain = (seq: number, actor: string) => {
  const c = copy();
  c[seq - 1] = { ...c[seq - 1]!, actor };
  return chainEntries(GENESIS_HASH, 1n, c);
};

describe("IntegrityWalk", () => {
  it.each<[string, () => AuditEntryRecord[], string[]]>([
    ["an untouched log", copy, []],
    ["an edited entry: its hash, and the root of the checkpoint over it", () => edit(copy(), 15, "mallory"), ["ENTRY_HASH_MISMATCH@15", "CHECKPOINT_ROOT_MISMATCH@25"]],
    ["a deleted entry: the gap only (the roots after it cannot be compared)", () => copy().filter((e) => e.seq !== 30n), ["SEQUENCE_GAP@30"]],
    ["an edit AND a deletion: both", () => edit(copy(), 15, "mallory").filter((e) => e.seq !== 50n), ["ENTRY_HASH_MISMATCH@15", "CHECKPOINT_ROOT_MISMATCH@25", "SEQUENCE_GAP@50"]],
    ["a deleted checkpointed entry: the gap, and the later checkpoints still anchor", () => copy().filter((e) => e.seq !== 25n), ["SEQUENCE_GAP@25"]],
    ["a rewrite with every hash recomputed: the checkpoint after it (head hash and root)", () => rechain(33, "mallory"), ["ANCHOR_MISMATCH@40", "CHECKPOINT_ROOT_MISMATCH@40", "ANCHOR_MISMATCH@60", "HEAD_MISMATCH@60"]],
    ["a cut-off tail: TRUNCATED where entries are missing", () => copy().slice(0, 55), ["TRUNCATED@56"]],
  ])("%s", (_name, damage, expected) => {
    expect(walk(damage())).toEqual(expected);
  });

  it("resumes across calls (incremental): a later edit is found after the first part was verified", () => {
    const chain = edit(copy(), 45, "mallory");
    const w = new IntegrityWalk(CHECKPOINTS);
    for (const e of chain.slice(0, 30)) w.feed(e, HEAD);
    expect(w.failures).toEqual([]);
    for (const e of chain.slice(30)) w.feed(e, HEAD);
    w.finish(HEAD);
    expect(w.failures.map((f) => `${f.kind}@${f.seq}`)).toEqual(["ENTRY_HASH_MISMATCH@45", "CHECKPOINT_ROOT_MISMATCH@60"]);
  });

  it("a checkpoint published after the walk passed its size is compared at once", () => {
    const w = new IntegrityWalk(CHECKPOINTS.slice(0, 2));
    for (const e of PRISTINE.slice(0, 40)) w.feed(e, HEAD);
    w.addCheckpoints([{ ...CHECKPOINTS[2]!, rootHash: "ab".repeat(32) }]);
    expect(w.failures.map((f) => `${f.kind}@${f.seq}`)).toEqual(["CHECKPOINT_ROOT_MISMATCH@40"]);
    expect(w.failures[0]).toMatchObject({ expected: "ab".repeat(32), actual: CHECKPOINTS[2]!.rootHash });
  });

  describe("entries vouched for by the fast lane (vouched) and fed ones mixed, as the monitor mixes them", () => {
    /** Sound entries before `from` go through vouched() (as the lane gives them: seq, hash, leaf), the rest through feed(). */
    function mixed(chain: readonly AuditEntryRecord[], from: number, checkpoints = CHECKPOINTS) {
      const w = new IntegrityWalk(checkpoints);
      for (const e of chain) {
        if (e.seq < BigInt(from)) w.vouched(e.seq, e.entryHash, leafHashOf(e));
        else w.feed(e, HEAD);
      }
      w.finish(HEAD);
      return w;
    }
    const kinds = (w: IntegrityWalk) => w.failures.map((f) => `${f.kind}@${f.seq}`);

    it("takes leaves and compares roots at checkpoints as feed() does: a sound log, handed over at any point", () => {
      for (const from of [1, 10, 11, 26, 61]) expect(kinds(mixed(PRISTINE, from))).toEqual([]);
    });

    it("reports a checkpoint whose signed root the vouched entries do not hash to, at that checkpoint", () => {
      const wrong = CHECKPOINTS.map((c) => (c.treeSize === 25n ? { ...c, rootHash: "cd".repeat(32) } : c));
      expect(kinds(mixed(PRISTINE, 61, wrong))).toEqual(["CHECKPOINT_ROOT_MISMATCH@25"]);
      expect(kinds(mixed(PRISTINE, 1, wrong))).toEqual(["CHECKPOINT_ROOT_MISMATCH@25"]);
    });

    it("finds damage after the hand-over as feed() alone does", () => {
      expect(kinds(mixed(edit(copy(), 45, "mallory"), 30))).toEqual(["ENTRY_HASH_MISMATCH@45", "CHECKPOINT_ROOT_MISMATCH@60"]);
    });

    it("refuses an entry that is not the next one, changing nothing", () => {
      const w = new IntegrityWalk(CHECKPOINTS);
      w.vouched(1n, PRISTINE[0]!.entryHash, leafHashOf(PRISTINE[0]!));
      expect(() => w.vouched(3n, PRISTINE[2]!.entryHash, leafHashOf(PRISTINE[2]!))).toThrow(/#3 after #1/);
      expect(w.prev).toEqual({ seq: 1n, hash: PRISTINE[0]!.entryHash });
      for (const e of PRISTINE.slice(1)) w.feed(e, HEAD);
      w.finish(HEAD);
      expect(w.failures).toEqual([]);
    });

    it("gives the anchors ahead: the checkpoints past the walk's position", () => {
      const w = mixed(PRISTINE.slice(0, 30), 31);
      expect(w.anchorsAhead()).toEqual(CHECKPOINTS.filter((c) => c.treeSize > 30n).map((c) => ({ seq: c.treeSize, hash: c.headHash })));
    });
  });
});
