"use client";
/** Administrators: the approval policy, one rule per kind of action (never fewer than 1 approval). */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC, useTRPCClient } from "@/components/trpc/trpc-context";
import { buttonClass, inputClass } from "@/components/ui/button-styles";
import { ErrorPanel } from "@/components/ui/error-panel";
import { formatDateTime } from "@/components/ui/format";
import { InlineError } from "@/components/ui/inline-error";
import { Panel } from "@/components/ui/panel";
import { SkeletonRows } from "@/components/ui/skeleton-rows";

function RuleRow({ rule }: { rule: { kind: string; minApprovals: number; ttlMinutes: number; updatedAt: Date; updatedBy: string } }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const [m, setM] = useState(String(rule.minApprovals));
  const [ttl, setTtl] = useState(String(rule.ttlMinutes));
  const save = useMutation({
    mutationFn: () => client.approvals.updateRule.mutate({ kind: rule.kind, minApprovals: Number(m), ttlMinutes: Number(ttl) }),
    onSettled: () => queryClient.invalidateQueries(trpc.approvals.pathFilter()),
  });
  return (
    <tr className="border-t border-line align-top" data-testid="rule-row" data-kind={rule.kind}>
      <td className="py-2 font-mono text-slate-100">{rule.kind}</td>
      <td className="py-2"><input className={inputClass} type="number" min={1} max={10} aria-label={`Approvals needed for ${rule.kind}`} value={m} onChange={(e) => setM(e.target.value)} data-testid="rule-min" /></td>
      <td className="py-2"><input className={inputClass} type="number" min={5} max={10080} aria-label={`Minutes to decide ${rule.kind}`} value={ttl} onChange={(e) => setTtl(e.target.value)} data-testid="rule-ttl" /></td>
      <td className="py-2 text-sm text-slate-400">{formatDateTime(rule.updatedAt)} by {rule.updatedBy.replace(/^user:/, "")}</td>
      <td className="py-2">
        <button type="button" className={buttonClass("neutral", "px-3 py-1 text-sm")} disabled={save.isPending} onClick={() => save.mutate()} data-testid="rule-save">Save</button>
        {save.isError ? <InlineError message={save.error.message} testId="rule-error" /> : null}
      </td>
    </tr>
  );
}

export function RulesAdmin() {
  const trpc = useTRPC();
  const rules = useQuery(trpc.approvals.rules.queryOptions());
  return (
    <Panel title="Approval rules" testId="rules-admin">
      <p className="mb-3 text-base text-slate-300">How many distinct security officers must approve each kind of request, and how long it stays open. A rule can never ask for fewer than one; a missing rule refuses the action.</p>
      {rules.isPending ? <SkeletonRows rows={2} label="Loading rules" /> : rules.isError ? <ErrorPanel title="Could not load the rules" error={rules.error} onRetry={() => void rules.refetch()} /> : (
        <table className="w-full text-left text-base">
          <thead className="text-sm uppercase tracking-wide text-slate-400"><tr><th className="py-2">Action</th><th className="py-2">Approvals</th><th className="py-2">Minutes</th><th className="py-2">Changed</th><th /></tr></thead>
          <tbody>{rules.data.map((r) => <RuleRow key={`${r.kind}-${r.updatedAt.getTime()}`} rule={r} />)}</tbody>
        </table>
      )}
    </Panel>
  );
}
