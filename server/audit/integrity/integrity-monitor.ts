/**
 * Keeps checking the stored audit log against the signed checkpoints, so
 * tampering is noticed without anyone pressing "Verify chain".
 *
 * - At start, one complete walk (verifyAll) before the publisher may sign.
 * - Every round, a tail check of the entries appended since (incremental:
 *   the walk resumes from its last link and Merkle frontier), and the next
 *   slice of a background re-verification of the whole log, entries under
 *   old checkpoints included (low priority: small pages, a pause between
 *   them, a bounded number of entries per round). When that re-verification
 *   reaches the head it becomes the verified state and a new one begins.
 * - While anything is broken the monitor is in ALARM: the checkpoint
 *   publisher refuses to sign (assertSignable), and whoever listens
 *   (metrics, readiness, the console's banner) is told through subscribe().
 *
 * No clock of its own: the injected one.
 */
import type pg from "pg";
import { poolOf, type Db } from "../../db/client";
import { DomainError } from "../../domain/errors/domain-error";
import { readEntryPages } from "../checkpoint/merkle-store";
import type { ChainLink } from "../../domain/audit/types";
import { IntegrityWalk, type IntegrityFailure, type TrustedCheckpoint } from "./integrity-walk";
import { walkFastLane } from "../copy-walk";

const min = (a: bigint, b: bigint) => (a < b ? a : b);

export interface TrustedCheckpointSource {
  /** Signature-checked checkpoints (only those larger than `afterSize`, when given). */
  trustedCheckpoints(opts?: { afterSize?: bigint }): Promise<{ checkpoints: TrustedCheckpoint[]; conflicts: string[] }>;
}

export interface IntegrityStatus {
  state: "starting" | "ok" | "alarm";
  /** Every break found (verified state, tail checks and the re-verification under way), at most 100. */
  failures: IntegrityFailure[];
  /** The last entry the verified walk reached. */
  checkedThrough: bigint;
  /** When the last complete walk over the whole log finished. */
  lastCompleteAt: Date | null;
  /** Where the background re-verification is (null between walks). */
  sweepAt: bigint | null;
  /** One sentence for operators, or null when all is well. */
  alarm: string | null;
}

export interface IntegrityMonitorOptions {
  clock: () => Date;
  pageSize?: number;
  /** Pause between pages of the background re-verification (ms). */
  pauseMs?: number;
  /** Entries the background re-verification checks per round. */
  sweepBudget?: number;
  /** False: pages only, no fast lane (tests compare the two). */
  fastLane?: boolean;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function conflictFailure(message: string): IntegrityFailure {
  return { kind: "CHECKPOINT_CONFLICT", seq: null, expected: "checkpoints that agree and verify", actual: message, message: `A signed checkpoint does not hold: ${message}` };
}

/** One sentence naming every break (the first few in full). */
export function alarmMessage(failures: readonly IntegrityFailure[]): string | null {
  if (failures.length === 0) return null;
  const where = failures.slice(0, 5).map((f) => `${f.kind}${f.seq !== null ? ` at #${f.seq}` : ""}`).join(", ");
  const more = failures.length > 5 ? ` and ${failures.length - 5} more` : "";
  return `The audit log does not match its signed checkpoints: ${where}${more}`;
}

export class IntegrityMonitor {
  private verified: { walk: IntegrityWalk; conflicts: IntegrityFailure[] } | null = null;
  private sweep: { walk: IntegrityWalk; conflicts: IntegrityFailure[] } | null = null;
  private lastCompleteAt: Date | null = null;
  private busy: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<(s: IntegrityStatus) => void>();
  private markVerified: () => void = () => undefined;
  /** Settles once the first complete walk has finished (whatever it found). */
  readonly firstWalk: Promise<void> = new Promise((resolve) => (this.markVerified = resolve));
  private readonly pageSize: number;
  private readonly pauseMs: number;
  private readonly sweepBudget: number;

  constructor(
    private readonly db: Db,
    private readonly source: TrustedCheckpointSource,
    private readonly opts: IntegrityMonitorOptions,
  ) {
    this.pageSize = opts.pageSize ?? 500;
    this.pauseMs = opts.pauseMs ?? 20;
    this.sweepBudget = opts.sweepBudget ?? 5000;
  }

  status(): IntegrityStatus {
    const failures = this.failures();
    const alarm = alarmMessage(failures);
    return {
      state: !this.verified ? "starting" : alarm ? "alarm" : "ok",
      failures,
      checkedThrough: this.verified?.walk.prev.seq ?? 0n,
      lastCompleteAt: this.lastCompleteAt,
      sweepAt: this.sweep?.walk.prev.seq ?? null,
      alarm,
    };
  }

  /** Called with the status after every walk; returns an unsubscribe function. */
  subscribe(listener: (s: IntegrityStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Throws unless the log was verified since start and nothing is broken: the publisher calls this before signing. */
  assertSignable(): void {
    const s = this.status();
    if (s.state === "starting") throw new DomainError("AUDIT_UNAVAILABLE", "The audit log is still being verified since start; no checkpoint is signed until that finishes");
    if (s.alarm) throw new DomainError("AUDIT_TAMPERED", `No checkpoint signed: ${s.alarm}`);
  }

  /** A complete walk over the whole log now; it becomes the verified state. */
  verifyAll(): Promise<IntegrityStatus> {
    return this.serial(async () => {
      const fresh = await this.newWalk();
      await this.advance(fresh.walk, Number.POSITIVE_INFINITY, 0);
      this.verified = fresh;
      this.sweep = null;
      this.lastCompleteAt = this.opts.clock();
      return this.changed();
    });
  }

  /** Tail check of new entries, then the next slice of the background re-verification. */
  round(): Promise<IntegrityStatus> {
    return this.serial(async () => {
      if (!this.verified) {
        this.verified = await this.newWalk();
        await this.advance(this.verified.walk, Number.POSITIVE_INFINITY, 0);
        this.lastCompleteAt = this.opts.clock();
        return this.changed();
      }
      // Only what was published since (the full re-verification reads them all again).
      const walked = this.verified.walk.prev.seq;
      const trusted = await this.source.trustedCheckpoints({ afterSize: walked > 0n ? walked - 1n : 0n });
      this.verified.walk.addCheckpoints(trusted.checkpoints);
      const known = new Set(this.verified.conflicts.map((f) => f.actual));
      this.verified.conflicts.push(...trusted.conflicts.filter((c) => !known.has(c)).map(conflictFailure));
      await this.advance(this.verified.walk, Number.POSITIVE_INFINITY, 0);
      this.sweep ??= await this.newWalk();
      if (await this.advance(this.sweep.walk, this.sweepBudget, this.pauseMs)) {
        this.verified = this.sweep;
        this.sweep = null;
        this.lastCompleteAt = this.opts.clock();
      }
      return this.changed();
    });
  }

  /** One round of the background duty (integrity-worker.ts): the complete verification first, then incremental rounds. */
  runRound(): Promise<unknown> {
    return this.verified ? this.round() : this.verifyAll();
  }

  private failures(): IntegrityFailure[] {
    const out: IntegrityFailure[] = [];
    const seen = new Set<string>();
    for (const f of [...(this.verified?.conflicts ?? []), ...(this.verified?.walk.failures ?? []), ...(this.sweep?.walk.failures ?? [])]) {
      const id = `${f.kind}@${f.seq}@${f.actual}`;
      if (seen.has(id)) continue;
      seen.add(id);
      out.push(f);
    }
    return out.sort((a, b) => (a.seq ?? 0n) < (b.seq ?? 0n) ? -1 : (a.seq ?? 0n) > (b.seq ?? 0n) ? 1 : 0).slice(0, 100);
  }

  private changed(): IntegrityStatus {
    const s = this.status();
    if (this.verified) this.markVerified();
    for (const listener of this.listeners) listener(s);
    return s;
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.busy.then(work, work);
    this.busy = next.catch(() => undefined);
    return next;
  }

  private async newWalk() {
    const trusted = await this.source.trustedCheckpoints();
    return { walk: new IntegrityWalk(trusted.checkpoints), conflicts: trusted.conflicts.map(conflictFailure) };
  }

  private async readHead(pool: pg.Pool): Promise<ChainLink | null> {
    const row = (await pool.query<{ seq: string; hash: string }>("SELECT seq, hash FROM audit_head WHERE id = 1")).rows[0];
    return row ? { seq: BigInt(row.seq), hash: row.hash } : null;
  }

  /**
   * Walks the fast lane (copy-walk.ts) from the walk's last link up to `toSeq`, giving the walk every entry it vouches
   * for (with its leaf); returns how many. In one snapshot, as a walk that reads past a head it read first should.
   * Anything that goes wrong here leaves the entries to the page walk: the walk has taken exactly the ones counted.
   */
  private async laneStep(pool: pg.Pool, walk: IntegrityWalk, head: ChainLink, toSeq: bigint): Promise<number> {
    let taken = 0;
    let client: pg.PoolClient | null = null;
    let broken: Error | undefined;
    try {
      client = await pool.connect();
      await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      try {
        await walkFastLane(client, walk.prev, toSeq, {
          head,
          anchors: walk.anchorsAhead(),
          onLeaf: (leaf, seq, entryHash) => {
            walk.vouched(BigInt(seq), entryHash, leaf);
            taken++;
          },
        });
      } finally {
        await client.query("COMMIT").catch((e: Error) => {
          broken = e; // the connection is unusable: not back to the pool
        });
      }
    } catch {
      // The page walk reads what is left (and reports what it finds in its own words).
    } finally {
      client?.release(broken);
    }
    return taken;
  }

  /** Feeds up to `budget` entries up to the head; true when the walk reached the head (and was finished there). */
  private async advance(walk: IntegrityWalk, budget: number, pauseMs: number): Promise<boolean> {
    const pool = poolOf(this.db);
    const head = await this.readHead(pool);
    if (!head) {
      walk.failures.push({ kind: "HEAD_MISMATCH", seq: null, expected: "one audit_head row", actual: "none", message: "The audit chain's head row is missing: it was deleted" });
      return true;
    }
    let fed = 0;
    while (walk.prev.seq < head.seq && fed < budget && !walk.full) {
      // The fast lane as far as it can vouch, within the budget; the page walk below for a page from where it stopped.
      const room = budget - fed;
      const laned = this.opts.fastLane === false ? 0 : await this.laneStep(pool, walk, head, room === Number.POSITIVE_INFINITY ? head.seq : min(head.seq, walk.prev.seq + BigInt(room)));
      fed += laned;
      if (laned > 0) {
        if (pauseMs > 0) await sleep(pauseMs);
        continue;
      }
      let got = 0;
      for await (const page of readEntryPages(pool, walk.prev.seq, head.seq, this.pageSize)) {
        for (const e of page) walk.feed(e, head);
        got = page.length;
        break; // one page at a time, so the pause lets other work in
      }
      if (got === 0) break;
      fed += got;
      if (pauseMs > 0) await sleep(pauseMs);
    }
    if (walk.prev.seq >= head.seq || fed < budget) {
      walk.finish(head);
      return true;
    }
    return false;
  }
}
