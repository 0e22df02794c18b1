"use client";
/** "Verify chain": recomputes every entry's hash on the server and reports where the chain breaks, if it does. */
import { useMutation } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc/trpc-context";
import { buttonClass } from "@/components/ui/button-styles";
import { InlineError } from "@/components/ui/inline-error";
import { useMayCall } from "@/components/auth/current-user";
import { VerifyResult } from "./verify-result";

export function VerifyChainPanel() {
  const trpc = useTRPC();
  const verify = useMutation(trpc.audit.verify.mutationOptions());
  const may = useMayCall("audit.verify");
  if (!may) return <p className="text-base text-slate-400" data-testid="verify-not-allowed">Verifying the chain (which is itself recorded) is for analysts and up.</p>;
  return (
    <div className="flex flex-col gap-3">
      <div>
        <button type="button" data-testid="verify-chain" disabled={verify.isPending} onClick={() => verify.mutate()} className={buttonClass("primary")}>
          {verify.isPending ? "Verifying…" : "Verify chain"}
        </button>
      </div>
      <div aria-live="polite" aria-atomic="true">
        {verify.isError ? <InlineError message={`Verification could not run: ${verify.error.message}`} testId="verify-error" /> : null}
        {verify.data ? <VerifyResult result={verify.data} /> : null}
        {verify.isIdle ? (
          <p className="text-base text-slate-400">Recomputes every entry&rsquo;s hash and checks the links to the head.</p>
        ) : null}
      </div>
    </div>
  );
}
