/** Approvals: the inbox of requests for revocations and emergency rotations, and their history. */
import type { Metadata } from "next";
import { ApprovalsInbox } from "@/components/approvals/approvals-inbox";
import { PageHeader } from "@/components/ui/page-header";

export const metadata: Metadata = { title: "Approvals" };

export default function ApprovalsPage() {
  return (
    <>
      <PageHeader
        title="Approvals"
        description="Revocations and emergency rotations wait here until enough distinct security officers approve; one rejection or the deadline closes them. Analysts request them from a key's page."
      />
      <ApprovalsInbox />
    </>
  );
}
