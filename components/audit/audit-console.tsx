"use client";
/** The audit page's live part: chain head and verification, filters, and the log itself. */
import { Panel } from "@/components/ui/panel";
import { AuditFilters } from "./audit-filters";
import { AuditHeadSummary } from "./audit-head-summary";
import { AuditTable } from "./audit-table";
import { CheckpointPanel } from "./checkpoint-panel";
import { useAuditFilters } from "./use-audit-filters";
import { VerifyChainPanel } from "./verify-chain-panel";

export function AuditConsole() {
  const { filters, setFilters } = useAuditFilters();
  return (
    <div className="flex flex-col gap-6">
      <div className="grid gap-6 xl:grid-cols-2">
        <Panel title="Chain head" testId="audit-head-panel"><AuditHeadSummary /></Panel>
        <Panel title="Integrity" testId="verify-panel"><VerifyChainPanel /></Panel>
      </div>
      <Panel title="Signed checkpoints" testId="checkpoint-panel"><CheckpointPanel /></Panel>
      {/* Remount the filters when the subject changes from elsewhere (a link, Clear) so the box shows it. */}
      <AuditFilters key={filters.subject} filters={filters} onChange={setFilters} />
      <AuditTable
        filters={filters}
        onShowNewest={() => setFilters({ seq: null })}
        onClearFilters={() => setFilters({ action: "", subject: "", seq: null })}
      />
    </div>
  );
}
