"use client";
/**
 * The form behind "Edit" and "New policy" on the Admin page: every field of a
 * key policy with its unit, the three compromise signals as checkboxes, and a
 * required reason for the audit log. Checks the obvious locally; the server
 * checks everything again and its message is shown beside the buttons.
 */
import { useState, type FormEvent, type ReactNode } from "react";
import { COMPROMISE_SIGNALS, COMPROMISE_SIGNAL_LABELS, mayRevokeAutomatically, type CompromiseSignal } from "@/server/domain/policies/compromise-signals";
import type { KeyPolicy } from "@/server/domain/policies/key-policy";
import { POLICY_LIMITS } from "@/server/domain/policies/policy-rules";
import { buttonClass, inputClass } from "@/components/ui/button-styles";
import { InlineError } from "@/components/ui/inline-error";

const UNITS = [["s", 1], ["min", 60], ["h", 3_600], ["days", 86_400]] as const;
type Unit = (typeof UNITS)[number][0];
const unitSize = (u: Unit) => UNITS.find(([n]) => n === u)![1];
/** The largest unit the value is a whole number of (5 min rather than 300 s). */
function bestUnit(seconds: number): Unit {
  for (const [name, size] of [...UNITS].reverse()) if (seconds > 0 && seconds % size === 0) return name;
  return seconds === 0 ? "min" : "s";
}

interface Duration {
  value: string;
  unit: Unit;
}
const toDuration = (s: number): Duration => ({ value: String(s / unitSize(bestUnit(s))), unit: bestUnit(s) });
const seconds = (d: Duration) => Number(d.value) * unitSize(d.unit);

export interface PolicyFormValues {
  policy: KeyPolicy;
  reason: string;
}

interface Draft {
  name: string;
  description: string;
  sizeBits: string;
  cryptoperiod: Duration;
  unlimited: boolean;
  maxUsage: string;
  overlap: Duration;
  retentionDays: string;
  attempts: string;
  signals: CompromiseSignal[];
  reason: string;
}

function draftOf(p: KeyPolicy): Draft {
  return {
    name: p.name, description: p.description, sizeBits: String(p.sizeBits), cryptoperiod: toDuration(p.cryptoperiodSeconds),
    unlimited: p.maxUsage === null, maxUsage: p.maxUsage === null ? "" : String(p.maxUsage), overlap: toDuration(p.overlapSeconds),
    retentionDays: String(p.retentionDays), attempts: String(p.maxDistributionAttempts), signals: [...p.autoRevokeSignals], reason: "",
  };
}

function localProblem(d: Draft, isNew: boolean): string | null {
  if (isNew && !d.name.trim()) return "Give the policy a name.";
  const numbers: [string, string][] = [["Cryptoperiod", d.cryptoperiod.value], ["Overlap", d.overlap.value], ["Retention", d.retentionDays], ["Distribution attempts", d.attempts]];
  if (!d.unlimited) numbers.push(["Usage limit", d.maxUsage]);
  for (const [label, v] of numbers) if (v.trim() === "" || !Number.isFinite(Number(v))) return `${label} must be a number.`;
  if (d.reason.trim().length < 3) return "Give a reason of at least 3 characters for the audit log.";
  return null;
}

function Field({ label, htmlFor, children, hint }: { label: string; htmlFor: string; children: ReactNode; hint?: string }) {
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={htmlFor} className="text-sm font-semibold text-slate-300">{label}</label>
      {children}
      {hint ? <p className="text-sm text-slate-400">{hint}</p> : null}
    </div>
  );
}

function DurationInput({ id, value, onChange, testId }: { id: string; value: Duration; onChange: (d: Duration) => void; testId: string }) {
  return (
    <div className="flex gap-2">
      <input id={id} className={inputClass} type="number" min={0} inputMode="numeric" value={value.value} onChange={(e) => onChange({ ...value, value: e.target.value })} data-testid={testId} />
      <select className={`${inputClass} w-28`} aria-label="unit" value={value.unit} onChange={(e) => onChange({ ...value, unit: e.target.value as Unit })} data-testid={`${testId}-unit`}>
        {UNITS.map(([u]) => <option key={u} value={u}>{u}</option>)}
      </select>
    </div>
  );
}

export function PolicyForm({ initial, isNew, saving, error, onSave, onCancel }: {
  initial: KeyPolicy;
  isNew: boolean;
  saving: boolean;
  error: string | null;
  onSave: (v: PolicyFormValues) => void;
  onCancel: () => void;
}) {
  const [d, setD] = useState<Draft>(() => draftOf(initial));
  const [local, setLocal] = useState<string | null>(null);
  const set = (patch: Partial<Draft>) => {
    setD((x) => ({ ...x, ...patch }));
    setLocal(null);
  };
  const idp = `policy-${isNew ? "new" : initial.name}`;

  function submit(e: FormEvent) {
    e.preventDefault();
    const problem = localProblem(d, isNew);
    setLocal(problem);
    if (problem) return;
    onSave({
      reason: d.reason.trim(),
      policy: {
        name: d.name.trim(), description: d.description.trim(), sizeBits: Number(d.sizeBits), cryptoperiodSeconds: seconds(d.cryptoperiod),
        maxUsage: d.unlimited ? null : Number(d.maxUsage), overlapSeconds: seconds(d.overlap), retentionDays: Number(d.retentionDays),
        maxDistributionAttempts: Number(d.attempts), autoRevokeSignals: COMPROMISE_SIGNALS.filter((s) => d.signals.includes(s)),
      },
    });
  }

  return (
    <form onSubmit={submit} noValidate className="flex flex-col gap-4 rounded-lg border border-line-strong bg-panel-raised p-4" data-testid="policy-form" aria-label={isNew ? "New key policy" : `Edit policy ${initial.name}`}>
      <div className="grid gap-4 md:grid-cols-3">
        {isNew ? (
          <Field label="Name" htmlFor={`${idp}-name`} hint="lower-case letters, digits and -, e.g. long-haul">
            <input id={`${idp}-name`} className={inputClass} value={d.name} maxLength={40} autoComplete="off" onChange={(e) => set({ name: e.target.value })} data-testid="policy-name" />
          </Field>
        ) : null}
        <div className={isNew ? "md:col-span-2" : "md:col-span-3"}>
          <Field label="Description" htmlFor={`${idp}-description`}>
            <input id={`${idp}-description`} className={inputClass} value={d.description} maxLength={POLICY_LIMITS.descriptionMax} onChange={(e) => set({ description: e.target.value })} data-testid="policy-description" />
          </Field>
        </div>
        <Field label="Key size" htmlFor={`${idp}-size`} hint="fixed for a key when it is generated">
          <select id={`${idp}-size`} className={inputClass} value={d.sizeBits} onChange={(e) => set({ sizeBits: e.target.value })} data-testid="policy-size">
            {POLICY_LIMITS.sizeBits.map((b) => <option key={b} value={b}>{b} bits</option>)}
          </select>
        </Field>
        <Field label="Cryptoperiod (scheduled rotation)" htmlFor={`${idp}-cryptoperiod`} hint="1 min to 730 days">
          <DurationInput id={`${idp}-cryptoperiod`} value={d.cryptoperiod} onChange={(v) => set({ cryptoperiod: v })} testId="policy-cryptoperiod" />
        </Field>
        <Field label="Overlap of old and new key" htmlFor={`${idp}-overlap`} hint="0 to 1 day, shorter than the cryptoperiod">
          <DurationInput id={`${idp}-overlap`} value={d.overlap} onChange={(v) => set({ overlap: v })} testId="policy-overlap" />
        </Field>
        <Field label="Usage limit (rotate after)" htmlFor={`${idp}-usage`}>
          <div className="flex items-center gap-3">
            <input id={`${idp}-usage`} className={inputClass} type="number" min={1} disabled={d.unlimited} value={d.maxUsage} onChange={(e) => set({ maxUsage: e.target.value })} data-testid="policy-max-usage" />
            <label className="flex shrink-0 items-center gap-2 text-sm text-slate-300">
              <input type="checkbox" checked={d.unlimited} onChange={(e) => set({ unlimited: e.target.checked })} data-testid="policy-unlimited" /> no limit
            </label>
          </div>
        </Field>
        <Field label="Retention of retired keys (days)" htmlFor={`${idp}-retention`} hint="0 to 3,650; fixed for a key when it is generated">
          <input id={`${idp}-retention`} className={inputClass} type="number" min={0} max={POLICY_LIMITS.retentionDays.max} value={d.retentionDays} onChange={(e) => set({ retentionDays: e.target.value })} data-testid="policy-retention" />
        </Field>
        <Field label="Distribution attempts" htmlFor={`${idp}-attempts`} hint="1 to 10, each with new material">
          <input id={`${idp}-attempts`} className={inputClass} type="number" min={1} max={10} value={d.attempts} onChange={(e) => set({ attempts: e.target.value })} data-testid="policy-attempts" />
        </Field>
      </div>
      <fieldset className="flex flex-col gap-2">
        <legend className="mb-1 text-sm font-semibold text-slate-300">Revoke automatically on (the other signals wait for a security officer&apos;s approval)</legend>
        {COMPROMISE_SIGNALS.map((s) => (
          <label key={s} className="flex items-start gap-2 text-base text-slate-200">
            <input type="checkbox" className="mt-1" checked={d.signals.includes(s)} data-testid={`policy-signal-${s}`} disabled={!mayRevokeAutomatically(s)}
              onChange={(e) => set({ signals: e.target.checked ? [...d.signals, s] : d.signals.filter((x) => x !== s) })} />
            {COMPROMISE_SIGNAL_LABELS[s]}
            {mayRevokeAutomatically(s) ? null : <span className="text-sm text-slate-400">(one person&apos;s word: always waits for security officers&apos; approval)</span>}
          </label>
        ))}
      </fieldset>
      <Field label="Reason (recorded in the audit log)" htmlFor={`${idp}-reason`}>
        <input id={`${idp}-reason`} className={inputClass} value={d.reason} maxLength={500} onChange={(e) => set({ reason: e.target.value })} data-testid="policy-reason" placeholder="why this change" />
      </Field>
      <div className="flex flex-wrap items-center gap-3" aria-live="polite">
        <button type="submit" className={buttonClass("primary")} disabled={saving} data-testid="policy-save">{saving ? "Saving…" : isNew ? "Create policy" : "Save changes"}</button>
        <button type="button" className={buttonClass("neutral")} disabled={saving} onClick={onCancel} data-testid="policy-cancel">Cancel</button>
        <InlineError message={local ?? error} testId="policy-error" />
      </div>
    </form>
  );
}
