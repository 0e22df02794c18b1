/**
 * Builds exports from the database: validates the range against the chain,
 * finds the published checkpoint that covers it (reading never publishes:
 * signing is a separate, role-checked action), and hands the export
 * writer page-by-page readers, so an export of a million entries streams in
 * constant memory.
 */
import { poolOf, type Db } from "../../db/client";
import { DomainError } from "../../domain/errors/domain-error";
import { readHead } from "../audit-log";
import type { CheckpointService } from "../checkpoint/checkpoint-service";
import { readEntryPages, storeOracle } from "../checkpoint/merkle-store";
import { exportCsv, exportJsonLines } from "./export-format";

export interface ExportRequest {
  from?: bigint;
  to?: bigint;
  format: "jsonl" | "csv";
}

/**
 * Defaults: from 1; to the newest entry for CSV, the newest checkpoint's
 * size for JSON Lines (what is signed; later entries wait for the next
 * checkpoint, which an export never publishes).
 */
export async function auditExport(db: Db, checkpoints: CheckpointService, req: ExportRequest, now: Date = checkpoints.clock()) {
  const head = await readHead(db);
  if (head.seq === 0n) throw new DomainError("AUDIT_NOT_FOUND", "The audit log is empty: there is nothing to export yet");
  const latest = req.format === "jsonl" ? await checkpoints.latest() : null;
  if (req.format === "jsonl" && !latest) {
    throw new DomainError("AUDIT_UNAVAILABLE", "No checkpoint has been published yet, so no export can be verified: wait for the next scheduled one, or have an analyst publish one");
  }
  const from = req.from ?? 1n;
  const to = req.to ?? (latest ? BigInt(latest.treeSize) : head.seq);
  if (from > to) throw new DomainError("INVALID_INPUT", `from (#${from}) must not be after to (#${to})`);
  if (to > head.seq) throw new DomainError("INVALID_INPUT", `The audit log ends at entry #${head.seq}; to (#${to}) is past it`);
  const pool = poolOf(db);
  const entries = () => readEntryPages(pool, from - 1n, to, 2000);
  const filename = `qecnet-audit-${from}-${to}.${req.format}`;
  if (req.format === "csv") return { filename, contentType: "text/csv; charset=utf-8", body: exportCsv(entries()) };

  const cover = await checkpoints.covering(to);
  if (!cover) {
    throw new DomainError("AUDIT_UNAVAILABLE", `No checkpoint covers entry #${to} yet (the newest covers #${latest?.treeSize}): export up to it, wait for the next scheduled checkpoint, or have an analyst publish one`);
  }
  const body = exportJsonLines({
    from, to, covering: cover, publicKey: checkpoints.key.publicKey, keyId: checkpoints.key.keyId, exportedAt: now, oracle: storeOracle(pool), entries,
    checkpoints: async function* () {
      let after = from - 1n;
      for (;;) {
        const page = (await checkpoints.list({ afterSize: after, limit: 2000 })).filter((c) => BigInt(c.treeSize) <= BigInt(cover.treeSize));
        yield* page;
        if (page.length < 2000) return;
        after = BigInt(page[page.length - 1]!.treeSize);
      }
    },
  });
  return { filename, contentType: "application/x-ndjson; charset=utf-8", body };
}
