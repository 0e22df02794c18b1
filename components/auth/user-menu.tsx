"use client";
/**
 * Who is signed in (name, email, role), with sign-out here and sign-out on
 * every device. Both end with a full page load of the sign-in page. A link to
 * sign-in security (second factor, passkeys).
 */
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPCClient } from "@/components/trpc/trpc-context";
import { buttonClass } from "@/components/ui/button-styles";
import { InlineError } from "@/components/ui/inline-error";
import { useCurrentUser } from "./current-user";

export function UserMenu() {
  const user = useCurrentUser();
  const client = useTRPCClient();
  const [error, setError] = useState<string | null>(null);
  const signOut = useMutation({
    mutationFn: async (everywhere: boolean) => {
      if (everywhere) await client.account.signOutEverywhere.mutate();
      else {
        const res = await fetch("/api/auth/sign-out", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
        if (!res.ok) throw new Error(`Sign-out failed (${res.status}); try again.`);
      }
    },
    onSuccess: () => window.location.assign("/sign-in"),
    onError: (e) => setError(e.message),
  });
  return (
    <div className="rounded-lg border border-line bg-canvas px-3 py-2" data-testid="user-menu">
      <div className="text-xs font-semibold uppercase tracking-wider text-slate-400">Signed in</div>
      <div className="text-base font-semibold text-slate-100" data-testid="user-name">{user.name}</div>
      <div className="truncate font-mono text-sm text-slate-300" title={user.email}>{user.email}</div>
      <div className="mt-1 inline-block rounded bg-sky-500/15 px-2 py-0.5 text-sm font-semibold text-sky-200" data-testid="user-role">{user.role}</div>
      <div className="mt-2 flex flex-wrap gap-2">
        <button type="button" className={buttonClass("neutral", "px-3 py-1 text-sm")} disabled={signOut.isPending} onClick={() => signOut.mutate(false)} data-testid="sign-out">
          Sign out
        </button>
        <button type="button" className={buttonClass("ghost", "px-3 py-1 text-sm")} disabled={signOut.isPending} onClick={() => signOut.mutate(true)} data-testid="sign-out-everywhere" title="End your sessions in every browser and device">
          Everywhere
        </button>
      </div>
      <a className="mt-2 block text-sm text-sky-300 underline" href="/account/security" data-testid="account-security-link">Sign-in security</a>
      <InlineError message={error} />
    </div>
  );
}
