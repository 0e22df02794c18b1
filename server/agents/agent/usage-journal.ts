/**
 * The agent's usage totals on disk (KEY-DELIVERY.md §6.5), written as a journal: every change appends one sealed line
 * to `usage.<generation>.log` and is durable after one fdatasync, whatever the number of keys held. The totals were a
 * single sealed file rewritten whole for every change (tmp, fsync, rename, fsync of the folder): work and disk
 * round trips that grew with the keys held, on the path of every ETSI 014 answer.
 *
 * - `usage.json` is the snapshot: `{v: 2, nonce, ciphertext, tag, storedAt}`, the plaintext `{generation, totals}`,
 *   sealed as before (AES-256-GCM, AAD `"QECNET-AGENT-USAGE-V1\0" node`). A `v: 1` file (the totals alone) is read as
 *   generation 0.
 * - `usage.<g>.log` holds the changes since snapshot g, one line each: base64 of nonce ‖ ciphertext ‖ tag; the plaintext
 *   is `{keyId: newTotal}` for the keys the change touched (0 removes a key). The AAD names the node, the generation
 *   and the line's index, so a line moved, replayed from elsewhere or removed from the middle does not authenticate.
 * - Changes are grouped: the lines of every change made while a sync runs go out in the next one (group commit).
 * - Once a log is long, the totals are snapshotted under the next generation: new changes go to the next log at once,
 *   the snapshot is written atomically, and only then is the old log deleted. Opening reads the snapshot, then its log,
 *   then the next generation's log if a snapshot was cut short by a crash, and starts a fresh generation.
 * - A crash while a line is written leaves a torn last line, never acknowledged: opening drops it. A line that does
 *   not authenticate anywhere else is tampering, and the store refuses to open (a reset would let totals go back).
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { closeSync, existsSync, fdatasync, fdatasyncSync, openSync, readdirSync, readFileSync, unlink, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { Clock } from "../../time/clock";
import { Coalesced, FolderSync, fsyncDir, writeDurably, writeDurablyAsync } from "./durable-file";

/** Lines a log holds before the totals are snapshotted under the next generation. */
export const USAGE_LOG_MAX_LINES = 4096;

const SNAPSHOT = "usage.json";
const LOG = /^usage\.(\d+)\.log$/;
const logName = (generation: number) => `usage.${generation}.log`;

/** The usage files do not authenticate: the store must not open (a silent reset would let totals go backwards). */
export class UsageRefusedError extends Error {}

export class UsageJournal {
  private totals: Map<string, number>;
  private generation: number;
  private fd: number;
  private lines = 0;
  /** Changes not yet written as a line: keyId → total (0: removed). */
  private pending = new Map<string, number>();
  /** The current log's creation is durable (its folder was fsynced); appends to it wait for that first. */
  private logNamed: Promise<void> = Promise.resolve();
  /** Whether logNamed has resolved (a synchronous write cannot wait for it: it fsyncs the folder itself). */
  private logNamedDone = true;
  private readonly folder: FolderSync;
  private readonly syncs = new Coalesced(() => this.flush());
  private compacting: Promise<void> | null = null;

  private constructor(
    private readonly dir: string,
    private readonly nodeId: string,
    private readonly key: Buffer,
    private readonly clock: Clock,
    loaded: { totals: Map<string, number>; generation: number },
    private readonly maxLines: number,
  ) {
    this.totals = loaded.totals;
    this.generation = loaded.generation;
    this.folder = new FolderSync(dir);
    this.fd = -1;
  }

  /**
   * Reads the totals (keeping only the keys `keep` accepts), then writes them as the snapshot of a fresh generation
   * and removes the old logs, so every open starts from one snapshot and an empty log.
   */
  static open(dir: string, nodeId: string, key: Buffer, clock: Clock, keep: (keyId: string) => boolean, maxLines = USAGE_LOG_MAX_LINES): UsageJournal {
    const loaded = readTotals(dir, nodeId, key);
    for (const id of [...loaded.totals.keys()]) if (!keep(id)) loaded.totals.delete(id);
    const j = new UsageJournal(dir, nodeId, key, clock, { totals: loaded.totals, generation: loaded.generation + 1 }, maxLines);
    writeDurably(join(dir, SNAPSHOT), j.snapshotText(j.totals, j.generation));
    for (const name of readdirSync(dir)) if (LOG.test(name)) unlinkQuietly(join(dir, name));
    j.fd = openSync(join(dir, logName(j.generation)), "a", 0o600);
    fsyncDir(dir); // the old logs' removal and the new log's name
    return j;
  }

  /** The generation changes are written under (for tests and diagnostics). */
  get currentGeneration(): number {
    return this.generation;
  }

  get(keyId: string): number {
    return this.totals.get(keyId) ?? 0;
  }

  entries(): Array<[string, number]> {
    return [...this.totals];
  }

  /** Sets totals (0 removes a key) in memory; `durable` resolves once a line holding them is on disk. */
  set(changes: ReadonlyArray<readonly [string, number]>): Promise<void> {
    if (changes.length === 0) return Promise.resolve();
    for (const [keyId, total] of changes) {
      if (total > 0) this.totals.set(keyId, total);
      else this.totals.delete(keyId);
      this.pending.set(keyId, total);
    }
    return this.syncs.next();
  }

  /** set() made durable before it returns (the synchronous store calls). */
  setSync(changes: ReadonlyArray<readonly [string, number]>): void {
    if (changes.length === 0) return;
    for (const [keyId, total] of changes) {
      if (total > 0) this.totals.set(keyId, total);
      else this.totals.delete(keyId);
      this.pending.set(keyId, total);
    }
    this.writePending();
    fdatasyncSync(this.fd);
    if (!this.logNamedDone) {
      fsyncDir(this.dir); // a log begun by a snapshot under way: its name must be durable before this answers
      this.logNamedDone = true;
    }
    this.maybeCompact();
  }

  /** Waits for the writes under way (a snapshot, a sync). */
  async settled(): Promise<void> {
    await this.syncs.next();
    await this.compacting;
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  /** One sync of the log: the pending changes as one line, written at once, then fdatasync in the thread pool. */
  private async flush(): Promise<void> {
    const fd = this.fd;
    const named = this.logNamed;
    this.writePending();
    await named;
    await new Promise<void>((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve())));
    this.maybeCompact();
  }

  private writePending(): void {
    if (this.pending.size === 0) return;
    const changes = Object.fromEntries(this.pending);
    this.pending = new Map();
    const line = `${this.seal(JSON.stringify(changes), this.lineAad(this.generation, this.lines))}\n`;
    writeSync(this.fd, Buffer.from(line, "utf8"));
    this.lines++;
  }

  /**
   * A long log: new changes go to the next generation's log from now on, and the totals as they are now become its
   * snapshot; the old log is deleted once that snapshot is durable. Opening after a crash in between reads the old
   * snapshot, the old log and the new log, which together give the same totals.
   */
  private maybeCompact(): void {
    if (this.lines < this.maxLines || this.compacting) return;
    const old = this.generation;
    const oldFd = this.fd;
    const next = old + 1;
    const totals = new Map(this.totals);
    this.generation = next;
    this.lines = 0;
    this.fd = openSync(join(this.dir, logName(next)), "a", 0o600);
    this.logNamedDone = false;
    const named = this.folder.sync();
    this.logNamed = named;
    named.then(() => {
      if (this.logNamed === named) this.logNamedDone = true;
    }, () => undefined);
    this.compacting = (async () => {
      try {
        await writeDurablyAsync(join(this.dir, SNAPSHOT), this.snapshotText(totals, next), this.folder);
        // A sync of the old log may still be under way: the next one begins after it, on the new log.
        await this.syncs.next();
        closeSync(oldFd);
        await new Promise<void>((resolve) => unlink(join(this.dir, logName(old)), () => resolve()));
      } finally {
        this.compacting = null;
      }
    })();
    this.compacting.catch(() => undefined);
  }

  private snapshotText(totals: ReadonlyMap<string, number>, generation: number): string {
    const sealed = sealParts(this.key, JSON.stringify({ generation, totals: Object.fromEntries(totals) }), snapshotAad(this.nodeId));
    return `${JSON.stringify({ v: 2, ...sealed, storedAt: this.clock().toISOString() })}\n`;
  }

  /** A journal line: base64 of nonce ‖ ciphertext ‖ tag. */
  private seal(plain: string, aad: Buffer): string {
    const { nonce, ct, tag } = sealBytes(this.key, plain, aad);
    return Buffer.concat([nonce, ct, tag]).toString("base64");
  }

  private lineAad(generation: number, index: number): Buffer {
    return lineAad(this.nodeId, generation, index);
  }
}

function snapshotAad(nodeId: string): Buffer {
  return Buffer.from(`QECNET-AGENT-USAGE-V1\0${nodeId}`, "utf8");
}

function lineAad(nodeId: string, generation: number, index: number): Buffer {
  return Buffer.from(`QECNET-AGENT-USAGE-LOG-V1\0${nodeId}\0${generation}\0${index}`, "utf8");
}

function sealBytes(key: Buffer, plain: string, aad: Buffer): { nonce: Buffer; ct: Buffer; tag: Buffer } {
  const nonce = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, nonce);
  cipher.setAAD(aad);
  const ct = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return { nonce, ct, tag: cipher.getAuthTag() };
}

function sealParts(key: Buffer, plain: string, aad: Buffer): { nonce: string; ciphertext: string; tag: string } {
  const { nonce, ct, tag } = sealBytes(key, plain, aad);
  return { nonce: nonce.toString("base64"), ciphertext: ct.toString("base64"), tag: tag.toString("base64") };
}

function openParts(key: Buffer, nonce: Buffer, ciphertext: Buffer, tag: Buffer, aad: Buffer): string | null {
  try {
    const d = createDecipheriv("aes-256-gcm", key, nonce);
    d.setAAD(aad);
    d.setAuthTag(tag);
    return Buffer.concat([d.update(ciphertext), d.final()]).toString("utf8");
  } catch {
    return null;
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

/** The totals and generation on disk: the snapshot, its log, and the next generation's log (a cut-short snapshot). */
function readTotals(dir: string, nodeId: string, key: Buffer): { totals: Map<string, number>; generation: number } {
  const path = join(dir, SNAPSHOT);
  let generation = 0;
  const totals = new Map<string, number>();
  if (existsSync(path)) {
    const f = JSON.parse(readFileSync(path, "utf8")) as { v?: number; nonce: string; ciphertext: string; tag: string };
    const plain = openParts(key, Buffer.from(f.nonce, "base64"), Buffer.from(f.ciphertext, "base64"), Buffer.from(f.tag, "base64"), snapshotAad(nodeId));
    if (plain === null) throw new UsageRefusedError(`${path} does not authenticate under this store's key: restore it from the store's backup`);
    const body = JSON.parse(plain) as Record<string, number> | { generation: number; totals: Record<string, number> };
    const saved = f.v === 2 ? (body as { generation: number; totals: Record<string, number> }) : { generation: 0, totals: body as Record<string, number> };
    generation = saved.generation;
    for (const [id, n] of Object.entries(saved.totals)) if (n > 0) totals.set(id, n);
  }
  // The snapshot's log, then the next one's: present only when a snapshot under it was cut short by a crash.
  for (const g of [generation, generation + 1]) {
    const found = replayLog(dir, nodeId, key, g, totals);
    if (found && g === generation + 1) generation = g;
  }
  return { totals, generation };
}

/** Applies one log's lines to `totals`; a torn last line is passed over (opening then starts a new log). False when there is no log. */
function replayLog(dir: string, nodeId: string, key: Buffer, generation: number, totals: Map<string, number>): boolean {
  const path = join(dir, logName(generation));
  if (!existsSync(path)) return false;
  const text = readFileSync(path, "utf8");
  const lines = text.split("\n");
  const complete = text.endsWith("\n") ? lines.length - 1 : lines.length;
  for (let i = 0; i < complete; i++) {
    const line = lines[i]!;
    const raw = Buffer.from(line, "base64");
    const plain = raw.length > 28 ? openParts(key, raw.subarray(0, 12), raw.subarray(12, raw.length - 16), raw.subarray(raw.length - 16), lineAad(nodeId, generation, i)) : null;
    if (plain === null) {
      // The last line of a log is the one a crash can tear (never acknowledged: its fdatasync did not return).
      if (i === complete - 1) break;
      throw new UsageRefusedError(`${path}, line ${i + 1}, does not authenticate under this store's key: the usage log was altered; restore the store from its backup`);
    }
    for (const [id, n] of Object.entries(JSON.parse(plain) as Record<string, number>)) {
      if (n > 0) totals.set(id, n);
      else totals.delete(id);
    }
  }
  return true;
}
