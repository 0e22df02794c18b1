"use client";
/**
 * The live count next to "Approvals" in the navigation: for officers, the
 * requests waiting for their decision; for others, the open ones. A tRPC
 * subscription (server-sent events) pushes a new count whenever any server
 * instance records a request, vote or expiry.
 */
import { useSubscription } from "@trpc/tanstack-react-query";
import { useState } from "react";
import { useTRPC } from "@/components/trpc/trpc-context";
import { useCurrentUser } from "@/components/auth/current-user";

export function ApprovalsBadge() {
  const trpc = useTRPC();
  const user = useCurrentUser();
  const [counts, setCounts] = useState<{ pending: number; awaitingYou: number } | null>(null);
  useSubscription(trpc.approvals.onPendingCount.subscriptionOptions(undefined, { onData: (c) => setCounts(c) }));
  if (!counts) return null;
  const officer = user.role === "officer";
  const n = officer ? counts.awaitingYou : counts.pending;
  const label = officer ? `${n} request${n === 1 ? "" : "s"} waiting for your decision` : `${n} open request${n === 1 ? "" : "s"}`;
  return (
    <span
      data-testid="approvals-badge"
      data-count={n}
      aria-label={label}
      title={label}
      className={`ml-auto inline-flex min-w-7 items-center justify-center rounded-full px-2 py-0.5 text-sm font-bold ${n > 0 ? (officer ? "bg-amber-400 text-slate-950" : "bg-sky-500/30 text-sky-100") : "bg-line text-slate-400"}`}
    >
      {n}
    </span>
  );
}
