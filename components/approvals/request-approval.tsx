"use client";
/**
 * "Request revocation" / "Request emergency rotation": the compromise actions
 * nobody takes alone. Opens the impact preview and a justification; the
 * request then waits for security officers in the Approvals inbox.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import type { Impact } from "@/server/domain/approvals/approval-impact";
import { TRANSITIONS } from "@/server/domain/lifecycle/key-events";
import type { KeyDetail } from "@/components/trpc/router-types";
import { useMayCall } from "@/components/auth/current-user";
import { ImpactView } from "@/components/approvals/impact-view";
import { useTRPC, useTRPCClient } from "@/components/trpc/trpc-context";
import { buttonClass, inputClass } from "@/components/ui/button-styles";
import { InlineError } from "@/components/ui/inline-error";
import { SkeletonRows } from "@/components/ui/skeleton-rows";

const KINDS = [
  { kind: "EMERGENCY_ROTATION", label: "Request emergency rotation", testId: "request-EMERGENCY_ROTATION", possible: (s: string) => s === "ACTIVE" },
  { kind: "REVOCATION", label: "Request revocation", testId: "request-REVOCATION", possible: (s: string) => (TRANSITIONS.REVOKE.from as readonly string[]).includes(s) },
] as const;

/** The impact preview, a justification and "Send for approval", for any kind of request (a key's or a node's). */
export function RequestForm({ kind, targetId: keyId, onCancel }: { kind: string; targetId: string; onCancel: () => void }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const router = useRouter();
  const [justification, setJustification] = useState("");
  const preview = useQuery(trpc.approvals.preview.queryOptions({ kind, targetId: keyId }));
  const submit = useMutation({
    mutationFn: () => client.approvals.request.mutate({ kind, targetId: keyId, justification }),
    onSuccess: (r) => {
      void queryClient.invalidateQueries(trpc.approvals.pathFilter());
      router.push(`/approvals/${r.id}`);
    },
  });
  return (
    <div className="flex flex-col gap-4 rounded-xl border border-amber-500/40 bg-amber-500/5 p-4" data-testid="request-form">
      {preview.isPending ? <SkeletonRows rows={3} label="Computing the impact" /> : preview.isError ? <InlineError message={preview.error.message} /> : (
        <>
          <p className="text-base text-amber-100">
            Needs {preview.data.rule ? `${preview.data.rule.minApprovals} distinct officer approval${preview.data.rule.minApprovals === 1 ? "" : "s"}` : "an approval rule, and there is none: it will be refused"}; you cannot approve it yourself.
          </p>
          <ImpactView impact={preview.data.impact as Impact} />
        </>
      )}
      <label className="flex flex-col gap-1 text-base font-medium text-slate-200">
        Justification (what you saw, and why this is needed)
        <textarea className={inputClass} rows={3} value={justification} onChange={(e) => setJustification(e.target.value)} maxLength={1000} data-testid="request-justification-input" />
      </label>
      <div className="flex flex-wrap gap-3">
        <button type="button" className={buttonClass("primary")} disabled={submit.isPending || justification.trim().length < 10} onClick={() => submit.mutate()} data-testid="request-submit">
          {submit.isPending ? "Sending…" : "Send for approval"}
        </button>
        <button type="button" className={buttonClass("ghost")} onClick={onCancel}>Cancel</button>
      </div>
      <div aria-live="polite">{submit.isError ? <InlineError message={submit.error.message} testId="request-error" /> : null}</div>
    </div>
  );
}

export function RequestApproval({ detail }: { detail: KeyDetail }) {
  const may = useMayCall("approvals.request");
  const [open, setOpen] = useState<string | null>(null);
  // Closing the request gives focus back to the button that opened it (not to the page body).
  const openers = useRef(new Map<string, HTMLButtonElement>());
  const close = () => {
    const opener = open ? openers.current.get(open) : undefined;
    setOpen(null);
    requestAnimationFrame(() => opener?.focus());
  };
  // Escape closes the request, as it closes every panel (unless a dialog above it takes the key).
  const latestClose = useRef(close);
  useEffect(() => {
    latestClose.current = close;
  });
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape" && !e.defaultPrevented && !document.querySelector("dialog[open]")) latestClose.current();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [open]);
  const kinds = KINDS.filter((k) => k.possible(detail.key.state));
  if (kinds.length === 0) return null;
  return (
    <div className="flex flex-col gap-3" data-testid="request-approval">
      <p className="text-base text-slate-300">
        Revocation and emergency rotation need the approval of security officers; nobody can carry them out alone.
        {may ? "" : " Your role can follow requests but not raise them."}
      </p>
      {may ? (
        <div className="flex flex-wrap gap-3">
          {kinds.map((k) => (
            <button key={k.kind} type="button" className={buttonClass(k.kind === "REVOCATION" ? "danger" : "neutral")} aria-expanded={open === k.kind} onClick={() => (open === k.kind ? close() : setOpen(k.kind))} data-testid={k.testId} ref={(el) => { if (el) openers.current.set(k.kind, el); else openers.current.delete(k.kind); }}>
              {k.label}
            </button>
          ))}
        </div>
      ) : null}
      {open && may ? <RequestForm key={open} kind={open} targetId={detail.key.id} onCancel={close} /> : null}
    </div>
  );
}
