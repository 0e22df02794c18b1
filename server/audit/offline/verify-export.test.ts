/**
 * The offline verifier against damaged exports and checkpoint files, as named
 * table cases: each damage must be reported with its kind and the entry or
 * line where it is, and the pristine fixtures must verify (so a failure is
 * the damage's doing, not the fixture's).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { chainEntries, GENESIS_HASH } from "../entry-hash";
import type { AuditEntryRecord } from "../../domain/audit/types";
import type { PublishedCheckpoint } from "../../domain/audit/checkpoint-format";
import { checkpointLine } from "../checkpoint/checkpoint-file";
import { testChain, testCheckpoints, testExport, testSigner, type TestSigner } from "../../testing/export-fixtures";
import { parseCheckpointFile, verifyCheckpointsOnly, verifyExport, type ExportFailureKind, type SourcedCheckpoint } from "./verify-export";

let signer: TestSigner;
let other: TestSigner;
let chain: AuditEntryRecord[];
let cps: PublishedCheckpoint[];
let lines: string[];

const asFile = (list: PublishedCheckpoint[], name = "checkpoints.jsonl"): SourcedCheckpoint[] => parseCheckpointFile(list.map(checkpointLine).join("\n"), name);
const entryLine = (seq: number) => lines.findIndex((l) => l.includes(`"seq":"${seq}"`) && l.startsWith('{"action"'));

/** Rewrites entry #seq and re-chains every later entry with correct hashes (what an attacker with the database does). */
function rechain(edit: (drafts: AuditEntryRecord[]) => AuditEntryRecord[]): AuditEntryRecord[] {
  return chainEntries(GENESIS_HASH, 1n, edit(chain.map((e) => ({ ...e }))));
}

beforeAll(async () => {
  signer = testSigner();
  other = testSigner();
  chain = testChain(40);
  cps = await testCheckpoints(chain, [10, 25, 40], signer);
  lines = await testExport(chain, cps, signer);
});

describe("offline verifier: untouched fixtures verify", () => {
  it("a whole export: chain, three roots recomputed, signatures, with the pinned key", async () => {
    const r = await verifyExport(lines, { publicKey: signer.publicKey });
    expect(r).toMatchObject({ ok: true, failure: null, entries: 40, checkpoints: 3, rootsRecomputed: 3, keyPinned: true, warnings: [] });
  });
  it("a partial export (#12–#30) with yesterday's checkpoint file: prefix and suffix give the roots, the file's proofs the rest", async () => {
    const part = await testExport(chain, cps, signer, 12, 30);
    const r = await verifyExport(part, { publicKey: signer.publicKey, checkpoints: asFile(cps) });
    // Every proof handed over is checked: the file's #10→#25 and #25→#40 (the export's #25 carries none: it starts outside it).
    expect(r).toMatchObject({ ok: true, entries: 19, checkpoints: 3, rootsRecomputed: 2, consistencyProofsVerified: 2 });
  });
  it("without a pinned key it verifies against the export's own key and warns", async () => {
    const r = await verifyExport(lines);
    expect(r.ok).toBe(true);
    expect(r.warnings.join(" ")).toMatch(/pin it with --pubkey/);
  });
  it("checkpoint files alone: signatures and consistency proofs", async () => {
    expect(await verifyCheckpointsOnly(signer.publicKey, asFile(cps))).toMatchObject({ ok: true, consistencyProofsVerified: 2 });
  });
});

type Damage = () => Promise<{ lines: string[]; checkpoints?: SourcedCheckpoint[]; publicKey?: string }>;
const cases: Array<{ name: string; damage: Damage; kind: ExportFailureKind; seq?: bigint | null; where?: RegExp; message: RegExp }> = [
  {
    name: "a flipped bit in one entry",
    damage: async () => {
      const copy = [...lines];
      const i = entryLine(17);
      const at = copy[i]!.indexOf('"actor":"') + 9;
      copy[i] = copy[i]!.slice(0, at) + String.fromCharCode(copy[i]!.charCodeAt(at) ^ 1) + copy[i]!.slice(at + 1);
      return { lines: copy };
    },
    kind: "ENTRY_HASH_MISMATCH", seq: 17n, message: /Entry #17: stored hash .* \(line \d+\)/,
  },
  {
    name: "a removed entry",
    damage: async () => ({ lines: lines.filter((_, i) => i !== entryLine(20)) }),
    kind: "SEQUENCE_GAP", seq: 20n, message: /#20 is missing/,
  },
  {
    name: "two swapped entries",
    damage: async () => {
      const copy = [...lines];
      const [a, b] = [entryLine(20), entryLine(21)];
      [copy[a], copy[b]] = [copy[b]!, copy[a]!];
      return { lines: copy };
    },
    kind: "SEQUENCE_GAP", seq: 20n, message: /#20 is missing: entry #21 follows #19/,
  },
  {
    name: "a truncated tail (the file cut after entry #35)",
    damage: async () => ({ lines: lines.slice(0, entryLine(35) + 1) }),
    kind: "INCOMPLETE", seq: 36n, message: /before its end line: the file was cut off \(last entry read: #35\)/,
  },
  {
    name: "the last five entries removed, the trailer kept",
    damage: async () => ({ lines: lines.filter((_, i) => i < entryLine(36) || i > entryLine(40)) }),
    kind: "TRUNCATED", seq: 36n, message: /entries #36–#40 are missing/,
  },
  {
    name: "prepended garbage",
    damage: async () => ({ lines: ["#!/bin/sh echo pwned", ...lines] }),
    kind: "NOT_AN_EXPORT", where: /^line 1$/, message: /Line 1 is not an audit export header/,
  },
  {
    name: "appended garbage",
    damage: async () => ({ lines: [...lines, '{"type":"entry","seq":"41"}'] }),
    kind: "UNEXPECTED_LINE", where: /^line 48$/, message: /follows the export's end line/,
  },
  {
    name: "a checkpoint signed by another key",
    damage: async () => {
      const forged = (await testCheckpoints(chain, [10, 25], other))[1]!;
      const i = lines.findIndex((l) => l.includes('"treeSize":"25"'));
      const copy = [...lines];
      copy[i] = checkpointLine({ type: "checkpoint", ...forged } as PublishedCheckpoint);
      return { lines: copy };
    },
    kind: "BAD_SIGNATURE", seq: 25n, where: /^line 3$/, message: /not signed by the pinned key/,
  },
  {
    name: "a whole export re-signed by another key, verified against the pinned one",
    damage: async () => ({ lines: await testExport(chain, await testCheckpoints(chain, [10, 25, 40], other), other) }),
    kind: "BAD_SIGNATURE", seq: 10n, message: /not signed by the pinned key/,
  },
  {
    name: "a consistency proof for a forked log (a later checkpoint of a log that changed entry #5)",
    damage: async () => {
      const fork = testChain(50, "-forked");
      const forkCps = await testCheckpoints(fork, [40, 50], signer);
      // The fork's checkpoint #50 carries a proof from its own #40, presented as extending the real #40.
      return { lines, checkpoints: asFile([...cps, forkCps[1]!], "today.jsonl") };
    },
    kind: "INCONSISTENT_CHECKPOINTS", seq: 50n, where: /^today\.jsonl:4$/, message: /does not extend checkpoint #40 .*the logs diverge/,
  },
  {
    name: "two checkpoints of one size with different roots (a fork)",
    damage: async () => {
      const forkCps = await testCheckpoints(testChain(40, "-forked"), [25], signer);
      return { lines, checkpoints: asFile(forkCps, "other-view.jsonl") };
    },
    kind: "CHECKPOINT_FORK", seq: 25n, message: /have different roots: the log was forked/,
  },
  {
    name: "an entry rewritten with every later hash recomputed",
    damage: async () => {
      const forged = rechain((d) => d.map((e) => (e.seq === 7n ? { ...e, actor: "mallory" } : e)));
      return { lines: await testExport(forged, cps, signer) };
    },
    kind: "ROOT_MISMATCH", seq: 10n, message: /an entry in #1–#10 was changed/,
  },
  {
    name: "an entry deleted with every later hash recomputed",
    damage: async () => {
      // #30 removed; a filler at the end keeps the count, so only the roots can tell.
      const forged = rechain((d) => [...d.filter((e) => e.seq !== 30n), { ...d[39]!, actor: "filler" }]);
      return { lines: await testExport(forged, cps, signer) };
    },
    kind: "ROOT_MISMATCH", seq: 40n, message: /an entry in #26–#40 was changed/,
  },
  {
    name: "an entry inserted with every later hash recomputed",
    damage: async () => {
      const forged = rechain((d) => [...d.slice(0, 12), { ...d[12]!, actor: "inserted" }, ...d.slice(12, 39)]);
      return { lines: await testExport(forged, cps, signer) };
    },
    kind: "ROOT_MISMATCH", seq: 25n, message: /#11–#25/,
  },
];

describe("offline verifier: damaged fixtures", () => {
  it.each(cases)("$name → $kind", async ({ damage, kind, seq, where, message }) => {
    const d = await damage();
    const r = await verifyExport(d.lines, { publicKey: d.publicKey ?? signer.publicKey, checkpoints: d.checkpoints });
    expect(r.ok).toBe(false);
    expect(r.failure?.kind).toBe(kind);
    if (seq !== undefined) expect(r.failure?.seq).toBe(seq);
    if (where) expect(r.failure?.where).toMatch(where);
    expect(r.failure?.message).toMatch(message);
  });

  it("checkpoint files alone catch the forked log too", async () => {
    const fork = testChain(50, "-forked");
    const forkCps = await testCheckpoints(fork, [40, 50], signer);
    const r = await verifyCheckpointsOnly(signer.publicKey, asFile([...cps, forkCps[1]!]));
    expect(r.failure?.kind).toBe("INCONSISTENT_CHECKPOINTS");
  });
});

describe("offline verifier: every proof it is handed is checked (issue 19)", () => {
  const withProof = (list: string[], size: string, proof: string[]) =>
    list.map((l) => {
      if (!l.startsWith('{"consistency"') && !l.includes('"type":"checkpoint"')) return l;
      const o = JSON.parse(l) as { treeSize: string; consistency: { fromSize: string; proof: string[] } | null };
      if (o.treeSize !== size || !o.consistency) return l;
      return JSON.stringify({ ...o, consistency: { ...o.consistency, proof } });
    });

  it("a garbage consistency proof carried between two recomputed checkpoints is refused (it used to pass unchecked)", async () => {
    const garbage = withProof(lines, "25", ["ab".repeat(32), "cd".repeat(32)]);
    expect(garbage).not.toEqual(lines);
    const r = await verifyExport(garbage, { publicKey: signer.publicKey });
    expect(r.ok).toBe(false);
    expect(r.failure).toMatchObject({ kind: "INCONSISTENT_CHECKPOINTS", seq: 25n });
  });

  it("a proof from a checkpoint that is not at hand is refused as UNCHECKED_PROOF, not passed over", async () => {
    const part = await testExport(chain, cps, signer, 12, 30);
    const first = part.findIndex((l) => l.includes('"type":"checkpoint"'));
    const o = JSON.parse(part[first]!) as Record<string, unknown>;
    part[first] = JSON.stringify({ ...o, consistency: cps[1]!.consistency });
    const r = await verifyExport(part, { publicKey: signer.publicKey });
    expect(r.failure).toMatchObject({ kind: "UNCHECKED_PROOF", seq: 25n });
    expect(r.failure!.message).toMatch(/--checkpoint/);
  });

  it("checkpoint files alone: a duplicate's garbage proof is checked too", async () => {
    const bad = { ...cps[2]!, consistency: { fromSize: "25", proof: ["00".repeat(32)] } };
    const r = await verifyCheckpointsOnly(signer.publicKey, [...asFile(cps), ...asFile([bad], "other.jsonl")]);
    expect(r.failure).toMatchObject({ kind: "INCONSISTENT_CHECKPOINTS", seq: 40n });
  });
});
