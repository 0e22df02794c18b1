/** The RFC 6962 hasher over node:crypto's SHA-256, for the server and the offline verifier (fast path). */
import { createHash } from "node:crypto";
import { merkleHasher, type MerkleHasher } from "../../domain/audit/merkle/hasher";

export const nodeSha256 = (data: Uint8Array): Uint8Array => createHash("sha256").update(data).digest();

export const nodeHasher: MerkleHasher = merkleHasher(nodeSha256);
