"use client";
/** Approve or reject with a comment; the server decides whether this officer may. */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC, useTRPCClient } from "@/components/trpc/trpc-context";
import { buttonClass, inputClass } from "@/components/ui/button-styles";
import { InlineError } from "@/components/ui/inline-error";

export function VoteForm({ id, needed, approvals }: { id: string; needed: number; approvals: number }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const [comment, setComment] = useState("");
  const vote = useMutation({
    mutationFn: (decision: "approve" | "reject") =>
      decision === "approve" ? client.approvals.approve.mutate({ id, comment }) : client.approvals.reject.mutate({ id, comment }),
    onSettled: () => queryClient.invalidateQueries(trpc.approvals.pathFilter()),
  });
  const last = approvals + 1 >= needed;
  return (
    <form className="flex flex-col gap-3" data-testid="vote-form" onSubmit={(e) => e.preventDefault()}>
      <label className="flex flex-col gap-1 text-base font-medium text-slate-200">
        Comment (recorded in the audit log with your name)
        <textarea className={inputClass} rows={3} value={comment} onChange={(e) => setComment(e.target.value)} data-testid="vote-comment" maxLength={500} />
      </label>
      {last ? <p className="text-base text-amber-200">Your approval completes the quorum: the action runs at once.</p> : <p className="text-base text-slate-300">Approvals so far: {approvals} of {needed}.</p>}
      <div className="flex flex-wrap gap-3">
        <button type="button" className={buttonClass("primary")} disabled={vote.isPending || comment.trim().length < 3} onClick={() => vote.mutate("approve")} data-testid="vote-approve">
          {vote.isPending && vote.variables === "approve" ? "Approving…" : "Approve"}
        </button>
        <button type="button" className={buttonClass("danger")} disabled={vote.isPending || comment.trim().length < 3} onClick={() => vote.mutate("reject")} data-testid="vote-reject">
          {vote.isPending && vote.variables === "reject" ? "Rejecting…" : "Reject"}
        </button>
      </div>
      <div aria-live="polite">{vote.isError ? <InlineError message={vote.error.message} testId="vote-error" /> : null}</div>
    </form>
  );
}
