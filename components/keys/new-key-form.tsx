"use client";
/**
 * Generate a key: label, purpose, policy and participant nodes. Checks the
 * obvious on the client, shows the server's validation messages beside each
 * field, and opens the new key's page on success.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { fieldErrors } from "@/components/trpc/api-errors";
import { useTRPC } from "@/components/trpc/trpc-context";
import { buttonClass, inputClass } from "@/components/ui/button-styles";
import { InlineError } from "@/components/ui/inline-error";
import { ParticipantPicker } from "./participant-picker";

type Field = "label" | "purpose" | "policy" | "participants";

function checkLocally(v: { label: string; purpose: string; participants: string[] }): Partial<Record<Field, string>> {
  const e: Partial<Record<Field, string>> = {};
  if (v.label.trim().length < 3) e.label = "at least 3 characters";
  if (v.purpose.trim().length < 3) e.purpose = "at least 3 characters";
  if (v.participants.length === 0) e.participants = "choose at least one participant node";
  return e;
}

export function NewKeyForm({ onCancel }: { onCancel: () => void }) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const policies = useQuery(trpc.keys.policies.queryOptions(undefined, { staleTime: Number.POSITIVE_INFINITY }));
  const [label, setLabel] = useState("");
  const [purpose, setPurpose] = useState("");
  const [policy, setPolicy] = useState("standard");
  const [participants, setParticipants] = useState<string[]>([]);
  const [localErrors, setLocalErrors] = useState<Partial<Record<Field, string>>>({});

  const create = useMutation(
    trpc.keys.create.mutationOptions({
      onSuccess: async (key) => {
        await queryClient.invalidateQueries(trpc.keys.pathFilter());
        router.push(`/keys/${key.id}`);
      },
    }),
  );

  const serverErrors = create.error ? fieldErrors(create.error) : {};
  const errors: Partial<Record<Field, string>> = { ...serverErrors, ...localErrors };
  const hasFieldError = Object.keys(errors).length > 0;
  const selectedPolicy = policies.data?.find((p) => p.name === policy);

  function edited(field: Field) {
    if (localErrors[field]) setLocalErrors(({ [field]: _dropped, ...rest }) => rest);
  }

  function submit(e: FormEvent) {
    e.preventDefault();
    const found = checkLocally({ label, purpose, participants });
    setLocalErrors(found);
    if (Object.keys(found).length > 0) return;
    create.mutate({ label: label.trim(), purpose: purpose.trim(), policy, participants });
  }

  return (
    <form onSubmit={submit} noValidate data-testid="new-key-form" aria-label="New key" className="flex flex-col gap-5">
      <div className="grid gap-5 md:grid-cols-2">
        <div className="flex flex-col gap-1">
          <label htmlFor="new-key-label" className="text-sm font-semibold text-slate-300">Label</label>
          <input
            id="new-key-label" data-testid="new-key-label" value={label} maxLength={80} autoComplete="off"
            onChange={(e) => { setLabel(e.target.value); edited("label"); }} className={inputClass}
            aria-invalid={errors.label ? true : undefined} aria-describedby={errors.label ? "new-key-label-error" : undefined}
            placeholder="e.g. hub-1 / site-b telemetry"
          />
          <InlineError id="new-key-label-error" message={errors.label} testId="new-key-label-error" />
        </div>
        <div className="flex flex-col gap-1">
          <label htmlFor="new-key-policy" className="text-sm font-semibold text-slate-300">Policy</label>
          <select
            id="new-key-policy" data-testid="new-key-policy" value={policy} onChange={(e) => setPolicy(e.target.value)} className={inputClass}
            aria-invalid={errors.policy ? true : undefined} aria-describedby="new-key-policy-help"
          >
            {(policies.data ?? [{ name: "standard", description: "" }]).map((p) => (
              <option key={p.name} value={p.name}>{p.name}</option>
            ))}
          </select>
          <p id="new-key-policy-help" className="text-sm text-slate-400">
            {policies.isError ? "Could not load the policies; the standard policy is used." : (selectedPolicy?.description ?? "\u00a0")}
          </p>
          <InlineError message={errors.policy} />
        </div>
      </div>
      <div className="flex flex-col gap-1">
        <label htmlFor="new-key-purpose" className="text-sm font-semibold text-slate-300">Purpose</label>
        <input
          id="new-key-purpose" data-testid="new-key-purpose" value={purpose} maxLength={200} autoComplete="off"
          onChange={(e) => { setPurpose(e.target.value); edited("purpose"); }} className={inputClass}
          aria-invalid={errors.purpose ? true : undefined} aria-describedby={errors.purpose ? "new-key-purpose-error" : undefined}
          placeholder="What this key protects"
        />
        <InlineError id="new-key-purpose-error" message={errors.purpose} testId="new-key-purpose-error" />
      </div>
      <ParticipantPicker selected={participants} onChange={(ids) => { setParticipants(ids); edited("participants"); }} error={errors.participants} />
      <div aria-live="polite">
        {create.isError && !hasFieldError ? <InlineError message={create.error.message} testId="new-key-error" /> : null}
      </div>
      <div className="flex flex-wrap gap-3">
        <button type="submit" data-testid="new-key-submit" disabled={create.isPending} className={buttonClass("primary")}>
          {create.isPending ? "Generating…" : "Generate key"}
        </button>
        <button type="button" data-testid="new-key-cancel" onClick={onCancel} className={buttonClass("neutral")}>Cancel</button>
      </div>
    </form>
  );
}
