/**
 * What approvers are told outside the console: one JSON notice per new
 * approval request, vote and expiry. Built from the committed facts only:
 * ids, kind, target label, status, counts, who acted. Justifications and
 * comments (free text that anyone may type) and anything about key material
 * never go into a notice; the console link is where the details are read,
 * after sign-in.
 */
export type ApprovalNoticeType = "APPROVAL_REQUESTED" | "APPROVAL_VOTED" | "APPROVAL_EXPIRED";

export interface ApprovalNotice {
  /** Versioned, so receivers can tell shapes apart. */
  schema: "qecnet.approval-notice/1";
  type: ApprovalNoticeType;
  /** Unique per notice (request id + event): receivers drop duplicates of a retried delivery. */
  noticeId: string;
  requestId: string;
  kind: string;
  targetType: string;
  targetId: string;
  targetLabel: string;
  status: string;
  requiredApprovals: number;
  expiresAt: string;
  /** "user:<email>" or "system:<component>". */
  actor: string;
  decision: "APPROVE" | "REJECT" | null;
  /** When the change committed (the transaction's clock). */
  at: string;
  /** Where an approver reads and decides it (QECNET_PUBLIC_URL + /approvals/<id>), when the public URL is known. */
  link: string | null;
}

export interface NoticeFacts {
  type: ApprovalNoticeType;
  request: { id: string; kind: string; targetType: string; targetId: string; targetLabel: string; requiredApprovals: number; expiresAt: Date };
  status: string;
  actor: string;
  decision?: "APPROVE" | "REJECT";
  at: Date;
  /** Tells votes on the same request apart in noticeId. */
  seq?: number;
}

export function approvalNotice(f: NoticeFacts, publicUrl: string | null): ApprovalNotice {
  const r = f.request;
  return {
    schema: "qecnet.approval-notice/1",
    type: f.type,
    noticeId: `${r.id}:${f.type}:${f.at.toISOString()}:${f.seq ?? 0}`,
    requestId: r.id,
    kind: r.kind,
    targetType: r.targetType,
    targetId: r.targetId,
    targetLabel: r.targetLabel,
    status: f.status,
    requiredApprovals: r.requiredApprovals,
    expiresAt: r.expiresAt.toISOString(),
    actor: f.actor,
    decision: f.decision ?? null,
    at: f.at.toISOString(),
    link: publicUrl ? new URL(`/approvals/${r.id}`, publicUrl).toString() : null,
  };
}
