/**
 * The audit Merkle tree in PostgreSQL. Leaves are never stored: a leaf hash is
 * recomputed from its entry (audit-leaf.ts). Perfect subtrees of 2^8 leaves
 * and more are kept in audit_merkle_nodes as checkpoints complete them, so a
 * proof or a resumed frontier reads O(log n) stored nodes plus at most a few
 * hundred entries, and a 1M-entry log holds ~8k node rows.
 */
import type pg from "pg";
import { toRecord } from "../audit-log";
import type { AuditEntryRecord } from "../../domain/audit/types";
import { decompose, pow2, CompactRange, type Subtree } from "../../domain/audit/merkle/compact-range";
import { nodeHasher } from "../merkle/node-hasher";
import type { SubtreeOracle } from "../../domain/audit/merkle/proofs";
import { leafHashOf } from "./leaf-hash";
import { readEntryPages } from "../entry-pages";

export const STORED_MIN_LEVEL = 8;

interface EntryRow {
  seq: string;
  at: Date;
  actor: string;
  action: string;
  subject_type: string;
  subject_id: string;
  from_state: string | null;
  to_state: string | null;
  details: unknown;
  prev_hash: string;
  entry_hash: string;
}

export function rowToRecord(r: EntryRow): AuditEntryRecord {
  return toRecord({
    seq: BigInt(r.seq), at: r.at, actor: r.actor, action: r.action, subjectType: r.subject_type, subjectId: r.subject_id,
    fromState: r.from_state, toState: r.to_state, details: r.details as never, prevHash: r.prev_hash, entryHash: r.entry_hash,
  });
}

export { readEntryPages };
export { leafHashOf };

export async function insertNodes(client: pg.ClientBase, nodes: readonly Subtree[]): Promise<void> {
  for (let i = 0; i < nodes.length; i += 5000) {
    const chunk = nodes.slice(i, i + 5000);
    await client.query(
      `INSERT INTO audit_merkle_nodes (level, idx, hash)
       SELECT * FROM unnest($1::smallint[], $2::bigint[], $3::bytea[]) ON CONFLICT DO NOTHING`,
      [chunk.map((n) => n.level), chunk.map((n) => String(n.index)), chunk.map((n) => Buffer.from(n.hash))],
    );
  }
}

/**
 * Subtree hashes for proofs and frontiers: stored nodes for levels ≥ 8,
 * recomputed from entries below that (or when a stored node is missing).
 * Reads through `client`, so inside a transaction it sees that transaction's
 * nodes. Caches what it computed for the life of the oracle.
 */
export function storeOracle(client: pg.ClientBase | pg.Pool): SubtreeOracle {
  const cache = new Map<string, Uint8Array>();
  const fromLeaves = async (level: number, index: number): Promise<Uint8Array> => {
    const begin = index * pow2(level);
    const range = new CompactRange(nodeHasher, begin);
    for await (const page of readEntryPages(client, BigInt(begin), BigInt(begin + pow2(level)))) {
      for (const e of page) range.appendLeafHash(leafHashOf(e));
    }
    if (range.size !== pow2(level)) {
      throw new Error(`audit entries #${begin + range.size + 1}… are missing: cannot hash leaves ${begin}..${begin + pow2(level) - 1}`);
    }
    return range.root();
  };
  return async (level, index) => {
    const k = `${level}:${index}`;
    const hit = cache.get(k);
    if (hit) return hit;
    let hash: Uint8Array | undefined;
    if (level >= STORED_MIN_LEVEL) {
      const { rows } = await client.query<{ hash: Buffer }>({
        name: "qecnet-audit-merkle-node",
        text: "SELECT hash FROM audit_merkle_nodes WHERE level = $1 AND idx = $2",
        values: [level, String(index)],
      });
      if (rows[0]) hash = new Uint8Array(rows[0].hash);
    }
    hash ??= await fromLeaves(level, index);
    cache.set(k, hash);
    return hash;
  };
}

/** The frontier of the tree of `size` leaves, from stored nodes and the last few entries. */
export async function loadFrontier(oracle: SubtreeOracle, size: number, onComplete?: (s: Subtree) => void): Promise<CompactRange> {
  const range = new CompactRange(nodeHasher, 0, onComplete);
  for (const p of decompose(0, size)) range.appendSubtree(p.level, await oracle(p.level, p.index));
  return range;
}
