"use client";
/**
 * Enrolment and passkeys. Enrolment: the password, then the secret to put in
 * an authenticator app and ten recovery codes (shown this once only), then a
 * code from the app to confirm. Afterwards passkeys can be added (the server
 * asks for a fresh proof first; this page prompts for it and retries), and
 * recovery codes renewed (password and a fresh proof; the new codes shown once).
 */
import { useCallback, useEffect, useState, type FormEvent } from "react";
import { buttonClass, inputClass } from "@/components/ui/button-styles";
import { InlineError } from "@/components/ui/inline-error";
import { Panel } from "@/components/ui/panel";
import { addPasskey, listPasskeys, renewRecoveryCodes, startTotpEnrolment, verifyCode, type PasskeyRow, type TotpEnrolment } from "./second-factor-client";
import { SecondFactorStep } from "./second-factor-step";

function Enrolment({ onEnrolled }: { onEnrolled: () => void }) {
  const [password, setPassword] = useState("");
  const [enrolment, setEnrolment] = useState<TotpEnrolment | null>(null);
  const [code, setCode] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  const start = async (e: FormEvent) => {
    e.preventDefault();
    setPending(true);
    setError(null);
    const r = await startTotpEnrolment(password);
    setPending(false);
    setPassword("");
    if (typeof r === "string") setError(r);
    else setEnrolment(r);
  };
  const confirm = async (e: FormEvent) => {
    e.preventDefault();
    setPending(true);
    setError(null);
    const err = await verifyCode(code, "totp");
    setPending(false);
    if (err) setError(err);
    else onEnrolled();
  };

  if (!enrolment) {
    return (
      <form onSubmit={(e) => void start(e)} className="flex flex-col gap-3" data-testid="enrol-start-form" noValidate>
        <p className="text-base text-slate-200">Step 1 of 2: confirm your password to create the authenticator secret.</p>
        <label className="flex flex-col gap-1 text-base font-medium text-slate-200">
          Password
          <input className={inputClass} type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} data-testid="enrol-password" />
        </label>
        <InlineError message={error} testId="enrol-error" />
        <button type="submit" className={buttonClass("primary")} disabled={pending || !password} data-testid="enrol-start">{pending ? "Preparing…" : "Continue"}</button>
      </form>
    );
  }
  return (
    <form onSubmit={(e) => void confirm(e)} className="flex flex-col gap-4" data-testid="enrol-confirm-form" noValidate>
      <p className="text-base text-slate-200">
        Step 2 of 2: add this key to your authenticator app (or open the link on the phone that holds the app), then enter the code it shows.
      </p>
      <div className="rounded-lg border border-line bg-canvas p-3">
        <div className="text-sm text-slate-400">Key (base32)</div>
        <div className="break-all font-mono text-base text-slate-100" data-testid="enrol-secret">{enrolment.secret}</div>
        <a className="mt-2 inline-block text-sm text-sky-300 underline" href={enrolment.uri} data-testid="enrol-uri">otpauth link</a>
      </div>
      <div className="rounded-lg border border-amber-500/40 bg-amber-500/5 p-3">
        <div className="text-base font-semibold text-amber-200">Recovery codes: shown this once</div>
        <p className="text-sm text-slate-300">Each signs you in once if the app is lost. Store them offline; nobody can show them again.</p>
        <ul className="mt-2 grid grid-cols-2 gap-1 font-mono text-base text-slate-100" data-testid="enrol-recovery-codes">
          {enrolment.recoveryCodes.map((c) => <li key={c}>{c}</li>)}
        </ul>
      </div>
      <label className="flex flex-col gap-1 text-base font-medium text-slate-200">
        Code from the app
        <input className={inputClass} autoComplete="one-time-code" inputMode="numeric" value={code} onChange={(e) => setCode(e.target.value)} data-testid="enrol-code" />
      </label>
      <InlineError message={error} testId="enrol-error" />
      <button type="submit" className={buttonClass("primary")} disabled={pending || code.trim().length < 6} data-testid="enrol-confirm">{pending ? "Checking…" : "Confirm and enrol"}</button>
    </form>
  );
}

function Passkeys() {
  const [rows, setRows] = useState<PasskeyRow[] | null>(null);
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const [proving, setProving] = useState(false);
  const reload = useCallback(() => void listPasskeys().then(setRows), []);
  useEffect(reload, [reload]);

  const add = async () => {
    setPending(true);
    setError(null);
    const err = await addPasskey(name.trim() || "Passkey");
    setPending(false);
    if (err && /prove your second factor/i.test(err)) setProving(true);
    else if (err) setError(err);
    else {
      setName("");
      reload();
    }
  };

  return (
    <div className="flex flex-col gap-3" data-testid="passkeys">
      <p className="text-base text-slate-200">A passkey (a security key, or the device's own) is the phishing-resistant second step: it only answers this console's address.</p>
      <ul className="flex flex-col gap-1" data-testid="passkey-list">
        {(rows ?? []).map((p) => (
          <li key={p.id} className="text-base text-slate-100" data-testid="passkey-row">{p.name ?? "Passkey"}{p.createdAt ? <span className="text-slate-400"> · added {new Date(p.createdAt).toLocaleString()}</span> : null}</li>
        ))}
        {rows && rows.length === 0 ? <li className="text-base text-slate-400">No passkey yet.</li> : null}
      </ul>
      {proving ? (
        <SecondFactorStep intro="Adding a passkey needs your second factor again (the last proof is older than 5 minutes)." onDone={() => { setProving(false); void add(); }} onCancel={() => setProving(false)} />
      ) : (
        <div className="flex flex-wrap items-end gap-2">
          <label className="flex flex-col gap-1 text-base font-medium text-slate-200">
            Name
            <input className={inputClass} value={name} placeholder="e.g. YubiKey 5" onChange={(e) => setName(e.target.value)} data-testid="passkey-name" />
          </label>
          <button type="button" className={buttonClass("primary")} disabled={pending} onClick={() => void add()} data-testid="passkey-add">{pending ? "Waiting for the passkey…" : "Add a passkey"}</button>
        </div>
      )}
      <InlineError message={error} testId="passkey-error" />
    </div>
  );
}

function RecoveryCodes() {
  const [password, setPassword] = useState("");
  const [codes, setCodes] = useState<string[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const [proving, setProving] = useState(false);

  const renew = async () => {
    setPending(true);
    setError(null);
    const r = await renewRecoveryCodes(password);
    setPending(false);
    if (typeof r !== "string") {
      setPassword("");
      setCodes(r);
    } else if (/prove your second factor/i.test(r)) setProving(true);
    else setError(r);
  };

  if (codes) {
    return (
      <div className="rounded-lg border border-amber-500/40 bg-amber-500/5 p-3">
        <div className="text-base font-semibold text-amber-200">New recovery codes: shown this once; the old ones no longer work</div>
        <ul className="mt-2 grid grid-cols-2 gap-1 font-mono text-base text-slate-100" data-testid="renewed-recovery-codes">
          {codes.map((c) => <li key={c}>{c}</li>)}
        </ul>
      </div>
    );
  }
  if (proving) {
    return <SecondFactorStep intro="New recovery codes need your second factor again (the last proof is older than 5 minutes)." onDone={() => { setProving(false); void renew(); }} onCancel={() => setProving(false)} />;
  }
  return (
    <div className="flex flex-col gap-2">
      <p className="text-base text-slate-200">Used some recovery codes, or fear they were seen? Make new ones; the old ones stop working.</p>
      <div className="flex flex-wrap items-end gap-2">
        <label className="flex flex-col gap-1 text-base font-medium text-slate-200">
          Password
          <input className={inputClass} type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} data-testid="renew-password" />
        </label>
        <button type="button" className={buttonClass("neutral")} disabled={pending || !password} onClick={() => void renew()} data-testid="renew-recovery-codes">{pending ? "Making…" : "New recovery codes"}</button>
      </div>
      <InlineError message={error} testId="renew-error" />
    </div>
  );
}

export function SecuritySettings({ enrolled, required, next }: { enrolled: boolean; required: boolean; next: string }) {
  const [done, setDone] = useState(enrolled);
  return (
    <>
      {required && !done ? (
        <p className="rounded-lg border border-amber-500/40 bg-amber-500/10 p-3 text-base text-amber-100" data-testid="enrol-required">
          Your role needs a second factor on this console: enrol one to continue.
        </p>
      ) : null}
      <Panel title="Authenticator app and recovery codes">
        {done ? (
          <p className="text-base text-emerald-200" data-testid="enrolled">
            Enrolled. Sign-in asks for a code (or a recovery code, or a passkey) after your password.{" "}
            {required ? <a className="text-sky-300 underline" href={next} data-testid="enrol-continue">Continue to the console</a> : null}
          </p>
        ) : (
          <Enrolment onEnrolled={() => setDone(true)} />
        )}
      </Panel>
      {done ? (
        <Panel title="Passkeys">
          <Passkeys />
        </Panel>
      ) : null}
      {done ? (
        <Panel title="Recovery codes">
          <RecoveryCodes />
        </Panel>
      ) : null}
    </>
  );
}
