/**
 * The in-memory workspace of one batch, as the audited write path sees it: the
 * audit drafts and live events of its jobs, and the parts each domain attached
 * (the key workspace extends this class; the mesh attaches itself under a
 * slot). A job that throws leaves no trace; a job that returns has its drafts
 * kept for the batch's single flush.
 */
import type { AuditEntryDraft, JsonValue } from "../domain/audit/types";
import type { JobEvent } from "../domain/events/console-events";

/** A domain's share of a workspace that follows the jobs: what a job changed is kept or dropped with it. */
export interface WorkspacePart {
  beginJob(): void;
  commitJob(): void;
  rollbackJob(): void;
}

/** The typed name under which a domain attaches its part (e.g. the mesh: server/mesh/mesh-batch.ts). */
export class PartSlot<P extends WorkspacePart> {
  declare private readonly brand: P;
  constructor(
    /** Also the job's flag that asks for the part, as named in refusals. */
    readonly name: string,
  ) {}
}

export class BatchWorkspace {
  private jobAudits: AuditEntryDraft[] = [];
  private jobEvents: JobEvent[] = [];
  private readonly parts = new Map<PartSlot<WorkspacePart>, WorkspacePart>();

  readonly audits: AuditEntryDraft[] = [];
  /** Live events of the committed jobs, sent with the batch (NOTIFY is delivered only on COMMIT). */
  readonly events: JobEvent[] = [];

  constructor(readonly now: Date) {}

  /** Attaches a domain's part for this batch (its BatchPart does, under the head lock, before the jobs run). */
  attach<P extends WorkspacePart>(slot: PartSlot<P>, part: P): void {
    this.parts.set(slot, part);
  }

  /** The part a job asked for; a job that did not ask for it is a programming error. */
  part<P extends WorkspacePart>(slot: PartSlot<P>): P {
    const p = this.partIfLoaded(slot);
    if (!p) throw new Error(`This job did not ask for the ${slot.name} (BatchJob.${slot.name})`);
    return p;
  }

  partIfLoaded<P extends WorkspacePart>(slot: PartSlot<P>): P | null {
    return (this.parts.get(slot) as P | undefined) ?? null;
  }

  audit(draft: Omit<AuditEntryDraft, "at" | "details"> & { details: Record<string, JsonValue> }): void {
    // Copied, then stamped: { ...draft, at } (a spread followed by a new field) takes a slow path in V8.
    const entry = { ...draft } as AuditEntryDraft;
    entry.at = this.now;
    this.jobAudits.push(entry);
  }

  /** The current job's latest audit draft (to add details before the flush hashes it). */
  lastAudit(): AuditEntryDraft | undefined {
    return this.jobAudits[this.jobAudits.length - 1];
  }

  /** Announces a fact to live consoles once this job's batch commits. */
  publish(event: JobEvent): void {
    this.jobEvents.push(event);
  }

  beginJob(): void {
    this.jobAudits = [];
    this.jobEvents = [];
    for (const p of this.parts.values()) p.beginJob();
  }

  commitJob(): void {
    this.audits.push(...this.jobAudits);
    this.events.push(...this.jobEvents);
    for (const p of this.parts.values()) p.commitJob();
    this.beginJob();
  }

  rollbackJob(): void {
    for (const p of this.parts.values()) p.rollbackJob();
    this.beginJob();
  }
}
