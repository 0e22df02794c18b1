"use client";
/**
 * Administrators: the named key policies, every field in human units, with
 * Edit per row, "New policy", and Delete for a policy an administrator made
 * that no key was generated under. Every change is one audited change with a
 * reason; the list refetches on the live "keys" topic, so other consoles see it too.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { COMPROMISE_SIGNAL_LABELS, type CompromiseSignal } from "@/server/domain/policies/compromise-signals";
import type { KeyPolicy } from "@/server/domain/policies/key-policy";
import type { KeyPolicyView as PolicyView } from "@/components/trpc/router-types";
import { formatSeconds } from "@/server/domain/policies/policy-rules";
import { useTRPC, useTRPCClient } from "@/components/trpc/trpc-context";
import { buttonClass, inputClass } from "@/components/ui/button-styles";
import { ErrorPanel } from "@/components/ui/error-panel";
import { InlineError } from "@/components/ui/inline-error";
import { formatCount, formatDateTime } from "@/components/ui/format";
import { Panel } from "@/components/ui/panel";
import { SkeletonRows } from "@/components/ui/skeleton-rows";
import { PolicyForm, type PolicyFormValues } from "./policy-form";

const SIGNAL_CHIPS: Record<CompromiseSignal, string> = { QBER_ABORT: "QBER abort", OPERATOR_REPORT: "Operator report", INTEGRITY_MISMATCH: "Integrity mismatch" };
const COLUMNS = ["Policy", "Key size", "Rotates every", "Usage limit", "Overlap", "Retention", "Attempts", "Revokes automatically on", "Changed", ""];

/** What "New policy" starts from (the standard policy's values); key-policies.ts itself is server code. */
const NEW_POLICY: KeyPolicy = {
  name: "", description: "", sizeBits: 256, cryptoperiodSeconds: 86_400, maxUsage: 1_000_000, overlapSeconds: 300, retentionDays: 30,
  maxDistributionAttempts: 3, autoRevokeSignals: ["QBER_ABORT", "INTEGRITY_MISMATCH"],
};

/** The router prefixes each validation message with its field path; ours name the field already ("Overlap must…"). */
const readable = (message: string) => message.replace(/(^|; )[a-zA-Z.]+: (?=[A-Z])/g, "$1");

const days = (n: number) => `${formatCount(n)} ${n === 1 ? "day" : "days"}`;

function Signals({ list }: { list: readonly CompromiseSignal[] }) {
  if (list.length === 0) return <span className="text-sm text-slate-400">none (all wait for approval)</span>;
  return (
    <ul className="flex flex-wrap gap-1">
      {list.map((s) => (
        <li key={s} title={COMPROMISE_SIGNAL_LABELS[s]} className="rounded-full border border-amber-400/40 bg-amber-400/10 px-2 py-0.5 text-sm text-amber-200" data-testid="policy-signal-chip">
          {SIGNAL_CHIPS[s]}
        </li>
      ))}
    </ul>
  );
}

/** Why a policy cannot be deleted, or null when it can. */
function undeletable(p: PolicyView): string | null {
  if (p.builtIn) return "A built-in policy stays; edit its values instead."; // no Delete button is shown for these
  if (p.keyCount > 0) return `${formatCount(p.keyCount)} key record${p.keyCount === 1 ? "" : "s"} name this policy (a key keeps its policy for life).`;
  return null;
}

function PolicyRow({ p, editing, onEdit, onDelete }: { p: PolicyView; editing: boolean; onEdit: () => void; onDelete: () => void }) {
  const why = undeletable(p);
  return (
    <tr className="border-t border-line align-top" data-testid="policy-row" data-name={p.name}>
      <td className="py-2 pr-3"><span className="font-mono text-slate-100">{p.name}</span><p className="max-w-xs text-sm text-slate-400">{p.description}</p></td>
      <td className="py-2 pr-3 whitespace-nowrap text-slate-200">{p.sizeBits} bits</td>
      <td className="py-2 pr-3 whitespace-nowrap text-slate-200" data-testid="policy-cryptoperiod-cell">{formatSeconds(p.cryptoperiodSeconds)}</td>
      <td className="py-2 pr-3 whitespace-nowrap text-slate-200">{p.maxUsage === null ? "no limit" : `${formatCount(p.maxUsage)} uses`}</td>
      <td className="py-2 pr-3 whitespace-nowrap text-slate-200" data-testid="policy-overlap-cell">{p.overlapSeconds === 0 ? "none" : formatSeconds(p.overlapSeconds)}</td>
      <td className="py-2 pr-3 whitespace-nowrap text-slate-200">{days(p.retentionDays)}</td>
      <td className="py-2 pr-3 text-slate-200">{p.maxDistributionAttempts}</td>
      <td className="py-2 pr-3"><Signals list={p.autoRevokeSignals} /></td>
      <td className="py-2 pr-3 text-sm text-slate-400">v{p.version}, {formatDateTime(p.updatedAt)} by {p.updatedBy.replace(/^user:/, "")}</td>
      <td className="py-2">
        <div className="flex flex-col gap-1">
          <button type="button" className={buttonClass("neutral", "px-3 py-1 text-sm")} disabled={editing} onClick={onEdit} data-testid="policy-edit">Edit</button>
          {p.builtIn ? null : (
            <button type="button" className={buttonClass("danger", "px-3 py-1 text-sm")} disabled={editing || why !== null} title={why ?? `Delete policy ${p.name}`}
              onClick={onDelete} data-testid="policy-delete">Delete</button>
          )}
        </div>
      </td>
    </tr>
  );
}

/** The confirmation under a row: what goes, the reason for the audit log, and the server's answer. */
function DeleteConfirm({ p, onDone, onCancel }: { p: PolicyView; onDone: () => void; onCancel: () => void }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const [reason, setReason] = useState("");
  const remove = useMutation({
    mutationFn: () => client.keys.deletePolicy.mutate({ name: p.name, expectedVersion: p.version, reason }),
    onSuccess: onDone,
    onSettled: () => queryClient.invalidateQueries(trpc.keys.policies.pathFilter()),
  });
  const short = reason.trim().length < 3;
  return (
    <form className="flex max-w-2xl flex-col gap-2 rounded border border-red-400/40 bg-red-400/5 p-3" data-testid="policy-delete-confirm"
      onSubmit={(e) => { e.preventDefault(); if (!short) remove.mutate(); }}>
      <p className="text-base text-slate-200">
        Delete policy <span className="font-mono">{p.name}</span> (version {p.version})? No key was generated under it. The deletion and its
        values are kept in the audit log.
      </p>
      <label htmlFor={`delete-reason-${p.name}`} className="text-sm font-semibold text-slate-300">Reason (for the audit log)</label>
      <input id={`delete-reason-${p.name}`} className={inputClass} value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500}
        placeholder="e.g. created by mistake" data-testid="policy-delete-reason" />
      <InlineError message={remove.isError ? readable(remove.error.message) : null} testId="policy-delete-error" />
      <div className="flex gap-2">
        <button type="submit" className={buttonClass("danger", "px-3 py-1 text-sm")} disabled={short || remove.isPending} data-testid="policy-delete-submit">
          {remove.isPending ? "Deleting…" : "Delete policy"}
        </button>
        <button type="button" className={buttonClass("ghost", "px-3 py-1 text-sm")} onClick={onCancel}>Cancel</button>
      </div>
    </form>
  );
}

export function PoliciesAdmin() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const policies = useQuery(trpc.keys.policies.queryOptions());
  /** The policy being edited (its name and the version the form started from), "new", or nothing. */
  const [open, setOpen] = useState<{ name: string; version: number } | "new" | null>(null);
  /** The policy whose deletion is being confirmed. */
  const [deleting, setDeleting] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: ({ policy, reason }: PolicyFormValues) => {
      if (open === "new") return client.keys.createPolicy.mutate({ ...policy, reason });
      const { name: _n, ...changes } = policy;
      return client.keys.updatePolicy.mutate({ name: open!.name, expectedVersion: open!.version, reason, changes });
    },
    onSuccess: () => setOpen(null),
    onSettled: () => queryClient.invalidateQueries(trpc.keys.policies.pathFilter()),
  });
  const start = (next: typeof open) => {
    save.reset();
    setOpen(next);
  };
  const form = (initial: KeyPolicy, isNew: boolean) => (
    <PolicyForm initial={initial} isNew={isNew} saving={save.isPending} error={save.isError ? readable(save.error.message) : null}
      onSave={(v) => save.mutate(v)} onCancel={() => start(null)} />
  );

  return (
    <Panel title="Key policies" testId="policies-admin"
      actions={<button type="button" className={buttonClass("neutral", "px-3 py-1 text-sm")} disabled={open !== null || deleting !== null} onClick={() => start("new")} data-testid="policy-new">New policy</button>}>
      <p className="mb-3 text-base text-slate-300">
        How keys of each policy rotate, overlap, are retried and are kept. A change applies to existing keys from then on:
        rotation interval, usage limit, overlap, distribution attempts and automatic revocation are read each time they are checked;
        a key&apos;s size and retention period are fixed when it is generated. Every change is recorded in the audit log with your reason.
      </p>
      {open === "new" ? <div className="mb-4">{form(NEW_POLICY, true)}</div> : null}
      {policies.isPending ? <SkeletonRows rows={3} label="Loading policies" /> : policies.isError ? (
        <ErrorPanel title="Could not load the key policies" error={policies.error} onRetry={() => void policies.refetch()} />
      ) : (
        <div className="relative overflow-x-auto">
          <table className="w-full text-left text-base" data-testid="policies-table">
            <thead className="text-sm uppercase tracking-wide text-slate-400"><tr>{COLUMNS.map((c) => <th key={c} className="py-2 pr-3">{c}</th>)}</tr></thead>
            <tbody>
              {policies.data.map((p) => {
                const editing = open !== null && open !== "new" && open.name === p.name;
                return [
                  <PolicyRow key={p.name} p={p} editing={open !== null || deleting !== null}
                    onEdit={() => start({ name: p.name, version: p.version })} onDelete={() => setDeleting(p.name)} />,
                  editing ? <tr key={`${p.name}-edit`}><td colSpan={COLUMNS.length} className="pb-4">{form(p, false)}</td></tr> : null,
                  deleting === p.name ? (
                    <tr key={`${p.name}-delete`}><td colSpan={COLUMNS.length} className="pb-4">
                      <DeleteConfirm p={p} onDone={() => setDeleting(null)} onCancel={() => setDeleting(null)} />
                    </td></tr>
                  ) : null,
                ];
              })}
            </tbody>
          </table>
        </div>
      )}
    </Panel>
  );
}
