"use client";
/**
 * The step-up dialog: registered with the tRPC step-up link, it opens when a
 * vote, a role grant or a policy change needs the second factor again, and
 * tells the link whether to retry (proven) or give up (cancelled).
 */
import { useEffect, useState } from "react";
import { registerStepUpPrompt } from "@/components/trpc/step-up-link";
import { SecondFactorStep } from "./second-factor-step";

interface Pending { message: string; resolve: (ok: boolean) => void }

export function StepUpPrompt() {
  const [pending, setPending] = useState<Pending | null>(null);
  useEffect(() => registerStepUpPrompt((message) => new Promise<boolean>((resolve) => setPending({ message, resolve }))), []);
  if (!pending) return null;
  const close = (ok: boolean) => {
    pending.resolve(ok);
    setPending(null);
  };
  return (
    <div className="fixed inset-0 z-50 flex items-center justify-center bg-black/60 p-4" role="dialog" aria-modal="true" aria-labelledby="step-up-title" data-testid="step-up-dialog">
      <div className="w-full max-w-md rounded-xl border border-line bg-panel p-6">
        <h2 id="step-up-title" className="mb-3 text-xl font-bold text-white">Confirm it is you</h2>
        <SecondFactorStep intro={pending.message} onDone={() => close(true)} onCancel={() => close(false)} />
      </div>
    </div>
  );
}
