/**
 * Audit exports built in memory for the offline verifier's tests: a real
 * hash chain (chainEntries), real RFC 6962 trees and Ed25519-signed
 * checkpoints, written through the same exportJsonLines the server uses.
 */
import { generateKeyPairSync } from "node:crypto";
import { canonicalJson } from "../domain/audit/canonical-json";
import { chainEntries, GENESIS_HASH } from "../audit/entry-hash";
import type { AuditEntryRecord } from "../domain/audit/types";
import { CompactRange } from "../domain/audit/merkle/compact-range";
import { toHex } from "../domain/audit/merkle/hasher";
import { nodeHasher } from "../audit/merkle/node-hasher";
import { consistencyProof, type SubtreeOracle } from "../domain/audit/merkle/proofs";
import { leafData } from "../domain/audit/audit-leaf";
import { AUDIT_LOG_ID, checkpointBody, checkpointMessage, type PublishedCheckpoint } from "../domain/audit/checkpoint-format";
import { keyIdOf, rawPublicKey } from "../audit/checkpoint/signing-key";
import { exportJsonLines } from "../audit/export/export-format";
import { sign } from "node:crypto";

export interface TestSigner {
  publicKey: string;
  keyId: string;
  sign(c: Omit<PublishedCheckpoint, "signature" | "consistency">): string;
}

export function testSigner(): TestSigner {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const raw = rawPublicKey(publicKey);
  return {
    publicKey: raw.toString("base64"),
    keyId: keyIdOf(raw),
    sign: (c) => sign(null, checkpointMessage(checkpointBody(c)), privateKey).toString("base64"),
  };
}

export function testChain(n: number, variant = ""): AuditEntryRecord[] {
  const drafts = Array.from({ length: n }, (_, i) => ({
    at: new Date(Date.UTC(2026, 2, 1, 8, 0, 0, i * 7)),
    actor: i % 3 ? "ops-2" : "console-operator",
    action: i % 4 ? "KEY_DISTRIBUTED" : "KEY_GENERATED",
    subjectType: "key",
    subjectId: `key-${Math.floor(i / 2)}${i === 4 ? variant : ""}`,
    fromState: i % 4 ? "GENERATED" : null,
    toState: i % 4 ? "DISTRIBUTED" : "GENERATED",
    details: { reason: `step ${i}`, nodes: ["node-a", "node-b"], bits: 256 },
  }));
  return chainEntries(GENESIS_HASH, 1n, drafts);
}

export function leavesOracle(entries: readonly AuditEntryRecord[]): SubtreeOracle {
  return async (level, index) => {
    const range = new CompactRange(nodeHasher, index * 2 ** level);
    for (const e of entries.slice(index * 2 ** level, (index + 1) * 2 ** level)) range.appendLeafHash(nodeHasher.leaf(leafData(e)));
    return range.root();
  };
}

/** Signed checkpoints at `sizes`, each with its consistency proof from the one before. */
export async function testCheckpoints(entries: readonly AuditEntryRecord[], sizes: readonly number[], signer: TestSigner): Promise<PublishedCheckpoint[]> {
  const oracle = leavesOracle(entries);
  const out: PublishedCheckpoint[] = [];
  for (const size of sizes) {
    const range = new CompactRange(nodeHasher);
    for (const e of entries.slice(0, size)) range.appendLeafHash(nodeHasher.leaf(leafData(e)));
    const body = {
      v: 1 as const, log: AUDIT_LOG_ID, treeSize: String(size), rootHash: toHex(range.root()), headHash: entries[size - 1]!.entryHash,
      timestamp: new Date(Date.UTC(2026, 2, 2, 0, size)).toISOString(), keyId: signer.keyId,
    };
    const prev = out[out.length - 1];
    const consistency = prev ? { fromSize: prev.treeSize, proof: (await consistencyProof(nodeHasher, oracle, Number(prev.treeSize), size)).map(toHex) } : null;
    out.push({ ...body, signature: signer.sign(body), consistency });
  }
  return out;
}

/** The export's lines (without "\n") for entries #from..#to, covered by the smallest checkpoint ≥ to. */
export async function testExport(entries: readonly AuditEntryRecord[], checkpoints: readonly PublishedCheckpoint[], signer: TestSigner, from = 1, to = entries.length): Promise<string[]> {
  const covering = checkpoints.find((c) => Number(c.treeSize) >= to);
  if (!covering) throw new Error("no covering checkpoint");
  let text = "";
  for await (const chunk of exportJsonLines({
    from: BigInt(from), to: BigInt(to), covering, publicKey: signer.publicKey, keyId: signer.keyId, exportedAt: new Date("2026-03-03T00:00:00.000Z"),
    checkpoints: async function* () {
      yield* checkpoints.filter((c) => Number(c.treeSize) >= from && Number(c.treeSize) <= Number(covering.treeSize));
    },
    entries: async function* () {
      for (let i = from - 1; i < to; i += 4) yield entries.slice(i, Math.min(i + 4, to));
    },
    oracle: leavesOracle(entries),
  })) text += chunk;
  return text.split("\n").filter((l, i, all) => l !== "" || i < all.length - 1);
}

export const jsonLine = (v: unknown) => canonicalJson(v);
