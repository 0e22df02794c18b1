"use client";
/**
 * "Prove your second factor": a 6-digit code from the authenticator app, or a
 * recovery code, or a passkey. Used as the second step of sign-in and as the
 * step-up prompt before a vote, a role grant or a policy change.
 */
import { useState, type FormEvent } from "react";
import { buttonClass, inputClass } from "@/components/ui/button-styles";
import { InlineError } from "@/components/ui/inline-error";
import { proveWithPasskey, verifyCode } from "./second-factor-client";

export function SecondFactorStep({ onDone, onCancel, intro }: { onDone: () => void; onCancel?: () => void; intro: string }) {
  const [code, setCode] = useState("");
  const [kind, setKind] = useState<"totp" | "recovery">("totp");
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  const run = async (prove: () => Promise<string | null>) => {
    setPending(true);
    setError(null);
    const err = await prove();
    setPending(false);
    if (err) setError(err);
    else onDone();
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(() => verifyCode(code, kind));
  };

  return (
    <form onSubmit={submit} className="flex flex-col gap-4" data-testid="second-factor-step" noValidate>
      <p className="text-base text-slate-200">{intro}</p>
      <label className="flex flex-col gap-1 text-base font-medium text-slate-200">
        {kind === "totp" ? "Code from your authenticator app" : "One of your recovery codes"}
        <input
          className={inputClass} name="code" autoComplete="one-time-code" inputMode={kind === "totp" ? "numeric" : "text"} autoFocus
          value={code} onChange={(e) => setCode(e.target.value)} data-testid="second-factor-code"
        />
      </label>
      <div aria-live="polite"><InlineError message={error} testId="second-factor-error" /></div>
      <div className="flex flex-wrap gap-2">
        <button type="submit" className={buttonClass("primary")} disabled={pending || code.trim().length < 6} data-testid="second-factor-submit">
          {pending ? "Checking…" : "Confirm"}
        </button>
        <button type="button" className={buttonClass("neutral")} disabled={pending} onClick={() => void run(proveWithPasskey)} data-testid="second-factor-passkey">
          Use a passkey
        </button>
        <button type="button" className={buttonClass("ghost")} disabled={pending} onClick={() => { setKind(kind === "totp" ? "recovery" : "totp"); setCode(""); }} data-testid="second-factor-use-recovery">
          {kind === "totp" ? "Use a recovery code" : "Use the authenticator app"}
        </button>
        {onCancel ? (
          <button type="button" className={buttonClass("ghost")} disabled={pending} onClick={onCancel} data-testid="second-factor-cancel">Cancel</button>
        ) : null}
      </div>
    </form>
  );
}
