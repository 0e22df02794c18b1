/**
 * The test vectors of docs/audit-format.md, read from the document itself
 * and recomputed with the project's code, so the specification and the code
 * cannot drift apart; and RFC 8785 (JCS) checked against a second opinion,
 * the published `canonicalize` package, on the vectors and on random JSON.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import canonicalize from "canonicalize";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../domain/audit/canonical-json";
import { canonicalEntryBytes, computeEntryHash } from "../entry-hash";
import { entryFromJson, leafText } from "../../domain/audit/audit-leaf";
import { leafHashOf } from "../checkpoint/leaf-hash";
import { checkpointMessage, checkpointNoteBody, parseCheckpoint } from "../../domain/audit/checkpoint-format";
import { noteKeyHash, noteVerifierKey, signedNote } from "../checkpoint/signed-note";
import { keyIdOf, parsePublicKey, verifyCheckpointSignature } from "../checkpoint/signing-key";
import { CompactRange } from "../../domain/audit/merkle/compact-range";
import { fromHex32, toHex } from "../../domain/audit/merkle/hasher";
import { nodeHasher } from "../merkle/node-hasher";
import { verifyConsistency, verifyInclusion } from "../../domain/audit/merkle/proofs";
import { verifyExport } from "../offline/verify-export";
import type { AuditEntryRecord } from "../../domain/audit/types";

type Vector = Record<string, unknown> & { vector: string };

const DOC = readFileSync(resolve(import.meta.dirname, "../../../docs/audit-format.md"), "utf8");
const vectors: Vector[] = [...DOC.matchAll(/```json\n([\s\S]*?)\n```/g)]
  .map((m) => JSON.parse(m[1]!) as Record<string, unknown>)
  .filter((o): o is Vector => typeof o.vector === "string");
const vector = <T,>(name: string): T & Vector => {
  const found = vectors.filter((v) => v.vector === name);
  expect(found, `docs/audit-format.md has exactly one "${name}" vector`).toHaveLength(1);
  return found[0] as T & Vector;
};
const entry = (json: unknown): AuditEntryRecord => {
  const parsed = entryFromJson({ entryHash: "0".repeat(64), ...(json as object) });
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.entry;
};
const hex32 = (h: string) => fromHex32(h)!;

describe("docs/audit-format.md test vectors", () => {
  it("the document holds every kind of vector", () => {
    expect(vectors.map((v) => v.vector).sort()).toEqual(
      ["checkpoint-v1", "checkpoint-v2", "entry-hash", "export", "jcs", "key", "leaf", "node", "tree"].sort(),
    );
  });

  it("jcs: RFC 8785 canonical JSON, ours and the published `canonicalize` agree with the document", () => {
    const v = vector<{ cases: Array<{ input: string; canonical: string }> }>("jcs");
    for (const c of v.cases) {
      const value: unknown = JSON.parse(c.input);
      expect(canonicalJson(value)).toBe(c.canonical);
      expect(canonicalize(value)).toBe(c.canonical);
    }
  });

  it("entry-hash: the hashed bytes and the entry hash of each entry, #1 starting from 64 zeros", () => {
    const v = vector<{ entries: Array<{ entry: unknown; hashInput: string; entryHash: string }> }>("entry-hash");
    expect((v.entries[0]!.entry as { prevHash: string }).prevHash).toBe("0".repeat(64));
    for (const c of v.entries) {
      const e = entry(c.entry);
      expect(canonicalEntryBytes(e).toString("utf8")).toBe(c.hashInput);
      expect(canonicalize({ ...(c.entry as object), v: 1 })).toBe(c.hashInput); // what the document says, by a second implementation
      expect(computeEntryHash(e)).toBe(c.entryHash);
    }
    expect((v.entries[1]!.entry as { prevHash: string }).prevHash).toBe(v.entries[0]!.entryHash);
  });

  it("leaf: leaf data and leaf hash", () => {
    const v = vector<{ entries: Array<{ entry: { entryHash: string }; leafData: string; leafHash: string }> }>("leaf");
    for (const c of v.entries) {
      const e = { ...entry(c.entry), entryHash: c.entry.entryHash };
      expect(leafText(e)).toBe(c.leafData);
      expect(canonicalize({ ...c.entry, v: 1 })).toBe(c.leafData);
      expect(toHex(leafHashOf(e))).toBe(c.leafHash);
    }
  });

  it("node: SHA-256(0x01 || left || right)", () => {
    const v = vector<{ left: string; right: string; node: string }>("node");
    expect(toHex(nodeHasher.node(hex32(v.left), hex32(v.right)))).toBe(v.node);
  });

  it("tree: roots, the empty root, an inclusion proof and consistency proofs verify as RFC 9162 says", () => {
    const v = vector<{
      leafHashes: string[]; roots: string[]; emptyRoot: string;
      inclusion: { leafIndex: number; treeSize: number; proof: string[] };
      consistency: Array<{ from: number; to: number; proof: string[] }>;
    }>("tree");
    const range = new CompactRange(nodeHasher);
    expect(toHex(range.root())).toBe(v.emptyRoot);
    v.leafHashes.forEach((leaf, i) => {
      range.appendLeafHash(hex32(leaf));
      expect(toHex(range.root())).toBe(v.roots[i]);
    });
    const inc = v.inclusion;
    expect(verifyInclusion(nodeHasher, BigInt(inc.leafIndex), BigInt(inc.treeSize), hex32(v.leafHashes[inc.leafIndex]!), inc.proof.map(hex32), hex32(v.roots[inc.treeSize - 1]!))).toMatchObject({ ok: true });
    for (const c of v.consistency) {
      expect(verifyConsistency(nodeHasher, BigInt(c.from), BigInt(c.to), hex32(v.roots[c.from - 1]!), hex32(v.roots[c.to - 1]!), c.proof.map(hex32))).toMatchObject({ ok: true });
    }
  });

  it("key: key id, note key hash and note verifier key of the public key", () => {
    const v = vector<{ publicKey: string; keyId: string; noteKeyHash: string; noteVerifierKey: string }>("key");
    const raw = Buffer.from(v.publicKey, "base64");
    expect(raw).toHaveLength(32);
    expect(keyIdOf(raw)).toBe(v.keyId);
    expect(noteKeyHash(raw).toString("hex")).toBe(v.noteKeyHash);
    expect(noteVerifierKey(raw)).toBe(v.noteVerifierKey);
  });

  it("checkpoint-v1: the signed bytes, and an old checkpoint still verifies", () => {
    const v = vector<{ publicKey: string; checkpoint: unknown; message: string }>("checkpoint-v1");
    const parsed = parseCheckpoint(v.checkpoint);
    if (!parsed.ok) throw new Error(parsed.problem);
    const c = parsed.checkpoint;
    expect(c.v).toBe(1);
    expect(new TextDecoder().decode(checkpointMessage(c)).replace("\u0000", "\\u0000")).toBe(v.message);
    expect(verifyCheckpointSignature(c, c.signature, parsePublicKey(v.publicKey)!.key)).toBe(true);
    expect(verifyCheckpointSignature({ ...c, treeSize: "4" }, c.signature, parsePublicKey(v.publicKey)!.key)).toBe(false);
  });

  it("checkpoint-v2: the C2SP checkpoint body, the signed note, and its signature", () => {
    const v = vector<{ publicKey: string; checkpoint: unknown; noteBody: string; note: string }>("checkpoint-v2");
    const parsed = parseCheckpoint(v.checkpoint);
    if (!parsed.ok) throw new Error(parsed.problem);
    const c = parsed.checkpoint;
    expect(c.v).toBe(2);
    expect(checkpointNoteBody(c)).toBe(v.noteBody);
    expect(new TextDecoder().decode(checkpointMessage(c))).toBe(v.noteBody);
    expect(signedNote(c, Buffer.from(v.publicKey, "base64"))).toBe(v.note);
    expect(v.note.startsWith(`${v.noteBody}\n\u2014 qecnet-audit `)).toBe(true);
    expect(verifyCheckpointSignature(c, c.signature, parsePublicKey(v.publicKey)!.key)).toBe(true);
    expect(verifyCheckpointSignature({ ...c, timestamp: "2026-12-01T10:01:00.001Z" }, c.signature, parsePublicKey(v.publicKey)!.key)).toBe(false);
  });

  it("export: the example export verifies offline against the pinned key", async () => {
    const v = vector<{ publicKey: string; lines: string[]; expect: Record<string, unknown> }>("export");
    const r = await verifyExport(v.lines, { publicKey: v.publicKey });
    expect(r.failures).toEqual([]);
    expect(r).toMatchObject(v.expect);
    // and a flipped character in an entry line is caught
    const damaged = v.lines.map((l) => l.replace('"actor":"system:agents"', '"actor":"system:agentz"'));
    expect(damaged).not.toEqual(v.lines);
    expect((await verifyExport(damaged, { publicKey: v.publicKey })).ok).toBe(false);
  });
});

describe("canonical JSON is RFC 8785: a second opinion from the published `canonicalize`", () => {
  // The inputs canonicalJson accepts (docs/audit-format.md §1): no lone surrogates, no integers past 2^53.
  const wellFormed = (s: string) => !/[\uD800-\uDFFF]/u.test(s);
  const str = (maxLength: number) => fc.string({ unit: "binary", maxLength }).filter(wellFormed);
  const num = fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Number.isInteger(n) || Number.isSafeInteger(n));

  it("agrees on random JSON values (objects, arrays, unicode strings and keys, numbers)", () => {
    const json = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: "small" }, fc.constant(null), fc.boolean(), num, fc.integer(), str(12), tie("array"), tie("object")),
      array: fc.array(tie("value"), { maxLength: 5 }),
      object: fc.dictionary(str(6), tie("value"), { maxKeys: 5 }),
    })).value;
    fc.assert(fc.property(json, (value) => canonicalJson(value) === canonicalize(value)), { numRuns: 2000 });
  });

  it("what it refuses is outside its documented subset, never silently different", () => {
    expect(() => canonicalJson({ a: 2 ** 53 })).toThrow(/MAX_SAFE_INTEGER/);
    expect(() => canonicalJson({ a: "\uD800" })).toThrow(/lone UTF-16 surrogate/);
  });
});
