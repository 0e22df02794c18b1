"use client";
/**
 * The inline step between clicking an action and running it: a required
 * reason, a usage count, and/or an explicit confirmation of what cannot be undone.
 */
import { useState, type FormEvent } from "react";
import { buttonClass, inputClass } from "@/components/ui/button-styles";
import { InlineError } from "@/components/ui/inline-error";
import type { KeyActionSpec } from "./key-action-specs";

interface Props {
  spec: KeyActionSpec;
  participants: number;
  pending: boolean;
  onSubmit: (values: { reason?: string; count?: number }) => void;
  onCancel: () => void;
}

export function ActionForm({ spec, participants, pending, onSubmit, onCancel }: Props) {
  const [reason, setReason] = useState("");
  const [count, setCount] = useState("1");
  const [problem, setProblem] = useState<string | null>(null);
  const danger = spec.tone === "danger";

  function submit(e: FormEvent) {
    e.preventDefault();
    const n = Number(count);
    if (spec.input === "reason" && reason.trim().length < 3) {
      setProblem("Give a reason of at least 3 characters.");
      return;
    }
    if (spec.input === "count" && (!Number.isInteger(n) || n < 1 || n > 1_000_000)) {
      setProblem("Count must be a whole number from 1 to 1,000,000.");
      return;
    }
    onSubmit(spec.input === "reason" ? { reason: reason.trim() } : spec.input === "count" ? { count: n } : {});
  }

  return (
    <form
      onSubmit={submit}
      noValidate
      data-testid="action-form"
      data-action={spec.event}
      aria-label={spec.label}
      className={`flex flex-col gap-3 rounded-xl border p-4 ${danger ? "border-red-500/70 bg-red-950/40" : "border-line-strong bg-panel-raised"}`}
    >
      <p className={`text-base font-semibold ${danger ? "text-red-200" : "text-slate-100"}`}>{spec.label}: {spec.help}</p>
      {spec.confirm ? <p className="text-base text-red-100" data-testid="action-warning">{spec.confirm(participants)}</p> : null}
      {spec.input === "reason" ? (
        <div className="flex flex-col gap-1">
          <label htmlFor="action-reason" className="text-sm font-semibold text-slate-300">Reason (required, recorded in the audit log)</label>
          <textarea
            id="action-reason" data-testid="reason-input" value={reason} rows={2} maxLength={500} autoFocus
            onChange={(e) => { setReason(e.target.value); setProblem(null); }} className={inputClass}
            aria-invalid={problem ? true : undefined} aria-describedby={problem ? "action-problem" : undefined}
          />
        </div>
      ) : null}
      {spec.input === "count" ? (
        <div className="flex max-w-xs flex-col gap-1">
          <label htmlFor="action-count" className="text-sm font-semibold text-slate-300">Uses to record</label>
          <input
            id="action-count" data-testid="count-input" type="number" min={1} max={1_000_000} step={1} value={count} autoFocus
            onChange={(e) => { setCount(e.target.value); setProblem(null); }} className={inputClass}
            aria-invalid={problem ? true : undefined} aria-describedby={problem ? "action-problem" : undefined}
          />
        </div>
      ) : null}
      <InlineError id="action-problem" message={problem} testId="action-form-error" />
      <div className="flex flex-wrap gap-3">
        <button type="submit" data-testid="action-confirm" disabled={pending} className={buttonClass(danger ? "danger" : "primary")}>
          {pending ? "Working…" : danger ? `Confirm ${spec.label.toLowerCase()}` : spec.label}
        </button>
        <button type="button" data-testid="action-cancel" onClick={onCancel} className={buttonClass("neutral")}>Cancel</button>
      </div>
    </form>
  );
}
