/**
 * The signed checkpoint of the audit log, and the exact bytes its Ed25519
 * signature covers (docs/audit-format.md is the full specification).
 *
 * Version 2 (published now): a C2SP tlog-checkpoint, signed as a C2SP
 * signed note, so Go's golang.org/x/mod/sumdb/note, Sigstore and witness
 * tooling read it:
 *
 *   message = "qecnet-audit\n" || treeSize || "\n" || base64(root) || "\n"
 *             || "head-hash " || headHash || "\n" || "timestamp " || timestamp || "\n"
 *
 * Version 1 (read, never written any more):
 *
 *   message = "QECNET-AUDIT-CHECKPOINT-V1" || 0x00 || canonicalJson(body)
 *   body    = { v: 1, log: "qecnet-audit", treeSize, rootHash, headHash, timestamp, keyId }
 *
 * treeSize is a decimal string (entries #1..#treeSize are the leaves),
 * rootHash the RFC 6962 root (hex), headHash the entry hash of entry
 * #treeSize (hex; ties the hash chain to the tree: a chain verifier uses it
 * as an anchor), timestamp ISO 8601 UTC with milliseconds, keyId names the
 * signing key. The signature is base64 of the 64-byte Ed25519 signature. A
 * checkpoint as published may carry a consistency proof from the checkpoint
 * before it (not signed: it is verified, not trusted) and, for version 2,
 * the whole signed note (`note`, derived from the rest; signed-note.ts).
 *
 * Pure: no I/O, no node:crypto (runs in the browser too).
 */
import { canonicalJson } from "./canonical-json";

export const CHECKPOINT_DOMAIN = "QECNET-AUDIT-CHECKPOINT-V1";
export const AUDIT_LOG_ID = "qecnet-audit";
export const KEY_ID_DOMAIN = "QECNET-AUDIT-SIGNING-KEY-ID-V1";

/** The version new checkpoints are published in. */
export const CHECKPOINT_VERSION = 2;
/** The C2SP origin line of version-2 checkpoints, also the signed note's key name. */
export const NOTE_ORIGIN = AUDIT_LOG_ID;

export interface CheckpointBody {
  v: 1 | 2;
  log: string;
  treeSize: string;
  rootHash: string;
  headHash: string;
  timestamp: string;
  keyId: string;
}

export interface SignedCheckpoint extends CheckpointBody {
  signature: string;
}

/** A checkpoint as stored and served: signed, plus the proof that it extends the one before. */
export interface PublishedCheckpoint extends SignedCheckpoint {
  consistency: { fromSize: string; proof: string[] } | null;
  /** Version 2: the complete C2SP signed note (body and signature line), for other verifiers. */
  note?: string;
}

const encoder = new TextEncoder();

export function checkpointBody(c: CheckpointBody): CheckpointBody {
  return { v: c.v, log: c.log, treeSize: c.treeSize, rootHash: c.rootHash, headHash: c.headHash, timestamp: c.timestamp, keyId: c.keyId };
}

function hexToBase64(hex: string): string {
  let bin = "";
  for (let i = 0; i < hex.length; i += 2) bin += String.fromCharCode(parseInt(hex.slice(i, i + 2), 16));
  return btoa(bin);
}

/** Version 2: the C2SP tlog-checkpoint text (origin, size, base64 root, then our two extension lines). */
export function checkpointNoteBody(c: CheckpointBody): string {
  return `${NOTE_ORIGIN}\n${c.treeSize}\n${hexToBase64(c.rootHash)}\nhead-hash ${c.headHash}\ntimestamp ${c.timestamp}\n`;
}

/** The bytes the signature covers (by version). */
export function checkpointMessage(c: CheckpointBody): Uint8Array {
  if (c.v === 2) return encoder.encode(checkpointNoteBody(c));
  const body = encoder.encode(canonicalJson({ ...checkpointBody(c) }));
  const domain = encoder.encode(CHECKPOINT_DOMAIN);
  const out = new Uint8Array(domain.length + 1 + body.length);
  out.set(domain);
  out[domain.length] = 0;
  out.set(body, domain.length + 1);
  return out;
}

/** The key id input: "QECNET-AUDIT-SIGNING-KEY-ID-V1" || 0x00 || raw 32-byte public key; id = first 16 hex of its SHA-256. */
export function keyIdInput(rawPublicKey: Uint8Array): Uint8Array {
  const domain = encoder.encode(KEY_ID_DOMAIN);
  const out = new Uint8Array(domain.length + 1 + rawPublicKey.length);
  out.set(domain);
  out.set(rawPublicKey, domain.length + 1);
  return out;
}

const HEX64 = /^[0-9a-f]{64}$/;
const SIZE = /^(0|[1-9][0-9]{0,18})$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Validates the shape of a checkpoint from a file, an export or an endpoint. */
export function parseCheckpoint(value: unknown): { ok: true; checkpoint: PublishedCheckpoint } | { ok: false; problem: string } {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return { ok: false, problem: "not a JSON object" };
  const o = value as Record<string, unknown>;
  if (o.v !== 1 && o.v !== 2) return { ok: false, problem: `unsupported checkpoint version ${JSON.stringify(o.v)}` };
  if (o.note !== undefined && (o.v !== 2 || typeof o.note !== "string")) return { ok: false, problem: "note must be the signed note text of a version 2 checkpoint" };
  if (o.log !== AUDIT_LOG_ID) return { ok: false, problem: `log must be "${AUDIT_LOG_ID}", got ${JSON.stringify(o.log)}` };
  if (typeof o.treeSize !== "string" || !SIZE.test(o.treeSize)) return { ok: false, problem: "treeSize must be a decimal string" };
  if (typeof o.rootHash !== "string" || !HEX64.test(o.rootHash)) return { ok: false, problem: "rootHash must be 64 lowercase hex characters" };
  if (typeof o.headHash !== "string" || !HEX64.test(o.headHash)) return { ok: false, problem: "headHash must be 64 lowercase hex characters" };
  if (typeof o.timestamp !== "string" || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(o.timestamp) || Number.isNaN(Date.parse(o.timestamp))) {
    return { ok: false, problem: "timestamp must be an ISO 8601 UTC time with milliseconds" };
  }
  if (typeof o.keyId !== "string" || !/^[0-9a-f]{16}$/.test(o.keyId)) return { ok: false, problem: "keyId must be 16 lowercase hex characters" };
  if (typeof o.signature !== "string" || !BASE64.test(o.signature)) return { ok: false, problem: "signature must be base64" };
  let consistency: PublishedCheckpoint["consistency"] = null;
  if (o.consistency !== undefined && o.consistency !== null) {
    const c = o.consistency as Record<string, unknown>;
    if (typeof c.fromSize !== "string" || !SIZE.test(c.fromSize) || !Array.isArray(c.proof) || !c.proof.every((p) => typeof p === "string" && HEX64.test(p))) {
      return { ok: false, problem: "consistency must be { fromSize: decimal string, proof: [64-hex hashes] }" };
    }
    consistency = { fromSize: c.fromSize, proof: c.proof as string[] };
  }
  return {
    ok: true,
    checkpoint: { ...checkpointBody(o as unknown as CheckpointBody), signature: o.signature, consistency, ...(typeof o.note === "string" ? { note: o.note } : {}) },
  };
}
