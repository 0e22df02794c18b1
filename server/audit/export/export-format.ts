/**
 * The audit export, JSON Lines, in the order a streaming verifier needs it:
 *
 *   {"type":"header","format":"qecnet-audit-export","v":1,"from","to","checkpointSize","exportedAt","publicKey","keyId"}
 *   {"type":"checkpoint", ...signed checkpoint}        every checkpoint with from ≤ treeSize ≤ checkpointSize, ascending
 *                                                      (the first without its consistency proof: it starts outside the export)
 *   {"type":"prefix","subtrees":[{level,index,hash}]}   the tree's subtrees left of the range (leaves 0..from-2)
 *   {"type":"entry", ...entry}                          entries #from..#to
 *   {"type":"suffix","subtrees":[...]}                  subtrees right of the range up to checkpointSize
 *   {"type":"end","entries":"n"}
 *
 * With prefix and suffix a verifier recomputes the root of the covering
 * checkpoint (and of every checkpoint inside the range) from the entries it
 * holds, so a partial export is as verifiable as a whole one. Nothing in the
 * export is trusted: the public key in the header is only a hint, to be
 * compared with the pinned one.
 */
import { canonicalJson } from "../../domain/audit/canonical-json";
import type { AuditEntryRecord } from "../../domain/audit/types";
import { decompose } from "../../domain/audit/merkle/compact-range";
import { toHex } from "../../domain/audit/merkle/hasher";
import type { SubtreeOracle } from "../../domain/audit/merkle/proofs";
import { entryToJson } from "../../domain/audit/audit-leaf";
import type { PublishedCheckpoint } from "../../domain/audit/checkpoint-format";
import { checkpointLine } from "../checkpoint/checkpoint-file";

export const EXPORT_FORMAT = "qecnet-audit-export";

export interface ExportSubtreeJson {
  level: number;
  index: string;
  hash: string;
}

export interface ExportSource {
  from: bigint;
  to: bigint;
  covering: PublishedCheckpoint;
  publicKey: string;
  keyId: string;
  checkpoints: () => AsyncIterable<PublishedCheckpoint>;
  entries: () => AsyncIterable<readonly AuditEntryRecord[]>;
  oracle: SubtreeOracle;
  exportedAt: Date;
}

async function subtrees(oracle: SubtreeOracle, begin: number, end: number): Promise<ExportSubtreeJson[]> {
  const out: ExportSubtreeJson[] = [];
  for (const p of decompose(begin, end)) out.push({ level: p.level, index: String(p.index), hash: toHex(await oracle(p.level, p.index)) });
  return out;
}

/** The export's lines, each ending in "\n"; entries are read page by page. */
export async function* exportJsonLines(s: ExportSource): AsyncGenerator<string> {
  const size = Number(s.covering.treeSize);
  yield `${canonicalJson({
    type: "header", format: EXPORT_FORMAT, v: 1, from: s.from.toString(), to: s.to.toString(), checkpointSize: s.covering.treeSize,
    exportedAt: s.exportedAt.toISOString(), publicKey: s.publicKey, keyId: s.keyId,
  })}\n`;
  // A carried proof from a checkpoint before the range could not be checked by the reader: it is left out.
  const listed = new Set<string>();
  for await (const c of s.checkpoints()) {
    const consistency = c.consistency && listed.has(c.consistency.fromSize) ? c.consistency : null;
    listed.add(c.treeSize);
    yield `${checkpointLine({ type: "checkpoint", ...c, consistency } as PublishedCheckpoint)}\n`;
  }
  yield `${canonicalJson({ type: "prefix", subtrees: [...(await subtrees(s.oracle, 0, Number(s.from) - 1))] as never })}\n`;
  let n = 0n;
  for await (const page of s.entries()) {
    let chunk = "";
    for (const e of page) {
      chunk += `${canonicalJson({ type: "entry", ...entryToJson(e) })}\n`;
      n++;
    }
    yield chunk;
  }
  yield `${canonicalJson({ type: "suffix", subtrees: [...(await subtrees(s.oracle, Number(s.to), size))] as never })}\n`;
  yield `${canonicalJson({ type: "end", entries: n.toString() })}\n`;
}

const CSV_COLUMNS = ["seq", "at", "actor", "action", "subject_type", "subject_id", "from_state", "to_state", "details", "prev_hash", "entry_hash"];

function csvCell(v: string | null): string {
  if (v === null) return "";
  // A leading =, +, - or @ would run as a formula in a spreadsheet: quote it as text.
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\n\r]/.test(safe) || safe !== v ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The same entries as CSV for people (not verifiable: use JSON Lines for that). */
export async function* exportCsv(entries: AsyncIterable<readonly AuditEntryRecord[]>): AsyncGenerator<string> {
  yield `${CSV_COLUMNS.join(",")}\r\n`;
  for await (const page of entries) {
    let chunk = "";
    for (const e of page) {
      chunk += `${[e.seq.toString(), e.at.toISOString(), e.actor, e.action, e.subjectType, e.subjectId, e.fromState, e.toState, canonicalJson(e.details), e.prevHash, e.entryHash].map(csvCell).join(",")}\r\n`;
    }
    yield chunk;
  }
}
