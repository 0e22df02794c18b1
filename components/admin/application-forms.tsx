"use client";
/**
 * The forms of the Applications section: register an SAE at a site, pair two
 * SAEs, edit an SAE's description and certificate pins, disable one with a
 * reason. Validation is the server's (one definition of an SAE ID and a pin);
 * its message is shown next to the form. An edit or a disable carries the
 * version the form opened on: when someone else changed the SAE meanwhile the
 * server refuses it (CONCURRENT_UPDATE), the list reloads and the form says so.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent, type ReactNode } from "react";
import type { MeshNode, SaeView } from "@/components/trpc/router-types";
import { domainCode } from "@/components/trpc/api-errors";
import { useTRPC, useTRPCClient } from "@/components/trpc/trpc-context";
import { buttonClass, inputClass } from "@/components/ui/button-styles";
import { InlineError } from "@/components/ui/inline-error";

/** The router prefixes each validation message with its field path; ours name the field already ("The SAE ID…"). */
export const readable = (message: string) => message.replace(/(^|; )[a-zA-Z.0-9]+: (?=[A-Z])/g, "$1");

/** One pin per line (or separated by commas or spaces); blank lines dropped. */
const splitPins = (text: string) => text.split(/[\s,]+/).map((p) => p.trim()).filter((p) => p.length > 0);

/** A mutation whose settling reloads the applications (and whose refusal for a stale version says the list reloaded). */
function useApplicationsMutation<T>(fn: (input: T) => Promise<unknown>, onSuccess?: () => void) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const m = useMutation({ mutationFn: fn, onSuccess, onSettled: () => queryClient.invalidateQueries(trpc.applications.pathFilter()) });
  const stale = m.isError && domainCode(m.error) === "CONCURRENT_UPDATE";
  const error = m.isError ? (stale ? `${readable(m.error.message)} The list has been reloaded with the current values.` : readable(m.error.message)) : null;
  return { ...m, message: error, stale };
}

function Field({ label, hint, children, id }: { label: string; hint?: string; children: ReactNode; id: string }) {
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={id} className="text-sm font-semibold text-slate-300">{label}</label>
      {children}
      {hint ? <p id={`${id}-hint`} className="text-sm text-slate-400">{hint}</p> : null}
    </div>
  );
}

export function RegisterSaeForm({ nodes }: { nodes: readonly MeshNode[] }) {
  const client = useTRPCClient();
  const id = useId();
  const sites = [...nodes].sort((a, b) => Number(b.role === "ENDPOINT") - Number(a.role === "ENDPOINT") || a.name.localeCompare(b.name));
  const blank = { saeId: "", nodeId: sites[0]?.id ?? "", description: "", pins: "" };
  const [form, setForm] = useState(blank);
  const register = useApplicationsMutation(
    () => client.applications.register.mutate({ saeId: form.saeId, nodeId: form.nodeId || (sites[0]?.id ?? ""), description: form.description, certPins: splitPins(form.pins) }),
    () => setForm({ ...blank, nodeId: form.nodeId }),
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    register.mutate(undefined);
  };
  return (
    <form className="flex flex-col gap-3 rounded border border-line p-3" onSubmit={submit} noValidate data-testid="sae-register" aria-label="Register an application">
      <h3 className="text-base font-semibold text-slate-200">Register an application</h3>
      <div className="grid gap-3 md:grid-cols-3">
        <Field id={`${id}-sae`} label="SAE ID" hint="The CN of the application's certificate: 1-64 of A-Z a-z 0-9 . _ : -">
          <input id={`${id}-sae`} className={inputClass} value={form.saeId} maxLength={200} autoComplete="off" aria-describedby={`${id}-sae-hint`}
            onChange={(e) => setForm({ ...form, saeId: e.target.value })} data-testid="sae-register-id" />
        </Field>
        <Field id={`${id}-site`} label="Site">
          <select id={`${id}-site`} className={inputClass} value={form.nodeId || (sites[0]?.id ?? "")} onChange={(e) => setForm({ ...form, nodeId: e.target.value })} data-testid="sae-register-site">
            {sites.map((n) => <option key={n.id} value={n.id}>{n.name} ({n.id})</option>)}
          </select>
        </Field>
        <Field id={`${id}-desc`} label="Description (optional)">
          <input id={`${id}-desc`} className={inputClass} value={form.description} maxLength={300} onChange={(e) => setForm({ ...form, description: e.target.value })} data-testid="sae-register-description" />
        </Field>
      </div>
      <Field id={`${id}-pins`} label="Certificate pins (optional)" hint="SHA-256 fingerprints of the certificates it may present, one per line (64 hex digits, colons allowed); none: any certificate with this CN from the SAE CA.">
        <textarea id={`${id}-pins`} className={`${inputClass} font-mono text-sm`} rows={2} value={form.pins} aria-describedby={`${id}-pins-hint`}
          onChange={(e) => setForm({ ...form, pins: e.target.value })} data-testid="sae-register-pins" />
      </Field>
      <div aria-live="polite">
        <InlineError message={register.message} testId="sae-register-error" />
        {register.isSuccess ? <p className="text-base text-emerald-300" data-testid="sae-register-done">Registered.</p> : null}
      </div>
      <div><button type="submit" className={buttonClass("primary", "px-3 py-1 text-sm")} disabled={register.isPending} data-testid="sae-register-submit">{register.isPending ? "Registering…" : "Register"}</button></div>
    </form>
  );
}

export function PairSaesForm({ saes }: { saes: readonly SaeView[] }) {
  const client = useTRPCClient();
  const id = useId();
  const [pair, setPair] = useState({ saeA: "", saeB: "" });
  const submitPair = useApplicationsMutation(() => client.applications.pair.mutate(pair), () => setPair({ saeA: "", saeB: "" }));
  const option = (s: SaeView) => <option key={s.saeId} value={s.saeId}>{s.saeId} ({s.nodeId}){s.enabled ? "" : ", disabled"}</option>;
  return (
    <form className="flex flex-col gap-3 rounded border border-line p-3" noValidate data-testid="sae-pair" aria-label="Pair two applications"
      onSubmit={(e) => { e.preventDefault(); submitPair.mutate(undefined); }}>
      <h3 className="text-base font-semibold text-slate-200">Pair two applications</h3>
      <p className="text-sm text-slate-400">Paired applications may share keys; at two sites the pair gets a key pool the hub keeps stocked.</p>
      <div className="grid gap-3 md:grid-cols-2">
        <Field id={`${id}-a`} label="First SAE">
          <select id={`${id}-a`} className={inputClass} value={pair.saeA} onChange={(e) => setPair({ ...pair, saeA: e.target.value })} data-testid="sae-pair-a">
            <option value="">Choose…</option>{saes.map(option)}
          </select>
        </Field>
        <Field id={`${id}-b`} label="Second SAE">
          <select id={`${id}-b`} className={inputClass} value={pair.saeB} onChange={(e) => setPair({ ...pair, saeB: e.target.value })} data-testid="sae-pair-b">
            <option value="">Choose…</option>{saes.map(option)}
          </select>
        </Field>
      </div>
      <div aria-live="polite"><InlineError message={submitPair.message} testId="sae-pair-error" /></div>
      <div><button type="submit" className={buttonClass("neutral", "px-3 py-1 text-sm")} disabled={submitPair.isPending || !pair.saeA || !pair.saeB} data-testid="sae-pair-submit">{submitPair.isPending ? "Pairing…" : "Pair"}</button></div>
    </form>
  );
}

export function EditSaeForm({ sae, onDone }: { sae: SaeView; onDone: () => void }) {
  const client = useTRPCClient();
  const id = useId();
  /** The version this form opened on: the server refuses the save if the SAE changed since. */
  const [version, setVersion] = useState(sae.version);
  const [description, setDescription] = useState(sae.description);
  const [pins, setPins] = useState(sae.certPins.join("\n"));
  const save = useApplicationsMutation(
    () => client.applications.update.mutate({ saeId: sae.saeId, expectedVersion: version, description, certPins: splitPins(pins) }),
    onDone,
  );
  const startOver = () => {
    setVersion(sae.version);
    setDescription(sae.description);
    setPins(sae.certPins.join("\n"));
    save.reset();
  };
  return (
    <form className="flex max-w-2xl flex-col gap-2 rounded border border-line-strong p-3" noValidate data-testid="sae-edit" aria-label={`Edit ${sae.saeId}`}
      onSubmit={(e) => { e.preventDefault(); save.mutate(undefined); }}>
      <Field id={`${id}-desc`} label="Description">
        <input id={`${id}-desc`} className={inputClass} value={description} maxLength={300} onChange={(e) => setDescription(e.target.value)} data-testid="sae-edit-description" />
      </Field>
      <Field id={`${id}-pins`} label="Certificate pins" hint="One SHA-256 fingerprint per line; leave empty to accept any certificate with this CN from the SAE CA.">
        <textarea id={`${id}-pins`} className={`${inputClass} font-mono text-sm`} rows={2} value={pins} aria-describedby={`${id}-pins-hint`} onChange={(e) => setPins(e.target.value)} data-testid="sae-edit-pins" />
      </Field>
      <div aria-live="polite"><InlineError message={save.message} testId="sae-edit-error" /></div>
      <div className="flex gap-2">
        {save.stale ? <button type="button" className={buttonClass("neutral", "px-3 py-1 text-sm")} onClick={startOver} data-testid="sae-edit-reload">Start again from the current values</button> : null}
        <button type="submit" className={buttonClass("primary", "px-3 py-1 text-sm")} disabled={save.isPending} data-testid="sae-edit-submit">{save.isPending ? "Saving…" : "Save"}</button>
        <button type="button" className={buttonClass("ghost", "px-3 py-1 text-sm")} onClick={onDone}>Cancel</button>
      </div>
    </form>
  );
}

export function DisableSaeForm({ sae, onDone }: { sae: SaeView; onDone: () => void }) {
  const client = useTRPCClient();
  const id = useId();
  const [version, setVersion] = useState(sae.version);
  const [reason, setReason] = useState("");
  const disable = useApplicationsMutation(
    () => client.applications.setEnabled.mutate({ saeId: sae.saeId, enabled: false, expectedVersion: version, reason }),
    onDone,
  );
  const short = reason.trim().length < 3;
  return (
    <form className="flex max-w-2xl flex-col gap-2 rounded border border-red-400/40 bg-red-400/5 p-3" noValidate data-testid="sae-disable" aria-label={`Disable ${sae.saeId}`}
      onSubmit={(e) => { e.preventDefault(); if (!short) disable.mutate(undefined); }}>
      <p className="text-base text-slate-200">
        Disable <span className="font-mono">{sae.saeId}</span>? Every KME refuses it at once (401) and its pairs stop drawing on their pools.
      </p>
      <Field id={`${id}-reason`} label="Reason (for the audit log)">
        <input id={`${id}-reason`} className={inputClass} value={reason} maxLength={300} placeholder="e.g. certificate reported lost" onChange={(e) => setReason(e.target.value)} data-testid="sae-disable-reason" />
      </Field>
      <div aria-live="polite"><InlineError message={disable.message} testId="sae-disable-error" /></div>
      <div className="flex gap-2">
        {disable.stale ? (
          <button type="button" className={buttonClass("neutral", "px-3 py-1 text-sm")} data-testid="sae-disable-reload"
            onClick={() => { setVersion(sae.version); disable.reset(); }}>Use the current version</button>
        ) : null}
        <button type="submit" className={buttonClass("danger", "px-3 py-1 text-sm")} disabled={short || disable.isPending} data-testid="sae-disable-submit">{disable.isPending ? "Disabling…" : "Disable"}</button>
        <button type="button" className={buttonClass("ghost", "px-3 py-1 text-sm")} onClick={onDone}>Cancel</button>
      </div>
    </form>
  );
}

/** Enable again (no reason needed) or unpair: one-click actions with their error shown where the list is. */
export function useQuickApplicationActions() {
  const client = useTRPCClient();
  const enable = useApplicationsMutation((s: SaeView) => client.applications.setEnabled.mutate({ saeId: s.saeId, enabled: true, expectedVersion: s.version }));
  const unpair = useApplicationsMutation((p: { saeA: string; saeB: string }) => client.applications.unpair.mutate(p));
  return { enable, unpair };
}
