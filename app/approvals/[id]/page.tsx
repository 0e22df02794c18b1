/** One approval request: impact, votes, decision. */
import type { Metadata } from "next";
import { RequestDetail } from "@/components/approvals/request-detail";

export const metadata: Metadata = { title: "Approval request" };

export default async function ApprovalRequestPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <RequestDetail id={id} />;
}
