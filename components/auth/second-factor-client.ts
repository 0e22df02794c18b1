/**
 * The browser's side of the second factor, over better-auth's endpoints
 * (server/auth/auth.ts): enrol TOTP (password first), prove a code or a
 * recovery code, renew recovery codes, prove or add a passkey (WebAuthn through
 * @simplewebauthn/browser).
 * Each returns null on success or a sentence for the user. Codes and secrets
 * are sent once and never stored or logged here.
 */
import { startAuthentication, startRegistration, type PublicKeyCredentialCreationOptionsJSON, type PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/browser";

type Outcome = string | null;

async function call(path: string, init: { method?: "GET" | "POST"; body?: unknown } = {}): Promise<{ ok: boolean; status: number; json: unknown }> {
  const res = await fetch(`/api/auth${path}`, {
    method: init.method ?? "POST",
    headers: init.body === undefined ? {} : { "content-type": "application/json" },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  }).catch(() => null);
  if (!res) return { ok: false, status: 0, json: { message: "The console cannot be reached. Check the connection and try again." } };
  return { ok: res.ok, status: res.status, json: await res.json().catch(() => null) };
}

function explain(r: { status: number; json: unknown }, fallback: string): string {
  const message = (r.json as { message?: string } | null)?.message;
  if (r.status === 429) return "Too many attempts. Wait a minute and try again.";
  if (r.status === 0 && message) return message;
  return message ? `${fallback}: ${message}` : `${fallback} (${r.status}).`;
}

export async function verifyCode(code: string, kind: "totp" | "recovery"): Promise<Outcome> {
  const r = await call(kind === "totp" ? "/two-factor/verify-totp" : "/two-factor/verify-backup-code", { body: { code: code.trim() } });
  if (r.ok) return null;
  if (r.status === 401) return kind === "totp" ? "That code is not right (or expired). Enter the current 6-digit code." : "That recovery code is not right, or was used already.";
  return explain(r, "The code was refused");
}

/** Proves the second factor with a passkey: the second step of a sign-in, or a step-up of this session. */
export async function proveWithPasskey(): Promise<Outcome> {
  const opts = await call("/passkey/generate-authenticate-options", { method: "GET" });
  if (!opts.ok) return explain(opts, "No passkey challenge");
  let response: unknown;
  try {
    response = await startAuthentication({ optionsJSON: opts.json as PublicKeyCredentialRequestOptionsJSON });
  } catch (err) {
    return `The passkey was not used: ${(err as Error).message}`;
  }
  const r = await call("/passkey/verify-authentication", { body: { response } });
  return r.ok ? null : explain(r, "The passkey was refused");
}

export interface TotpEnrolment {
  uri: string;
  secret: string;
  recoveryCodes: string[];
}

export async function startTotpEnrolment(password: string): Promise<TotpEnrolment | string> {
  const r = await call("/two-factor/enable", { body: { password } });
  if (!r.ok) return r.status === 400 ? "Wrong password." : explain(r, "Enrolment could not start");
  const { totpURI, backupCodes } = r.json as { totpURI: string; backupCodes: string[] };
  return { uri: totpURI, secret: new URL(totpURI).searchParams.get("secret") ?? "", recoveryCodes: backupCodes };
}

/** New recovery codes (the old ones stop working); shown once by the caller. */
export async function renewRecoveryCodes(password: string): Promise<string[] | string> {
  const r = await call("/two-factor/generate-backup-codes", { body: { password } });
  if (r.ok) return (r.json as { backupCodes: string[] }).backupCodes;
  return r.status === 400 || r.status === 401 ? "Wrong password." : explain(r, "New recovery codes could not be made");
}

export async function addPasskey(name: string): Promise<Outcome> {
  const opts = await call(`/passkey/generate-register-options?name=${encodeURIComponent(name)}`, { method: "GET" });
  if (!opts.ok) return explain(opts, "A passkey cannot be added now");
  let response: unknown;
  try {
    response = await startRegistration({ optionsJSON: opts.json as PublicKeyCredentialCreationOptionsJSON });
  } catch (err) {
    return `No passkey was created: ${(err as Error).message}`;
  }
  const r = await call("/passkey/verify-registration", { body: { response, name } });
  return r.ok ? null : explain(r, "The passkey was refused");
}

export interface PasskeyRow {
  id: string;
  name: string | null;
  createdAt: string | null;
}

export async function listPasskeys(): Promise<PasskeyRow[]> {
  const r = await call("/passkey/list-user-passkeys", { method: "GET" });
  return r.ok && Array.isArray(r.json) ? (r.json as PasskeyRow[]).map(({ id, name, createdAt }) => ({ id, name, createdAt })) : [];
}
