/** Approvals: placeholder for two-person approval of revocations and emergency rotations. */
import type { Metadata } from "next";
import { ApprovalsPlaceholder } from "@/components/approvals/approvals-placeholder";
import { PageHeader } from "@/components/ui/page-header";

export const metadata: Metadata = { title: "Approvals" };

export default function ApprovalsPage() {
  return (
    <>
      <PageHeader title="Approvals" description="Security officers approve or reject revocations and emergency rotations here." />
      <ApprovalsPlaceholder />
    </>
  );
}
