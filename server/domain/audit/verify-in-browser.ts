/**
 * Inclusion of one audit entry in a signed checkpoint, verified where it is
 * shown: in the browser, with no trust in the server's answer. Every step is
 * recomputed from the entry the page displays: its entry hash (domain
 * separated, as entry-hash.ts), its RFC 6962 leaf, the path to the root of the
 * proof's checkpoint (RFC 9162 verification, every step), and the checkpoint's
 * Ed25519 signature (Web Crypto) under the pinned public key.
 *
 * Pure TypeScript plus Web Crypto (available in browsers and Node 20).
 */
import { canonicalJson } from "./canonical-json";
import type { AuditEntryRecord } from "./types";
import { fromHex32, merkleHasher, toHex } from "./merkle/hasher";
import { verifyInclusion } from "./merkle/proofs";
import { sha256 } from "./merkle/sha256";
import { leafData } from "./audit-leaf";
import { checkpointMessage, keyIdInput, type PublishedCheckpoint } from "./checkpoint-format";

const hasher = merkleHasher(sha256);
/** entry-hash.ts's AUDIT_HASH_DOMAIN, repeated so this file does not pull node:crypto into the browser (a test checks they agree). */
export const ENTRY_HASH_DOMAIN = "QECNET-AUDIT-ENTRY-V1";
const encoder = new TextEncoder();

export interface VerificationStep {
  name: string;
  ok: boolean;
  detail: string;
}

export interface InclusionProofInput {
  checkpoint: PublishedCheckpoint;
  leafIndex: string;
  proof: string[];
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function fromBase64(b64: string): Uint8Array | null {
  try {
    const bin = atob(b64);
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

/** The entry hash as entry-hash.ts computes it, with the pure SHA-256. */
export function entryHashInBrowser(e: AuditEntryRecord): string {
  const text = canonicalJson({
    v: 1, seq: e.seq.toString(), at: e.at.toISOString(), actor: e.actor, action: e.action, subjectType: e.subjectType,
    subjectId: e.subjectId, fromState: e.fromState, toState: e.toState, details: e.details, prevHash: e.prevHash,
  });
  return toHex(sha256(concat(encoder.encode(ENTRY_HASH_DOMAIN), Uint8Array.of(0), encoder.encode(text))));
}

export function keyIdInBrowser(rawPublicKey: Uint8Array): string {
  return toHex(sha256(keyIdInput(rawPublicKey))).slice(0, 16);
}

/** Runs every step and reports each; `ok` only when all pass. */
export async function verifyInclusionInBrowser(
  entry: AuditEntryRecord,
  input: InclusionProofInput,
  publicKeyBase64: string,
  subtle: SubtleCrypto = globalThis.crypto.subtle,
): Promise<{ ok: boolean; steps: VerificationStep[] }> {
  const steps: VerificationStep[] = [];
  const cp = input.checkpoint;

  const recomputed = entryHashInBrowser(entry);
  steps.push({ name: "Entry hash", ok: recomputed === entry.entryHash, detail: recomputed === entry.entryHash ? `recomputed ${recomputed.slice(0, 16)}… matches` : `recomputed ${recomputed.slice(0, 16)}… but the entry shows ${entry.entryHash.slice(0, 16)}…` });

  const index = BigInt(input.leafIndex);
  const size = BigInt(cp.treeSize);
  const indexOk = index === entry.seq - 1n;
  steps.push({ name: "Position", ok: indexOk, detail: indexOk ? `leaf ${index} of ${size}` : `the proof is for leaf ${index}, entry #${entry.seq} is leaf ${entry.seq - 1n}` });

  const root = fromHex32(cp.rootHash);
  const proof = input.proof.map(fromHex32);
  let inclusionOk = false;
  let inclusionDetail = "the checkpoint's root or a proof hash is not a 32-byte hex hash";
  if (root && proof.every((p) => p !== null)) {
    const leaf = hasher.leaf(leafData(entry));
    const r = verifyInclusion(hasher, index, size, leaf, proof as Uint8Array[], root);
    inclusionOk = r.ok;
    inclusionDetail = r.ok ? `${proof.length} proof hashes lead from the entry's leaf to root ${cp.rootHash.slice(0, 16)}…` : r.failure.message;
  }
  steps.push({ name: "Merkle inclusion", ok: inclusionOk, detail: inclusionDetail });

  if (entry.seq === size) {
    const headOk = cp.headHash === entry.entryHash;
    steps.push({ name: "Checkpoint head", ok: headOk, detail: headOk ? "the checkpoint ends at this entry's hash" : "the checkpoint records another hash for this entry" });
  }

  const raw = fromBase64(publicKeyBase64);
  const sig = fromBase64(cp.signature);
  let sigOk = false;
  let sigDetail = "the public key or the signature is not valid base64 of the right length";
  if (raw && raw.length === 32 && sig && sig.length === 64) {
    try {
      const key = await subtle.importKey("raw", raw as BufferSource, { name: "Ed25519" }, false, ["verify"]);
      sigOk = await subtle.verify({ name: "Ed25519" }, key, sig as BufferSource, checkpointMessage(cp) as BufferSource);
      const keyId = keyIdInBrowser(raw);
      sigDetail = sigOk ? `Ed25519 signature of checkpoint #${cp.treeSize} valid under key ${keyId}` : `the signature of checkpoint #${cp.treeSize} does not verify under key ${keyId}`;
    } catch (err) {
      sigDetail = `this browser cannot verify Ed25519 signatures (${(err as Error).message})`;
    }
  }
  steps.push({ name: "Signature", ok: sigOk, detail: sigDetail });
  return { ok: steps.every((s) => s.ok), steps };
}
