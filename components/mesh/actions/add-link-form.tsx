"use client";
/**
 * Commission a new fibre link between two nodes: node pickers, fibre length,
 * detector error (the baseline QBER follows from it by the decoy-state model)
 * and an optional reason. Checked here with the server's
 * messages; the server's own refusal (field or whole) shows inline and the
 * form keeps what was typed. On success the new link's panel opens.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent, type ReactNode } from "react";
import type { MeshNodeView } from "@/components/trpc/router-types";
import { errorMessage, fieldErrors } from "@/components/trpc/api-errors";
import { useTRPC } from "@/components/trpc/trpc-context";
import { buttonClass, inputClass } from "@/components/ui/button-styles";
import { InlineError } from "@/components/ui/inline-error";
import { validateAddLink, type AddLinkDraft, type AddLinkField } from "./add-link-validation";

interface Props {
  nodes: readonly MeshNodeView[];
  from: string | null;
  onCreated: (linkId: string) => void;
  onCancel: () => void;
}

function Field({ id, label, problem, children }: { id: string; label: string; problem?: string; children: ReactNode }) {
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={id} className="text-sm font-semibold text-slate-300">{label}</label>
      {children}
      <InlineError id={`${id}-problem`} message={problem} testId={`${id}-error`} />
    </div>
  );
}

export function AddLinkForm({ nodes, from, onCreated, onCancel }: Props) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<AddLinkDraft>({ aNodeId: from ?? "", bNodeId: "", lengthKm: "", detectorErrorPercent: "3.3", reason: "" });
  const [problems, setProblems] = useState<Partial<Record<AddLinkField, string>>>({});
  const add = useMutation(
    trpc.mesh.addLink.mutationOptions({
      onSuccess: (link) => onCreated(link.id),
      onSettled: () => queryClient.invalidateQueries(trpc.mesh.pathFilter()),
    }),
  );
  const serverProblems = add.error ? fieldErrors(add.error) : {};
  const problem = (f: AddLinkField) => problems[f] ?? serverProblems[f];
  const generalError = add.error && Object.keys(serverProblems).length === 0 ? errorMessage(add.error) : null;
  const sorted = [...nodes].sort((a, b) => a.name.localeCompare(b.name));
  const set = (f: keyof AddLinkDraft) => (e: { target: { value: string } }) => {
    setDraft((d) => ({ ...d, [f]: e.target.value }));
    setProblems({});
  };

  function submit(e: FormEvent) {
    e.preventDefault();
    const { values, problems: found } = validateAddLink(draft);
    setProblems(found);
    if (values) add.mutate(values);
  }

  const picker = (f: "aNodeId" | "bNodeId", id: string, label: string) => (
    <Field id={id} label={label} problem={problem(f)}>
      <select id={id} data-testid={id} value={draft[f]} onChange={set(f)} className={inputClass} aria-invalid={problem(f) ? true : undefined}>
        <option value="">Choose a node…</option>
        {sorted.map((n) => (
          <option key={n.id} value={n.id}>
            {n.name} ({n.id}){n.status === "ONLINE" ? "" : ` · ${n.status.toLowerCase()}`}
          </option>
        ))}
      </select>
    </Field>
  );

  return (
    <form onSubmit={submit} noValidate data-testid="add-link-form" aria-label="Add a link" className="flex flex-col gap-3">
      <p className="text-base text-slate-300">
        A new fibre channel starts with an empty key pool that QKD fills at the rate its length allows (0.2 dB/km, R0 = 17.1 Mbit/s at 10% detector efficiency).
      </p>
      {picker("aNodeId", "add-link-a", "From node")}
      {picker("bNodeId", "add-link-b", "To node")}
      <div className="grid grid-cols-2 gap-3">
        <Field id="add-link-length" label="Fibre length (km)" problem={problem("lengthKm")}>
          <input id="add-link-length" data-testid="add-link-length" type="number" inputMode="decimal" min={0.1} max={400} step={0.1} value={draft.lengthKm} onChange={set("lengthKm")} className={inputClass} aria-invalid={problem("lengthKm") ? true : undefined} />
        </Field>
        <Field id="add-link-qber" label="Detector error (%)" problem={problem("detectorErrorRate")}>
          <input id="add-link-qber" data-testid="add-link-qber" type="number" inputMode="decimal" min={0} max={11} step={0.1} value={draft.detectorErrorPercent} onChange={set("detectorErrorPercent")} className={inputClass} aria-invalid={problem("detectorErrorRate") ? true : undefined} />
        </Field>
      </div>
      <Field id="add-link-reason" label="Reason (optional, recorded in the audit log)" problem={problem("reason")}>
        <input id="add-link-reason" data-testid="add-link-reason" value={draft.reason} maxLength={500} placeholder="fibre commissioned" onChange={set("reason")} className={inputClass} />
      </Field>
      <div aria-live="polite">{generalError ? <InlineError message={generalError} testId="add-link-error" /> : null}</div>
      <div className="flex flex-wrap gap-3">
        <button type="submit" data-testid="add-link-submit" disabled={add.isPending} className={buttonClass("primary")}>
          {add.isPending ? "Adding…" : "Add link"}
        </button>
        <button type="button" data-testid="add-link-cancel" onClick={onCancel} className={buttonClass("neutral")}>Cancel</button>
      </div>
    </form>
  );
}
