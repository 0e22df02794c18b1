/**
 * The offline verifier: checks an audit export (export-format.ts) and any
 * checkpoint files with no server and no database, trusting only the pinned
 * public key.
 *
 * Checks, with where (line, entry seq) and expected vs actual for each
 * failure. A damaged file (bad order, garbage, cut off, bad signature) stops
 * the walk; damage to the log itself does not: every chain break, root and
 * head mismatch found is reported (not only the first), and in a partial
 * export a root that fails only because of what lies before the range (the
 * prefix subtrees) is reported as PREFIX_MISMATCH, never blamed on entries
 * inside the range that the checkpoint's head hash vouches for.
 * - the first line is an export header; lines are in the format's order and
 *   nothing follows the end line (garbage before or after, a cut-off file);
 * - every checkpoint's Ed25519 signature under the pinned key; no two
 *   checkpoints of one size with different roots (a fork);
 * - every entry's format, sequence, prevHash link and entry hash (the chain);
 * - the RFC 6962 root recomputed from prefix + entries (+ suffix) equals the
 *   root of every checkpoint inside the range and of the covering one, and
 *   the entry at each checkpoint's size has the checkpoint's head hash;
 * - each pair of successive checkpoints is consistent: both recomputed from
 *   the same entries, or else by the consistency proof the later one carries,
 *   verified step by step (both roots);
 * - every consistency proof handed over (in the export or a checkpoint file)
 *   is verified; one from a checkpoint that is not at hand cannot be, and is
 *   refused (UNCHECKED_PROOF) rather than silently passed over.
 */
import { decompose, CompactRange } from "../../domain/audit/merkle/compact-range";
import { fromHex32, toHex } from "../../domain/audit/merkle/hasher";
import { nodeHasher } from "../merkle/node-hasher";
import { verifyConsistency } from "../../domain/audit/merkle/proofs";
import { entryFromJson } from "../../domain/audit/audit-leaf";
import { leafHashOf } from "../checkpoint/leaf-hash";
import { parseCheckpoint, type PublishedCheckpoint } from "../../domain/audit/checkpoint-format";
import { keyIdOf, parsePublicKey, verifyCheckpointSignature } from "../checkpoint/signing-key";
import { signedNote } from "../checkpoint/signed-note";
import type { ChainFailureKind, ChainLink } from "../../domain/audit/types";
import { CHAIN_START, verifyEntryAll } from "../verify-chain";
import { EXPORT_FORMAT } from "../export/export-format";

export type ExportFailureKind =
  | ChainFailureKind
  | "NOT_AN_EXPORT"
  | "MALFORMED_LINE"
  | "UNEXPECTED_LINE"
  | "INCOMPLETE"
  | "BAD_SIGNATURE"
  | "CHECKPOINT_FORK"
  | "NO_CHECKPOINT"
  | "ROOT_MISMATCH"
  | "CHECKPOINT_HEAD_MISMATCH"
  | "INCONSISTENT_CHECKPOINTS"
  | "NO_CONSISTENCY_PROOF"
  | "UNCHECKED_PROOF"
  | "PREFIX_MISMATCH";

export interface ExportFailure {
  kind: ExportFailureKind;
  /** Line of the export (or "file:line" of a checkpoint file) where it was found. */
  where: string | null;
  seq: bigint | null;
  expected: string;
  actual: string;
  message: string;
}

export interface ExportReport {
  ok: boolean;
  /** The first of `failures`. */
  failure: ExportFailure | null;
  /** Every failure found, in the order found (at most 100). */
  failures: ExportFailure[];
  entries: number;
  from: bigint | null;
  to: bigint | null;
  checkpoints: number;
  rootsRecomputed: number;
  consistencyProofsVerified: number;
  keyId: string | null;
  keyPinned: boolean;
  warnings: string[];
}

export interface SourcedCheckpoint {
  checkpoint: PublishedCheckpoint;
  where: string;
}

export class VerifyUsageError extends Error {}

const DEC = /^(0|[1-9][0-9]{0,18})$/;

class Failed extends Error {
  constructor(readonly failure: ExportFailure) {
    super(failure.message);
  }
}
const failed = (kind: ExportFailureKind, where: string | null, seq: bigint | null, expected: string, actual: string, message: string) =>
  new Failed({ kind, where, seq, expected, actual, message });

/** Parses a checkpoint file (JSON Lines of checkpoints, as the data folder and the endpoint give them). */
export function parseCheckpointFile(text: string, name: string): SourcedCheckpoint[] {
  const out: SourcedCheckpoint[] = [];
  text.split("\n").forEach((line, i) => {
    if (!line.trim()) return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      throw new Failed({ kind: "MALFORMED_LINE", where: `${name}:${i + 1}`, seq: null, expected: "a JSON checkpoint", actual: line.slice(0, 40), message: `${name} line ${i + 1} is not JSON` });
    }
    const parsed = parseCheckpoint(json);
    if (!parsed.ok) throw new Failed({ kind: "MALFORMED_LINE", where: `${name}:${i + 1}`, seq: null, expected: "a checkpoint", actual: parsed.problem, message: `${name} line ${i + 1} is not a checkpoint: ${parsed.problem}` });
    out.push({ checkpoint: parsed.checkpoint, where: `${name}:${i + 1}` });
  });
  return out;
}

function parseSubtrees(value: unknown, begin: number, end: number, where: string): Array<{ level: number; hash: Uint8Array }> {
  const shape = decompose(begin, end);
  const list = Array.isArray(value) ? value : null;
  const ok =
    list !== null &&
    list.length === shape.length &&
    list.every((s: { level?: unknown; index?: unknown; hash?: unknown }, i) => s.level === shape[i]!.level && s.index === String(shape[i]!.index) && fromHex32(s.hash) !== null);
  if (!ok) {
    throw failed("MALFORMED_LINE", where, null, `subtrees ${shape.map((s) => `${s.level}:${s.index}`).join(" ") || "none"}`, "other subtrees", `Line ${where}: the subtrees do not cover leaves ${begin}–${end - 1} as the format requires`);
  }
  return (list as Array<{ level: number; hash: string }>).map((s) => ({ level: s.level, hash: fromHex32(s.hash)! }));
}

/** Verifies an export given as lines (without their "\n"). */
export async function verifyExport(
  lines: AsyncIterable<string> | Iterable<string>,
  opts: { publicKey?: string; checkpoints?: readonly SourcedCheckpoint[] } = {},
): Promise<ExportReport> {
  const report: ExportReport = {
    ok: false, failure: null, failures: [], entries: 0, from: null, to: null, checkpoints: 0, rootsRecomputed: 0,
    consistencyProofsVerified: 0, keyId: null, keyPinned: Boolean(opts.publicKey), warnings: [],
  };
  try {
    await new ExportWalk(opts, report).walk(lines);
  } catch (err) {
    if (!(err instanceof Failed)) throw err;
    report.failures.push(err.failure);
  }
  report.failure = report.failures[0] ?? null;
  report.ok = report.failures.length === 0;
  return report;
}

type Phase = "header" | "checkpoints" | "entries" | "end" | "done";
type Line = Record<string, unknown>;

/**
 * One walk over an export, line by line: one method per kind of line (header,
 * checkpoint, prefix, entry, suffix, end) and one per check (a checkpoint's
 * signature and fork, the root and head at a checkpoint's size, consistency
 * between successive checkpoints, the carried proofs). A damaged file throws
 * Failed and stops the walk; damage to the log is noted and the walk goes on.
 */
class ExportWalk {
  private lineNo = 0;
  private phase: Phase = "header";
  private key: ReturnType<typeof parsePublicKey> = null;
  private from = 0n;
  private to = 0n;
  private covering = 0n;
  private readonly cps = new Map<string, SourcedCheckpoint>();
  private readonly recomputed = new Set<string>();
  private range = new CompactRange(nodeHasher);
  private prev: ChainLink = CHAIN_START;
  private count = 0n;
  private lastVerifiedCheckpoint: bigint | null = null;
  /** False after a missing entry or a root mismatch: later roots would only repeat it. */
  private rootsComparable = true;
  /** Chain breaks inside the range so far (a head hash vouches for the entries only without them). */
  private chainBreaks = 0;
  private readonly handed: SourcedCheckpoint[] = [];

  constructor(
    private readonly opts: { publicKey?: string; checkpoints?: readonly SourcedCheckpoint[] },
    private readonly report: ExportReport,
  ) {
    if (opts.publicKey) {
      this.key = parsePublicKey(opts.publicKey);
      if (!this.key) throw new VerifyUsageError("--pubkey must be an Ed25519 public key: base64 of 32 bytes, 64 hex characters, or a PEM file");
    }
  }

  async walk(lines: AsyncIterable<string> | Iterable<string>): Promise<void> {
    for await (const raw of lines) this.line(raw);
    this.checkComplete();
    this.checkSuccessiveCheckpoints();
    this.checkCarriedProofs();
  }

  private note(f: ExportFailure): void {
    if (this.report.failures.length < 100) this.report.failures.push(f);
  }

  /** One line of the export: parsed as a JSON object, then handed to the method of its kind and place. */
  private line(raw: string): void {
    const lineNo = ++this.lineNo;
    const where = `line ${lineNo}`;
    if (this.phase === "done") {
      if (raw.trim() === "") return;
      throw failed("UNEXPECTED_LINE", where, null, "nothing after the end line", raw.slice(0, 40), `Line ${lineNo} follows the export's end line: data was appended to the export`);
    }
    let o: Line;
    try {
      const v: unknown = JSON.parse(raw);
      if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error("not an object");
      o = v as Line;
    } catch {
      if (lineNo === 1) throw failed("NOT_AN_EXPORT", where, null, "an export header", raw.slice(0, 40), "Line 1 is not an audit export header: something was put before the export, or this is not an export");
      throw failed("MALFORMED_LINE", where, null, "one JSON object", raw.slice(0, 40), `Line ${lineNo} is not a JSON object (the file was damaged)`);
    }
    const type = o.type;
    const phase = this.phase;
    if (phase === "header") return this.header(o, raw, where);
    if (phase === "checkpoints" && type === "checkpoint") return this.checkpointLine(o, where);
    if (phase === "checkpoints" && type === "prefix") return this.prefix(o, where);
    if (phase === "entries" && type === "entry") return this.entry(o, where);
    if (phase === "entries" && type === "suffix") return this.suffix(o, where);
    if (phase === "end" && type === "end") return this.end(o, where);
    if (phase === "entries" && type === "end") {
      throw failed("TRUNCATED", where, this.from + this.count, "a suffix line", "the end line", "The export ends without its suffix line: it was cut and re-terminated");
    }
    throw failed("UNEXPECTED_LINE", where, null, `a line of the ${phase} section`, `type ${JSON.stringify(type)}`, `Line ${lineNo} (type ${JSON.stringify(type)}) is out of place in the export (lines were added, removed or reordered)`);
  }

  /** The header: the format, the range and the key (pinned, or else taken from the export with a warning). */
  private header(o: Line, raw: string, where: string): void {
    const report = this.report;
    if (o.type !== "header" || o.format !== EXPORT_FORMAT || o.v !== 1) {
      throw failed("NOT_AN_EXPORT", where, null, `{"type":"header","format":"${EXPORT_FORMAT}","v":1}`, raw.slice(0, 40), "Line 1 is not an audit export header: something was put before the export, or this is not an export");
    }
    const nums = [o.from, o.to, o.checkpointSize];
    if (!nums.every((n) => typeof n === "string" && DEC.test(n))) throw failed("MALFORMED_LINE", where, null, "from, to, checkpointSize as decimal strings", "other values", "The export header's range is malformed");
    const [from, to, covering] = nums.map((n) => BigInt(n as string)) as [bigint, bigint, bigint];
    if (from < 1n || to < from || covering < to) throw failed("MALFORMED_LINE", where, null, "1 ≤ from ≤ to ≤ checkpointSize", `${from}, ${to}, ${covering}`, "The export header's range is impossible");
    this.from = from;
    this.to = to;
    this.covering = covering;
    report.from = from;
    report.to = to;
    if (!this.key) {
      this.key = typeof o.publicKey === "string" ? parsePublicKey(o.publicKey) : null;
      if (!this.key) throw failed("MALFORMED_LINE", where, null, "a public key", String(o.publicKey), "The export header has no usable public key, and none was pinned with --pubkey");
      report.warnings.push("The public key was taken from the export itself: pin it with --pubkey, or anyone able to rewrite the export could also have re-signed it");
    } else if (o.publicKey !== this.key.raw.toString("base64")) {
      report.warnings.push("The export names another public key than the pinned one; signatures were checked against the pinned key");
    }
    report.keyId = keyIdOf(this.key.raw);
    for (const s of this.opts.checkpoints ?? []) this.addCheckpoint(s);
    this.phase = "checkpoints";
  }

  private checkpointLine(o: Line, where: string): void {
    const parsed = parseCheckpoint(o);
    if (!parsed.ok) throw failed("MALFORMED_LINE", where, null, "a checkpoint", parsed.problem, `Line ${this.lineNo} is not a valid checkpoint: ${parsed.problem}`);
    this.addCheckpoint({ checkpoint: parsed.checkpoint, where });
  }

  /** A checkpoint (in the export or a checkpoint file): its signed note, its signature under the key, no fork. */
  private addCheckpoint(s: SourcedCheckpoint): void {
    this.handed.push(s);
    const c = s.checkpoint;
    const key = this.key!;
    const noteProblem = checkNote(s, key.raw);
    if (noteProblem) throw new Failed(noteProblem);
    if (!verifyCheckpointSignature(c, c.signature, key.key)) {
      throw failed("BAD_SIGNATURE", s.where, BigInt(c.treeSize), `a signature by key ${this.report.keyId}`, `key id ${c.keyId}`,
        `Checkpoint #${c.treeSize} (${s.where}) is not signed by the pinned key ${this.report.keyId}: it was forged, altered, or signed by another key (${c.keyId})`);
    }
    const seen = this.cps.get(c.treeSize);
    if (seen && seen.checkpoint.rootHash !== c.rootHash) {
      throw failed("CHECKPOINT_FORK", s.where, BigInt(c.treeSize), seen.checkpoint.rootHash, c.rootHash,
        `Two validly signed checkpoints of ${c.treeSize} entries (${seen.where} and ${s.where}) have different roots: the log was forked`);
    }
    if (!seen) this.cps.set(c.treeSize, s);
  }

  /** The subtrees before the range: the compact range starts from them. */
  private prefix(o: Line, where: string): void {
    const pieces = parseSubtrees(o.subtrees, 0, Number(this.from) - 1, where);
    this.range = new CompactRange(nodeHasher);
    for (const p of pieces) this.range.appendSubtree(p.level, p.hash);
    if (this.from > 1n) this.checkAtSize(this.from - 1n, null, where);
    this.phase = "entries";
  }

  /** One entry: its format, sequence, link and hash (verify-chain.ts), then its leaf into the root. */
  private entry(o: Line, where: string): void {
    const parsed = entryFromJson(o);
    const expectedSeq = this.from + this.count;
    if (!parsed.ok) throw failed("MALFORMED_ENTRY", where, expectedSeq, "an audit entry", parsed.problem, `Line ${this.lineNo} (entry #${expectedSeq} expected): ${parsed.problem}`);
    const e = parsed.entry;
    if (this.count === 0n && this.from > 1n) this.prev = { seq: this.from - 1n, hash: e.prevHash };
    if (e.seq > this.to) throw failed("HEAD_MISMATCH", where, e.seq, `entries up to #${this.to}`, `#${e.seq}`, `Entry #${e.seq} (line ${this.lineNo}) lies past the export's range #${this.from}–#${this.to}`);
    for (const f of verifyEntryAll(this.prev, e)) {
      this.chainBreaks++;
      this.note({ kind: f.kind, where, seq: f.seq, expected: f.expected, actual: f.actual, message: `${f.message} (line ${this.lineNo})` });
    }
    if (e.seq !== this.prev.seq + 1n) this.rootsComparable = false;
    // Checkpoints of entries that are missing cannot be compared (the gap is reported).
    if (this.rootsComparable) this.range.appendLeafHash(leafHashOf(e));
    this.prev = { seq: e.seq, hash: e.entryHash };
    this.count++;
    this.report.entries++;
    this.checkAtSize(e.seq, e.entryHash, where);
  }

  /** The subtrees after the range, up to the covering checkpoint, which must be at hand. */
  private suffix(o: Line, where: string): void {
    const { to, covering } = this;
    if (this.prev.seq !== to) {
      const last = this.prev.seq;
      throw failed("TRUNCATED", where, last + 1n, `entries up to #${to}`, `entries up to #${last}`,
        `The export's entries end at #${last} but its header covers #${to}: entries #${last + 1n}–#${to} are missing`);
    }
    const pieces = parseSubtrees(o.subtrees, Number(to), Number(covering), where);
    if (this.rootsComparable) for (const p of pieces) this.range.appendSubtree(p.level, p.hash);
    if (!this.cps.has(covering.toString())) {
      throw failed("NO_CHECKPOINT", where, covering, `a checkpoint of ${covering} entries`, "none", `The export names checkpoint #${covering} as covering it, but no such checkpoint is in the export or the checkpoint files`);
    }
    if (covering > to) this.checkAtSize(covering, null, where);
    this.phase = "end";
  }

  /** The end line counts the entries. */
  private end(o: Line, where: string): void {
    if (o.entries !== this.count.toString()) throw failed("TRUNCATED", where, null, String(o.entries), this.count.toString(), `The end line counts ${String(o.entries)} entries but the export holds ${this.count}`);
    this.phase = "done";
  }

  /** The file reached its end line (it was not empty and not cut off). */
  private checkComplete(): void {
    const { phase, lineNo } = this;
    if (phase === "header") throw failed("NOT_AN_EXPORT", null, null, "an export header", "an empty file", "The export is empty");
    if (phase !== "done") {
      throw failed("INCOMPLETE", `line ${lineNo}`, phase === "entries" ? this.from + this.count : null, "an end line", `the file stops at line ${lineNo}`,
        `The export stops at line ${lineNo} before its end line: the file was cut off (last entry read: #${this.from + this.count - 1n})`);
    }
  }

  /** Compares the recomputed root (and, for an entry in the range, its hash) with a checkpoint of this size, if there is one. */
  private checkAtSize(size: bigint, lastHash: string | null, where: string): void {
    const s = this.cps.get(size.toString());
    if (!s) return;
    const { from } = this;
    const since = this.lastVerifiedCheckpoint === null ? from : this.lastVerifiedCheckpoint + 1n;
    this.lastVerifiedCheckpoint = size;
    const headMatches = lastHash !== null && lastHash === s.checkpoint.headHash;
    if (this.rootsComparable && BigInt(this.range.end) === size) {
      const root = toHex(this.range.root());
      if (root === s.checkpoint.rootHash) {
        this.recomputed.add(size.toString());
        this.report.rootsRecomputed++;
      } else {
        this.rootsComparable = false;
        // The entries from `from` to here chain onto the hash the checkpoint signed: they are what was signed,
        // so the root can only be wrong because of the subtrees before the range.
        const prefixOnly = from > 1n && this.chainBreaks === 0 && (lastHash === null ? size === from - 1n : headMatches);
        if (prefixOnly) {
          this.note({ kind: "PREFIX_MISMATCH", where, seq: null, expected: s.checkpoint.rootHash, actual: root,
            message: `The subtree hashes for the entries before #${from} (outside this export) do not lead to the root checkpoint #${size} signed, although the entries #${from}–#${size} match its head hash: entries before #${from} were changed, or the prefix line was` });
        } else {
          this.note({ kind: "ROOT_MISMATCH", where, seq: size, expected: s.checkpoint.rootHash, actual: root,
            message: `Entries up to #${size} hash to root ${root.slice(0, 12)}… but checkpoint #${size} (${s.where}) signed ${s.checkpoint.rootHash.slice(0, 12)}…: ` +
              `an entry in #${since}–#${size} was changed, inserted or removed after that checkpoint and the chain hashes recomputed` });
        }
      }
    }
    if (lastHash !== null && !headMatches) {
      this.note({ kind: "CHECKPOINT_HEAD_MISMATCH", where, seq: size, expected: s.checkpoint.headHash, actual: lastHash,
        message: `Entry #${size} has hash ${lastHash.slice(0, 12)}… but checkpoint #${size} (${s.where}) records ${s.checkpoint.headHash.slice(0, 12)}…` });
    }
  }

  /** Consistency between successive checkpoints, smallest first: recomputed from the same entries, or by a proof. */
  private checkSuccessiveCheckpoints(): void {
    const sorted = [...this.cps.values()].sort((a, b) => (BigInt(a.checkpoint.treeSize) < BigInt(b.checkpoint.treeSize) ? -1 : 1));
    this.report.checkpoints = sorted.length;
    for (let i = 1; i < sorted.length; i++) {
      const a = sorted[i - 1]!, b = sorted[i]!;
      const [sa, sb] = [a.checkpoint.treeSize, b.checkpoint.treeSize];
      if (this.recomputed.has(sa) && this.recomputed.has(sb)) continue;
      if (this.handed.some((h) => h.checkpoint.treeSize === sb && h.checkpoint.consistency?.fromSize === sa)) continue; // checkCarriedProofs
      const proof = b.checkpoint.consistency;
      this.note({ kind: "NO_CONSISTENCY_PROOF", where: b.where, seq: BigInt(sb), expected: `a consistency proof from #${sa}`, actual: proof ? `a proof from #${proof.fromSize}` : "none",
        message: `Checkpoint #${sb} (${b.where}) carries no consistency proof from checkpoint #${sa} (${a.where}), and the export does not cover both: their consistency cannot be checked` });
    }
  }

  /** Every proof handed over is checked (once per distinct proof), or refused. */
  private checkCarriedProofs(): void {
    const checked = new Set<string>();
    for (const h of this.handed) {
      const c = h.checkpoint;
      if (!c.consistency) continue;
      const id = `${c.consistency.fromSize}>${c.treeSize}:${c.consistency.proof.join(",")}`;
      if (checked.has(id)) continue;
      checked.add(id);
      const r = checkCarriedProof(h, this.cps.get(c.consistency.fromSize) ?? null);
      if (r) this.note(r);
      else this.report.consistencyProofsVerified++;
    }
  }
}

/** A version-2 checkpoint's signed note must be exactly the one its fields and the key give (signed-note.ts). */
export function checkNote(s: SourcedCheckpoint, rawKey: Uint8Array): ExportFailure | null {
  const c = s.checkpoint;
  if (c.note === undefined) return null;
  const expected = signedNote(c, rawKey);
  if (c.note === expected) return null;
  return { kind: "BAD_SIGNATURE", where: s.where, seq: BigInt(c.treeSize), expected: JSON.stringify(expected), actual: JSON.stringify(c.note),
    message: `Checkpoint #${c.treeSize} (${s.where}) carries a signed note that is not the one its fields and the pinned key give` };
}

/**
 * The consistency proof a checkpoint carries, verified against the
 * checkpoint it starts from (RFC 9162 §2.1.4.2, both roots); UNCHECKED_PROOF
 * when that checkpoint is not at hand, so no proof is ever passed over.
 */
export function checkCarriedProof(s: SourcedCheckpoint, fromCheckpoint: SourcedCheckpoint | null): ExportFailure | null {
  const c = s.checkpoint;
  const proof = c.consistency;
  if (!proof) return null;
  if (!fromCheckpoint) {
    return { kind: "UNCHECKED_PROOF", where: s.where, seq: BigInt(c.treeSize), expected: `checkpoint #${proof.fromSize}, to check the proof against`, actual: "not in the export or the checkpoint files",
      message: `Checkpoint #${c.treeSize} (${s.where}) carries a consistency proof from checkpoint #${proof.fromSize}, which is not at hand, so the proof cannot be checked: pass the checkpoint file with --checkpoint` };
  }
  const a = fromCheckpoint.checkpoint;
  const r = verifyConsistency(nodeHasher, BigInt(a.treeSize), BigInt(c.treeSize), fromHex32(a.rootHash)!, fromHex32(c.rootHash)!, proof.proof.map((h) => fromHex32(h)!));
  if (r.ok) return null;
  return { kind: "INCONSISTENT_CHECKPOINTS", where: s.where, seq: BigInt(c.treeSize), expected: r.failure.expected, actual: r.failure.actual,
    message: `Checkpoint #${c.treeSize} (${s.where}) does not extend checkpoint #${a.treeSize} (${fromCheckpoint.where}): ${r.failure.message}` };
}

/** Checks checkpoint files alone (signatures, forks, consistency proofs: every one handed over), without an export. */
export async function verifyCheckpointsOnly(publicKey: string, checkpoints: readonly SourcedCheckpoint[]): Promise<ExportReport> {
  const sorted = [...checkpoints].sort((a, b) => (BigInt(a.checkpoint.treeSize) < BigInt(b.checkpoint.treeSize) ? -1 : 1));
  const last = sorted[sorted.length - 1];
  if (!last) throw new VerifyUsageError("no checkpoints to verify");
  const key = parsePublicKey(publicKey);
  if (!key) throw new VerifyUsageError("--pubkey must be an Ed25519 public key: base64 of 32 bytes, 64 hex characters, or a PEM file");
  const report: ExportReport = { ok: false, failure: null, failures: [], entries: 0, from: null, to: null, checkpoints: sorted.length, rootsRecomputed: 0, consistencyProofsVerified: 0, keyId: keyIdOf(key.raw), keyPinned: true, warnings: [] };
  const seen = new Map<string, SourcedCheckpoint>();
  const fail = (f: ExportFailure) => {
    report.failures.push(f);
    report.failure = report.failures[0]!;
    return report;
  };
  for (const s of sorted) {
    const c = s.checkpoint;
    const noteProblem = checkNote(s, key.raw);
    if (noteProblem) return fail(noteProblem);
    if (!verifyCheckpointSignature(c, c.signature, key.key)) {
      return fail({ kind: "BAD_SIGNATURE", where: s.where, seq: BigInt(c.treeSize), expected: `a signature by key ${report.keyId}`, actual: `key id ${c.keyId}`, message: `Checkpoint #${c.treeSize} (${s.where}) is not signed by the pinned key ${report.keyId}` });
    }
    const dup = seen.get(c.treeSize);
    if (dup && dup.checkpoint.rootHash !== c.rootHash) {
      return fail({ kind: "CHECKPOINT_FORK", where: s.where, seq: BigInt(c.treeSize), expected: dup.checkpoint.rootHash, actual: c.rootHash, message: `Two validly signed checkpoints of ${c.treeSize} entries (${dup.where} and ${s.where}) have different roots: the log was forked` });
    }
    const prevCp = [...seen.values()].filter((p) => p.checkpoint.treeSize !== c.treeSize).pop();
    if (!dup) seen.set(c.treeSize, s);
    if (!prevCp || dup) continue;
    if (c.consistency?.fromSize !== prevCp.checkpoint.treeSize) {
      return fail({ kind: "NO_CONSISTENCY_PROOF", where: s.where, seq: BigInt(c.treeSize), expected: `a proof from #${prevCp.checkpoint.treeSize}`, actual: c.consistency ? `from #${c.consistency.fromSize}` : "none", message: `Checkpoint #${c.treeSize} (${s.where}) carries no consistency proof from checkpoint #${prevCp.checkpoint.treeSize}` });
    }
  }
  // Every proof handed over, duplicates and the first checkpoint's included.
  const checked = new Set<string>();
  for (const s of sorted) {
    const proof = s.checkpoint.consistency;
    if (!proof) continue;
    const id = `${proof.fromSize}>${s.checkpoint.treeSize}:${proof.proof.join(",")}`;
    if (checked.has(id)) continue;
    checked.add(id);
    const f = checkCarriedProof(s, seen.get(proof.fromSize) ?? null);
    if (f) return fail(f);
    report.consistencyProofsVerified++;
  }
  report.ok = true;
  return report;
}
