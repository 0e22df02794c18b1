"use client";
/**
 * The inline step between clicking a mesh action and running it: what the
 * action will do, a reason for the audit log (checked here as the server
 * checks it), confirm or cancel. Esc cancels the form, not the panel. The
 * typed reason survives a refusal, so the operator can retry.
 */
import { useState, type FormEvent, type KeyboardEvent, type ReactNode } from "react";
import { buttonClass, inputClass } from "@/components/ui/button-styles";
import { InlineError } from "@/components/ui/inline-error";

/** Mirrors the server's ZReason: 3 to 500 characters after trimming. */
export function reasonProblem(reason: string, optional = false): string | null {
  const r = reason.trim();
  if (optional && r.length === 0) return null;
  if (r.length < 3) return "Give a reason of at least 3 characters.";
  if (r.length > 500) return "At most 500 characters.";
  return null;
}

interface Props {
  title: string;
  explanation: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  optional?: boolean;
  pending: boolean;
  onSubmit: (reason: string) => void;
  onCancel: () => void;
}

export function ReasonForm({ title, explanation, confirmLabel, danger = false, optional = false, pending, onSubmit, onCancel }: Props) {
  const [reason, setReason] = useState("");
  const [problem, setProblem] = useState<string | null>(null);

  function submit(e: FormEvent) {
    e.preventDefault();
    const p = reasonProblem(reason, optional);
    if (p) return setProblem(p);
    onSubmit(reason.trim());
  }

  function onKeyDown(e: KeyboardEvent) {
    if (e.key === "Escape") {
      e.preventDefault();
      onCancel();
    }
  }

  return (
    <form
      onSubmit={submit}
      onKeyDown={onKeyDown}
      noValidate
      aria-label={title}
      data-testid="mesh-action-form"
      className={`flex flex-col gap-3 rounded-xl border p-4 ${danger ? "border-red-500/70 bg-red-950/40" : "border-line-strong bg-panel-raised"}`}
    >
      <p className={`text-base font-semibold ${danger ? "text-red-200" : "text-slate-100"}`}>{title}</p>
      <div className="text-base text-slate-200" data-testid="action-explanation">{explanation}</div>
      <label htmlFor="mesh-action-reason" className="text-sm font-semibold text-slate-300">
        Reason ({optional ? "optional" : "required"}, recorded in the audit log)
      </label>
      <textarea
        id="mesh-action-reason"
        data-testid="reason-input"
        value={reason}
        rows={2}
        maxLength={500}
        autoFocus
        onChange={(e) => {
          setReason(e.target.value);
          setProblem(null);
        }}
        className={inputClass}
        aria-invalid={problem ? true : undefined}
        aria-describedby={problem ? "mesh-action-problem" : undefined}
      />
      <InlineError id="mesh-action-problem" message={problem} testId="reason-error" />
      <div className="flex flex-wrap gap-3">
        <button type="submit" data-testid="action-confirm" disabled={pending} className={buttonClass(danger ? "danger" : "primary")}>
          {pending ? "Working…" : confirmLabel}
        </button>
        <button type="button" data-testid="action-cancel" onClick={onCancel} className={buttonClass("neutral")}>
          Cancel
        </button>
      </div>
    </form>
  );
}
