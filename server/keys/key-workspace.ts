/**
 * The in-memory workspace of one batch as key jobs see it: the keys and nodes
 * the batch's jobs declared and the stored key policies, loaded under the
 * audit head lock (key-batch.ts), on top of the batch's audit drafts and
 * events (server/commit/batch-workspace.ts). Each job works on copies; a job
 * that throws leaves no trace, a job that returns has its changes kept for the
 * batch's single flush.
 */
import { BatchWorkspace } from "../commit/batch-workspace";
import { DomainError } from "../domain/errors/domain-error";
import { cloneKeyRecord, type KeyRecord } from "./key-record";
import type { StoredKeyPolicy } from "./key-policies";

export interface NodeFacts {
  id: string;
  name: string;
  status: string;
}

function participantFingerprint(p: KeyRecord["participants"][number]): string {
  return `${p.confirmedAt?.getTime() ?? ""}|${p.receiptMac ?? ""}|${p.purgeConfirmedAt?.getTime() ?? ""}|${p.purgeRequestedAt?.getTime() ?? ""}`;
}

export class KeyWorkspace extends BatchWorkspace {
  private readonly committed = new Map<string, KeyRecord>();
  private job = new Map<string, KeyRecord>();
  private jobNew = new Set<string>();
  private jobDirty = new Set<string>();
  private jobZeroised = new Set<string>();

  readonly inserted = new Set<string>();
  readonly dirty = new Set<string>();
  readonly zeroised = new Set<string>();
  /** Keys whose holders were told to purge in this batch (a rolled-back job's too: the sweep reads what committed). */
  readonly purgeRequested = new Set<string>();
  private loadedNodes: ReadonlyMap<string, NodeFacts> = new Map();

  /** The stored key policies as of this batch (policyIn reads them); a job's own edits until it commits. */
  private committedPolicies = new Map<string, StoredKeyPolicy>();
  /** This job's created or changed policies; null marks one it deleted. */
  private jobPolicies = new Map<string, StoredKeyPolicy | null>();

  /** Key ids by predecessor (a key's predecessor never changes); ids of rolled-back jobs are filtered out on read. */
  private readonly successorIds = new Map<string, Set<string>>();

  /** Participants as loaded, so the flush writes only the ones that changed. */
  private readonly loadedParticipants = new Map<string, string>();

  /** The keys and nodes the batch's jobs named, as loaded under the head lock (key-batch.ts). */
  loadKeys(loaded: Iterable<KeyRecord>, nodes: ReadonlyMap<string, NodeFacts>): void {
    this.loadedNodes = nodes;
    for (const k of loaded) {
      this.committed.set(k.id, k);
      this.indexSuccessor(k);
      for (const p of k.participants) this.loadedParticipants.set(`${k.id}/${p.nodeId}`, participantFingerprint(p));
    }
  }

  /** The nodes the batch's jobs named (BatchJob.nodeIds), with their status. */
  get nodes(): ReadonlyMap<string, NodeFacts> {
    return this.loadedNodes;
  }

  /** The batch's stored policies (the runner loads them under the head lock, or reuses its copy). */
  attachPolicies(policies: ReadonlyMap<string, StoredKeyPolicy>): void {
    this.committedPolicies = new Map(policies);
  }

  /** A stored policy by name, as this job sees it; undefined when there is none of that name. */
  policy(name: string): StoredKeyPolicy | undefined {
    if (this.jobPolicies.has(name)) return this.jobPolicies.get(name) ?? undefined;
    return this.committedPolicies.get(name);
  }

  /** The names of the stored policies, sorted. */
  policyNames(): string[] {
    return [...new Set([...this.committedPolicies.keys(), ...this.jobPolicies.keys()])].filter((n) => this.policy(n) !== undefined).sort();
  }

  /** Records a policy created or changed by this job (the job writes the row in its `write`); later jobs see it. */
  putPolicy(p: StoredKeyPolicy): void {
    this.jobPolicies.set(p.name, p);
  }

  /** Records a policy deleted by this job (the job deletes the row in its `write`); later jobs no longer see it. */
  removePolicy(name: string): void {
    this.jobPolicies.set(name, null);
  }

  /** The policies once every job ran: what the database holds after the batch commits. */
  committedPolicyMap(): ReadonlyMap<string, StoredKeyPolicy> {
    return this.committedPolicies;
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

  /** Keys the current job created (e.g. the retry a failed distribution made). */
  jobInsertedKeys(): KeyRecord[] {
    return [...this.jobNew].map((id) => this.job.get(id)!);
  }

  hasKey(id: string): boolean {
    return this.job.has(id) || this.committed.has(id);
  }

  /** Keys whose predecessor is `id` (replacement generations and retries). */
  successorsOf(id: string): KeyRecord[] {
    const ids = [...(this.successorIds.get(id) ?? [])].filter((i) => this.hasKey(i));
    return ids.map((i) => this.key(i)).sort((a, b) => a.generation - b.generation || a.distributionAttempt - b.distributionAttempt);
  }

  private indexSuccessor(k: KeyRecord): void {
    if (k.predecessorId === null) return;
    let ids = this.successorIds.get(k.predecessorId);
    if (!ids) this.successorIds.set(k.predecessorId, (ids = new Set()));
    ids.add(k.id);
  }

  insertKey(k: KeyRecord): void {
    this.indexSuccessor(k);
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

  override beginJob(): void {
    this.job = new Map();
    this.jobNew = new Set();
    this.jobDirty = new Set();
    this.jobZeroised = new Set();
    this.jobPolicies = new Map();
    super.beginJob();
  }

  override commitJob(): void {
    for (const [id, k] of this.job) this.committed.set(id, k);
    for (const id of this.jobNew) this.inserted.add(id);
    for (const id of this.jobDirty) this.dirty.add(id);
    for (const id of this.jobZeroised) this.zeroised.add(id);
    if (this.jobPolicies.size > 0) {
      const next = new Map(this.committedPolicies);
      for (const [name, p] of this.jobPolicies) {
        if (p) next.set(name, p);
        else next.delete(name);
      }
      this.committedPolicies = next;
    }
    super.commitJob();
  }

  committedKey(id: string): KeyRecord | undefined {
    return this.committed.get(id);
  }
}
