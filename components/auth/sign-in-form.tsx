"use client";
/**
 * Email and password, sent to better-auth's sign-in endpoint; on success a full
 * page load of where the user was going (so the server renders the console for
 * them). Refusals are said plainly: wrong credentials, too many attempts (with
 * the wait), a disabled account. When the account has a second factor, the
 * password opens no session yet: the second step asks for a code, a recovery
 * code or a passkey.
 */
import { useState, type FormEvent } from "react";
import type { Role } from "@/server/domain/access/roles";
import { buttonClass, inputClass } from "@/components/ui/button-styles";
import { InlineError } from "@/components/ui/inline-error";
import { SecondFactorStep } from "./second-factor-step";

/** A demo account offered on the sign-in page (the server lists the ones that exist; a demo's passwords are public). */
export interface DemoAccountHint {
  email: string;
  name: string;
  role: Role;
  password: string;
  what: string;
}

type SignInOutcome = "SIGNED_IN" | "SECOND_FACTOR" | { error: string };

async function signIn(email: string, password: string): Promise<SignInOutcome> {
  const res = await fetch("/api/auth/sign-in/email", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  }).catch(() => null);
  if (!res) return { error: "The console cannot be reached. Check the connection and try again." };
  if (res.ok) return ((await res.json().catch(() => null)) as { twoFactorRedirect?: boolean } | null)?.twoFactorRedirect ? "SECOND_FACTOR" : "SIGNED_IN";
  return { error: await refusal(res) };
}

async function refusal(res: Response): Promise<string> {
  if (res.status === 429) return `Too many sign-in attempts from here. Wait ${res.headers.get("x-retry-after") ?? "a minute"} seconds and try again.`;
  if (res.status === 403) {
    const body = (await res.json().catch(() => null)) as { message?: string } | null;
    return /disabled/i.test(body?.message ?? "") ? "This account is disabled. Ask an administrator." : `Sign-in refused: ${body?.message ?? "forbidden"}.`;
  }
  if (res.status === 401 || res.status === 400) return "Wrong email or password.";
  return `Sign-in failed (${res.status}). Try again.`;
}

export function SignInForm({ next, demoAccounts }: { next: string; demoAccounts: DemoAccountHint[] }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const [secondStep, setSecondStep] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setPending(true);
    setError(null);
    const outcome = await signIn(email.trim(), password);
    if (typeof outcome === "object") {
      setError(outcome.error);
      setPending(false);
      return;
    }
    if (outcome === "SECOND_FACTOR") {
      setPassword("");
      setSecondStep(true);
      return;
    }
    window.location.assign(next);
  };

  if (secondStep) {
    return (
      <div className="rounded-xl border border-line bg-panel p-6" data-testid="sign-in-second-factor">
        <SecondFactorStep intro={`Password accepted for ${email.trim()}. Now prove your second factor.`} onDone={() => window.location.assign(next)} />
      </div>
    );
  }

  return (
    <>
      <form onSubmit={(e) => void submit(e)} className="flex flex-col gap-4 rounded-xl border border-line bg-panel p-6" data-testid="sign-in-form" noValidate>
        <label className="flex flex-col gap-1 text-base font-medium text-slate-200">
          Email
          <input className={inputClass} type="email" name="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} data-testid="sign-in-email" />
        </label>
        <label className="flex flex-col gap-1 text-base font-medium text-slate-200">
          Password
          <input className={inputClass} type="password" name="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} data-testid="sign-in-password" />
        </label>
        <div aria-live="polite">{error ? <InlineError message={error} testId="sign-in-error" /> : null}</div>
        <button type="submit" className={buttonClass("primary")} disabled={pending || !email || !password} data-testid="sign-in-submit">
          {pending ? "Signing in…" : "Sign in"}
        </button>
      </form>
      {demoAccounts.length > 0 ? (
        <section className="rounded-xl border border-amber-500/40 bg-amber-500/5 p-5" data-testid="demo-accounts">
          <h2 className="text-lg font-semibold text-amber-200">Demo accounts</h2>
          <p className="mb-3 text-sm text-slate-300">This is a demo: these accounts and their passwords are public. A real deployment has none of them.</p>
          <ul className="flex flex-col gap-2">
            {demoAccounts.map((a) => (
              <li key={a.email} className="flex flex-wrap items-center justify-between gap-2">
                <span className="text-base text-slate-100">
                  <span className="font-semibold">{a.name}</span> <span className="text-slate-400">({a.role}: {a.what})</span>
                  <br />
                  <span className="font-mono text-sm text-slate-300">{a.email} / {a.password}</span>
                </span>
                <button type="button" className={buttonClass("ghost")} data-testid={`demo-use-${a.role}-${a.email.split("@")[0]}`} onClick={() => { setEmail(a.email); setPassword(a.password); }}>
                  Use
                </button>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </>
  );
}
