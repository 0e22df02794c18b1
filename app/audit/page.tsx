/** Audit: the tamper-evident log of every key action, with chain verification (client-side, live). */
import type { Metadata } from "next";
import { Suspense } from "react";
import { AuditConsole } from "@/components/audit/audit-console";
import { PageHeader } from "@/components/ui/page-header";
import { SkeletonRows } from "@/components/ui/skeleton-rows";

export const metadata: Metadata = { title: "Audit" };

export default function AuditPage() {
  return (
    <>
      <PageHeader
        title="Audit"
        description="Every key action, hash-chained in the order it happened. Verify the chain to prove nothing was changed, removed or reordered."
      />
      <Suspense fallback={<SkeletonRows label="Loading audit log" />}>
        <AuditConsole />
      </Suspense>
    </>
  );
}
