/**
 * The in-memory workspace of one batch: the keys and nodes the batch's jobs
 * declared, loaded under the audit head lock. Each job works on copies; a job
 * that throws leaves no trace, a job that returns has its changes and audit
 * drafts kept for the batch's single flush.
 */
import type { AuditEntryDraft, JsonValue } from "../audit/types";
import { DomainError } from "../errors/domain-error";
import type { JobEvent } from "../events/console-events";
import { cloneKeyRecord, type KeyRecord } from "./key-record";

export interface NodeFacts {
  id: string;
  name: string;
  status: string;
}

function participantFingerprint(p: KeyRecord["participants"][number]): string {
  return `${p.confirmedAt?.getTime() ?? ""}|${p.receiptMac ?? ""}|${p.purgedAt?.getTime() ?? ""}`;
}

export class KeyWorkspace {
  private readonly committed = new Map<string, KeyRecord>();
  private job = new Map<string, KeyRecord>();
  private jobNew = new Set<string>();
  private jobDirty = new Set<string>();
  private jobZeroised = new Set<string>();
  private jobAudits: AuditEntryDraft[] = [];
  private jobEvents: JobEvent[] = [];

  readonly inserted = new Set<string>();
  readonly dirty = new Set<string>();
  readonly zeroised = new Set<string>();
  readonly audits: AuditEntryDraft[] = [];
  /** Live events of the committed jobs, sent with the batch (NOTIFY is delivered only on COMMIT). */
  readonly events: JobEvent[] = [];

  /** Participants as loaded, so the flush writes only the ones that changed. */
  private readonly loadedParticipants = new Map<string, string>();

  constructor(
    readonly now: Date,
    loaded: Iterable<KeyRecord>,
    readonly nodes: ReadonlyMap<string, NodeFacts>,
  ) {
    for (const k of loaded) {
      this.committed.set(k.id, k);
      for (const p of k.participants) this.loadedParticipants.set(`${k.id}/${p.nodeId}`, participantFingerprint(p));
    }
  }

  participantChanged(keyId: string, p: KeyRecord["participants"][number]): boolean {
    return this.loadedParticipants.get(`${keyId}/${p.nodeId}`) !== participantFingerprint(p);
  }

  /** The key as this job sees it; a copy the job may change. */
  key(id: string): KeyRecord {
    const found = this.job.get(id);
    if (found) return found;
    const base = this.committed.get(id);
    if (!base) throw new DomainError("KEY_NOT_FOUND", `Key ${id} does not exist`, { keyId: id });
    const copy = cloneKeyRecord(base);
    this.job.set(id, copy);
    return copy;
  }

  hasKey(id: string): boolean {
    return this.job.has(id) || this.committed.has(id);
  }

  /** Keys whose predecessor is `id` (replacement generations and retries). */
  successorsOf(id: string): KeyRecord[] {
    const ids = new Set<string>();
    for (const m of [this.committed, this.job]) for (const k of m.values()) if (k.predecessorId === id) ids.add(k.id);
    return [...ids].map((i) => this.key(i)).sort((a, b) => a.generation - b.generation || a.distributionAttempt - b.distributionAttempt);
  }

  insertKey(k: KeyRecord): void {
    this.job.set(k.id, k);
    this.jobNew.add(k.id);
  }

  touch(k: KeyRecord): void {
    k.version += 1;
    k.updatedAt = this.now;
    if (!this.jobNew.has(k.id)) this.jobDirty.add(k.id);
  }

  markZeroised(k: KeyRecord): void {
    k.materialCiphertext = null;
    k.materialNonce = null;
    if (!this.jobNew.has(k.id)) this.jobZeroised.add(k.id);
  }

  audit(draft: Omit<AuditEntryDraft, "at" | "details"> & { details: Record<string, JsonValue> }): void {
    this.jobAudits.push({ ...draft, at: this.now });
  }

  /** Announces a fact to live consoles once this job's batch commits. */
  publish(event: JobEvent): void {
    this.jobEvents.push(event);
  }

  beginJob(): void {
    this.job = new Map();
    this.jobNew = new Set();
    this.jobDirty = new Set();
    this.jobZeroised = new Set();
    this.jobAudits = [];
    this.jobEvents = [];
  }

  commitJob(): void {
    for (const [id, k] of this.job) this.committed.set(id, k);
    for (const id of this.jobNew) this.inserted.add(id);
    for (const id of this.jobDirty) this.dirty.add(id);
    for (const id of this.jobZeroised) this.zeroised.add(id);
    this.audits.push(...this.jobAudits);
    this.events.push(...this.jobEvents);
    this.beginJob();
  }

  rollbackJob(): void {
    this.beginJob();
  }

  committedKey(id: string): KeyRecord | undefined {
    return this.committed.get(id);
  }
}
