/**
 * Publishing signed checkpoints of the audit log, and the proofs an auditor
 * asks for.
 *
 * publish() runs under a transaction-scoped advisory lock, so several server
 * processes on one database never publish two checkpoints for one moment; it
 * extends the tree incrementally (a cached or resumed frontier plus only the
 * entries appended since the last checkpoint), checks the chain links of
 * those new entries on the way, stores the newly completed subtrees, signs,
 * stores the checkpoint with its consistency proof from the previous one, and
 * after COMMIT appends it to the checkpoint file outside the database.
 */
import { systemClock, type Clock } from "../../time/clock";
import type pg from "pg";
import { poolOf, type Db } from "../../db/client";
import { DomainError } from "../../domain/errors/domain-error";
import type { AuditEntryRecord, ChainLink } from "../../domain/audit/types";
import { CHAIN_START, turnOfEventLoop, verifyEntry, YIELD_EVERY } from "../verify-chain";
import { entryTextOf } from "../entry-hash";
import { walkFastLane } from "../copy-walk";
import { leafHashOfText, leafTextFromEntryText } from "./leaf-hash";
import type { CompactRange} from "../../domain/audit/merkle/compact-range";
import { type Subtree } from "../../domain/audit/merkle/compact-range";
import { fromHex32, toHex } from "../../domain/audit/merkle/hasher";
import { nodeHasher } from "../merkle/node-hasher";
import { consistencyProof, inclusionProof } from "../../domain/audit/merkle/proofs";
import { entryToJson, type AuditEntryJson } from "../../domain/audit/audit-leaf";
import { AUDIT_LOG_ID, CHECKPOINT_VERSION, checkpointBody, type PublishedCheckpoint } from "../../domain/audit/checkpoint-format";
import { noteVerifierKey, signedNote } from "./signed-note";
import type { CheckpointFile } from "./checkpoint-file";
import { STORED_MIN_LEVEL, insertNodes, leafHashOf, loadFrontier, readEntryPages, rowToRecord, storeOracle } from "./merkle-store";
import { parsePublicKey, verifyCheckpointSignature, type AuditSigningKey } from "./signing-key";
import type { TrustedCheckpoint } from "../integrity/integrity-walk";

/** pg_advisory_xact_lock key of checkpoint publication ("QECNETCP" folded into an int8). */
export const CHECKPOINT_LOCK_ID = "5138084011738861648";

interface CheckpointRow {
  tree_size: string;
  root_hash: string;
  head_hash: string;
  published_at: Date;
  key_id: string;
  signature: string;
  consistency: { fromSize: string; proof: string[] } | null;
  version: number;
}

const SELECT_CHECKPOINT = "SELECT tree_size, root_hash, head_hash, published_at, key_id, signature, consistency, version FROM audit_checkpoints";

export interface InclusionProofResult {
  checkpoint: PublishedCheckpoint;
  leafIndex: string;
  proof: string[];
  entry: AuditEntryJson;
}

export interface ConsistencyProofResult {
  from: PublishedCheckpoint;
  to: PublishedCheckpoint;
  proof: string[];
}

/**
 * Appends the leaves of the entries after `prev` up to `head` to `range`, each entry's chain link checked first (its
 * hashed text built once for its hash check and its leaf); throws AUDIT_TAMPERED at the first entry that does not
 * chain or when the entries do not end at `head`. What a checkpoint costs per new entry; from CHAIN_START with an
 * empty range, it is a full recomputation with the same checks (bench:audit's baseline for the catch-up).
 */
export async function appendVerifiedLeaves(client: pg.ClientBase, range: CompactRange, prev: ChainLink, head: ChainLink): Promise<void> {
  // The fast lane (copy-walk.ts) checks the clean stretch from the COPY rows' bytes and gives each entry's leaf hash
  // from the same text; the page walk below takes over from the last entry it vouched for, and throws at a break.
  const lane = await walkFastLane(client, prev, head.seq, { head, onLeaf: (leaf) => range.appendLeafHash(leaf) });
  prev = lane.link;
  let sinceYield = 0;
  for await (const page of readEntryPages(client, prev.seq, head.seq)) {
    for (const entry of page) {
      if (++sinceYield === YIELD_EVERY) {
        sinceYield = 0;
        await turnOfEventLoop(); // a catch-up over many entries runs in the console's process: let its requests in
      }
      let text: string | undefined;
      try {
        text = entryTextOf(entry);
      } catch {
        text = undefined; // verifyEntry reports why
      }
      const failure = verifyEntry(prev, entry, text);
      if (failure) throw new DomainError("AUDIT_TAMPERED", `No checkpoint published: ${failure.message}`);
      range.appendLeafHash(text === undefined ? leafHashOf(entry) : leafHashOfText(leafTextFromEntryText(text, entry.entryHash)));
      prev = { seq: entry.seq, hash: entry.entryHash };
    }
  }
  if (prev.seq !== head.seq || prev.hash !== head.hash) {
    throw new DomainError("AUDIT_TAMPERED", `No checkpoint published: the chain ends at #${prev.seq} but its head row records #${head.seq} with another hash`);
  }
}

export class CheckpointService {
  private readonly rawKey: Buffer;
  private frontier: { size: number; root: string; range: CompactRange } | null = null;

  constructor(
    private readonly db: Db,
    readonly key: AuditSigningKey,
    readonly file: CheckpointFile,
    readonly clock: Clock = systemClock,
  ) {
    this.rawKey = Buffer.from(key.publicKey, "base64");
  }

  /** A stored row as served: version 2 rows of this key carry their signed note. */
  private fromRow(r: CheckpointRow): PublishedCheckpoint {
    const c: PublishedCheckpoint = {
      v: r.version === 2 ? 2 : 1, log: AUDIT_LOG_ID, treeSize: r.tree_size, rootHash: r.root_hash, headHash: r.head_hash,
      timestamp: r.published_at.toISOString(), keyId: r.key_id, signature: r.signature, consistency: r.consistency,
    };
    return c.v === 2 && c.keyId === this.key.keyId ? { ...c, note: signedNote(c, this.rawKey) } : c;
  }

  /**
   * Set by the integrity monitor once it runs: publish() asks it first and
   * signs nothing while the log is unverified or broken.
   */
  integrityGate: { assertSignable(): void } | null = null;

  /** What anyone may read: the key to pin (never where the server keeps its files). */
  get publicKey() {
    return { publicKey: this.key.publicKey, publicKeyPem: this.key.publicKeyPem, keyId: this.key.keyId, noteVerifierKey: noteVerifierKey(this.rawKey) };
  }

  /** Publishes a checkpoint if the chain grew since the last one; otherwise returns the last one. */
  async publish(): Promise<{ checkpoint: PublishedCheckpoint | null; created: boolean; durationMs: number }> {
    const started = performance.now();
    this.integrityGate?.assertSignable();
    const client = await poolOf(this.db).connect();
    let created: PublishedCheckpoint | null = null;
    let result: PublishedCheckpoint | null = null;
    try {
      await client.query("BEGIN");
      try {
        await client.query("SELECT pg_advisory_xact_lock($1::bigint)", [CHECKPOINT_LOCK_ID]);
        const latestRow = (await client.query<CheckpointRow>(`${SELECT_CHECKPOINT} ORDER BY tree_size DESC LIMIT 1`)).rows[0];
        const latest = latestRow ? this.fromRow(latestRow) : null;
        const headRow = (await client.query<{ seq: string; hash: string }>("SELECT seq, hash FROM audit_head WHERE id = 1")).rows[0];
        if (!headRow) throw new DomainError("AUDIT_TAMPERED", "The audit chain's head row is missing, so no checkpoint can be published");
        const head: ChainLink = { seq: BigInt(headRow.seq), hash: headRow.hash };
        const fromSize = latest ? Number(latest.treeSize) : 0;
        // The file outside the database must not be ahead of (or disagree with) the table: that means the table was rewritten.
        const inFile = await this.file.last();
        if (inFile && inFile.keyId === this.key.keyId && (BigInt(inFile.treeSize) > BigInt(fromSize) || (inFile.treeSize === latest?.treeSize && inFile.rootHash !== latest.rootHash))) {
          throw new DomainError("AUDIT_TAMPERED", `Checkpoint #${inFile.treeSize} in the checkpoint file is missing from or different in the database: the checkpoints table was rewritten`);
        }
        if (head.seq < BigInt(fromSize)) {
          throw new DomainError("AUDIT_TAMPERED", `The audit chain ends at #${head.seq} but checkpoint #${fromSize} was published: entries were deleted`);
        }
        if (head.seq === BigInt(fromSize)) {
          await client.query("COMMIT");
          result = latest;
        } else {
          created = await this.extend(client, latest, head);
          await client.query("COMMIT");
          result = created;
        }
      } catch (err) {
        await client.query("ROLLBACK").catch(() => undefined);
        this.frontier = null;
        throw err;
      }
    } finally {
      client.release();
    }
    if (created) await this.file.append([created]);
    return { checkpoint: result, created: created !== null, durationMs: performance.now() - started };
  }

  private async extend(client: pg.PoolClient, latest: PublishedCheckpoint | null, head: ChainLink): Promise<PublishedCheckpoint> {
    const fromSize = latest ? Number(latest.treeSize) : 0;
    const completed: Subtree[] = [];
    const keep = (s: Subtree) => {
      if (s.level >= STORED_MIN_LEVEL) completed.push(s);
    };
    const oracle = storeOracle(client);
    let range: CompactRange;
    if (this.frontier && latest && this.frontier.size === fromSize && this.frontier.root === latest.rootHash) {
      range = this.frontier.range;
      range.onCompleteHook = keep;
    } else {
      range = await loadFrontier(oracle, fromSize, keep);
      if (latest && toHex(range.root()) !== latest.rootHash) {
        throw new DomainError(
          "AUDIT_TAMPERED",
          `The stored audit entries #1–#${fromSize} no longer hash to the root of checkpoint #${fromSize}: the log or its stored tree was changed`,
        );
      }
    }
    await appendVerifiedLeaves(client, range, latest ? { seq: BigInt(fromSize), hash: latest.headHash } : CHAIN_START, head);
    await insertNodes(client, completed);
    const size = range.end;
    const root = toHex(range.root());
    const consistency = latest && fromSize > 0
      ? { fromSize: latest.treeSize, proof: (await consistencyProof(nodeHasher, oracle, fromSize, size)).map(toHex) }
      : null;
    const body = checkpointBody({
      v: CHECKPOINT_VERSION, log: AUDIT_LOG_ID, treeSize: String(size), rootHash: root, headHash: head.hash,
      timestamp: this.clock().toISOString(), keyId: this.key.keyId,
    });
    const signed = { ...body, signature: this.key.sign(body) };
    const checkpoint: PublishedCheckpoint = { ...signed, consistency, note: signedNote(signed, this.rawKey) };
    await client.query(
      `INSERT INTO audit_checkpoints (tree_size, root_hash, head_hash, published_at, key_id, signature, consistency, version)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [checkpoint.treeSize, root, head.hash, new Date(checkpoint.timestamp), checkpoint.keyId, checkpoint.signature, consistency ? JSON.stringify(consistency) : null, body.v],
    );
    range.onCompleteHook = undefined;
    this.frontier = { size, root, range };
    return checkpoint;
  }

  async latest(): Promise<PublishedCheckpoint | null> {
    const row = (await poolOf(this.db).query<CheckpointRow>(`${SELECT_CHECKPOINT} ORDER BY tree_size DESC LIMIT 1`)).rows[0];
    return row ? this.fromRow(row) : null;
  }

  /** Checkpoints ascending by size, after `afterSize`, at most `limit`. */
  async list(opts: { afterSize?: bigint; limit: number }): Promise<PublishedCheckpoint[]> {
    const { rows } = await poolOf(this.db).query<CheckpointRow>(
      `${SELECT_CHECKPOINT} WHERE tree_size > $1 ORDER BY tree_size LIMIT $2`,
      [String(opts.afterSize ?? 0n), opts.limit],
    );
    return rows.map((r) => this.fromRow(r));
  }

  async get(treeSize: bigint): Promise<PublishedCheckpoint> {
    const row = (await poolOf(this.db).query<CheckpointRow>(`${SELECT_CHECKPOINT} WHERE tree_size = $1`, [String(treeSize)])).rows[0];
    if (!row) throw new DomainError("AUDIT_NOT_FOUND", `No checkpoint of ${treeSize} entries was published`);
    return this.fromRow(row);
  }

  /** The smallest checkpoint covering entry #seq (treeSize ≥ seq), or null. */
  async covering(seq: bigint): Promise<PublishedCheckpoint | null> {
    const row = (await poolOf(this.db).query<CheckpointRow>(`${SELECT_CHECKPOINT} WHERE tree_size >= $1 ORDER BY tree_size LIMIT 1`, [String(seq)])).rows[0];
    return row ? this.fromRow(row) : null;
  }

  /** Proof that entry #seq is in the checkpoint of `treeSize` entries (default: the latest). */
  async inclusionProof(seq: bigint, treeSize?: bigint): Promise<InclusionProofResult> {
    const checkpoint = treeSize === undefined ? await this.latest() : await this.get(treeSize);
    if (!checkpoint) throw new DomainError("AUDIT_NOT_FOUND", "No checkpoint has been published yet; publish one first");
    if (seq > BigInt(checkpoint.treeSize)) {
      throw new DomainError("AUDIT_NOT_FOUND", `Entry #${seq} is newer than checkpoint #${checkpoint.treeSize}; wait for the next checkpoint or publish one`);
    }
    const pool = poolOf(this.db);
    const row = (await pool.query(`SELECT seq, at, actor, action, subject_type, subject_id, from_state, to_state, details, prev_hash, entry_hash FROM audit_entries WHERE seq = $1`, [String(seq)])).rows[0];
    if (!row) throw new DomainError("AUDIT_NOT_FOUND", `Audit entry #${seq} does not exist`);
    const entry: AuditEntryRecord = rowToRecord(row);
    const proof = await inclusionProof(nodeHasher, storeOracle(pool), Number(seq) - 1, Number(checkpoint.treeSize));
    return { checkpoint, leafIndex: String(seq - 1n), proof: proof.map(toHex), entry: entryToJson(entry) };
  }

  async consistencyProof(fromSize: bigint, toSize: bigint): Promise<ConsistencyProofResult> {
    // RFC 9162 §2.1.4: a proof is defined for 0 < first < second (§2.1.4.2 step 1 rejects an empty one);
    // two checkpoints of one size are consistent exactly when their roots are equal.
    if (fromSize < 1n || fromSize >= toSize) {
      throw new DomainError("INVALID_INPUT", `A consistency proof needs 1 ≤ from < to (RFC 9162 §2.1.4), got ${fromSize} → ${toSize}; checkpoints of equal size are consistent when their roots are equal`);
    }
    const [from, to] = [await this.get(fromSize), await this.get(toSize)];
    const proof = await consistencyProof(nodeHasher, storeOracle(poolOf(this.db)), Number(fromSize), Number(toSize));
    return { from, to, proof: proof.map(toHex) };
  }

  /**
   * Checkpoints this hub signed, from the file outside the database and from
   * the table, each signature verified. Where the two disagree the file wins
   * (the table is what an attacker with database access can rewrite) and the
   * disagreement is reported. With `afterSize` only newer checkpoints are
   * read (the integrity monitor's rounds), and of the file only its last line.
   */
  async trustedCheckpoints(opts: { afterSize?: bigint } = {}): Promise<{ checkpoints: TrustedCheckpoint[]; conflicts: string[] }> {
    const pub = parsePublicKey(this.key.publicKey);
    if (!pub) throw new Error("unreachable: own public key does not parse");
    const valid = (c: PublishedCheckpoint) => verifyCheckpointSignature(c, c.signature, pub.key) && fromHex32(c.headHash) !== null;
    const bySize = new Map<string, TrustedCheckpoint>();
    const conflicts: string[] = [];
    const trusted = (c: PublishedCheckpoint): TrustedCheckpoint => ({ treeSize: BigInt(c.treeSize), rootHash: c.rootHash, headHash: c.headHash });
    const since = opts.afterSize ?? 0n;
    const fromFile = opts.afterSize === undefined ? (await this.file.read()).checkpoints : [await this.file.last()].filter((c) => c !== null);
    for (const c of fromFile) if (valid(c) && BigInt(c.treeSize) > since) bySize.set(c.treeSize, trusted(c));
    let after = since;
    for (;;) {
      const page = await this.list({ afterSize: after, limit: 5000 });
      for (const c of page) {
        if (!valid(c)) {
          conflicts.push(`checkpoint #${c.treeSize} in the database has a signature that does not verify`);
          continue;
        }
        const known = bySize.get(c.treeSize);
        if (known && (known.headHash !== c.headHash || known.rootHash !== c.rootHash)) conflicts.push(`checkpoint #${c.treeSize} differs between the database and the checkpoint file`);
        else bySize.set(c.treeSize, trusted(c));
      }
      if (page.length < 5000) break;
      after = BigInt(page[page.length - 1]!.treeSize);
    }
    const checkpoints = [...bySize.values()].sort((a, b) => (a.treeSize < b.treeSize ? -1 : 1));
    return { checkpoints, conflicts };
  }

  /** The trusted checkpoints as chain anchors {treeSize, headHash}. */
  async trustedAnchors(): Promise<{ anchors: ChainLink[]; conflicts: string[] }> {
    const t = await this.trustedCheckpoints();
    return { anchors: t.checkpoints.map((c) => ({ seq: c.treeSize, hash: c.headHash })), conflicts: t.conflicts };
  }

  /** Appends to the file the checkpoints of the table it lacks (e.g. after a crash between COMMIT and the file write). */
  async syncFile(): Promise<number> {
    const inFile = (await this.file.read()).checkpoints;
    const last = inFile.reduce((m, c) => (BigInt(c.treeSize) > m ? BigInt(c.treeSize) : m), 0n);
    const missing = await this.list({ afterSize: last, limit: 100_000 });
    const own = missing.filter((c) => c.keyId === this.key.keyId);
    await this.file.append(own);
    return own.length;
  }
}
