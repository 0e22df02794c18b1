/**
 * Audit actions of the console: verifying the stored chain is itself recorded
 * in the chain (who checked, when, and what was found), so an auditor can see
 * that checks ran and what they reported.
 */
import type { Db } from "../db/client";
import type { Clock } from "../time/clock";
import { verifyStoredChain } from "./audit-log";
import type { AuditEntryDraft, ChainLink, JsonValue } from "../domain/audit/types";

/**
 * Where the verification's own entry is written: the audited write path
 * (server/commit/transition-runner.ts), as this service needs it.
 */
export interface AuditRecorder {
  readonly clock: Clock;
  submit(job: {
    keyIds: readonly string[];
    run(ws: { audit(draft: Omit<AuditEntryDraft, "at" | "details"> & { details: Record<string, JsonValue> }): void }): void;
  }): Promise<void>;
}

/** Where trusted anchors come from: the published checkpoints (see checkpoint-service.ts). */
export interface AnchorSource {
  trustedAnchors(): Promise<{ anchors: ChainLink[]; conflicts: string[] }>;
}

export class AuditService {
  constructor(
    private readonly db: Db,
    private readonly runner: AuditRecorder,
    private readonly checkpoints?: AnchorSource,
  ) {}

  async verify(who: { actor: string }) {
    // Every checkpoint this hub signed (from the file outside the database too) anchors the chain.
    const trusted = this.checkpoints ? await this.checkpoints.trustedAnchors() : { anchors: [], conflicts: [] };
    const { result, head, checkedAt, durationMs, threads, threadProblem } = await verifyStoredChain(this.db, { anchors: trusted.anchors, clock: this.runner.clock });
    await this.runner.submit({
      keyIds: [],
      run: (ws) =>
        ws.audit({
          actor: who.actor,
          action: result.ok ? "AUDIT_CHAIN_VERIFIED" : "AUDIT_CHAIN_BROKEN",
          subjectType: "audit-chain",
          subjectId: "main",
          fromState: null,
          toState: null,
          details: result.ok
            ? { entries: result.entries, headSeq: head.seq.toString(), headHash: head.hash }
            : {
                entriesVerified: result.entries, kind: result.failure.kind, seq: result.failure.seq?.toString() ?? null, headSeq: head.seq.toString(),
                breaks: result.failures.slice(0, 20).map((f) => ({ kind: f.kind, seq: f.seq?.toString() ?? null })),
              },
        }),
    });
    return { ...result, head, checkedAt, durationMs: Math.round(durationMs), threads, threadProblem, anchors: trusted.anchors.length, checkpointConflicts: trusted.conflicts };
  }
}
