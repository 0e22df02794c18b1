"use client";
/**
 * "Is this entry in the latest signed checkpoint?" answered by this browser:
 * it fetches the inclusion proof, then recomputes the entry hash, the leaf,
 * the path to the root and checks the Ed25519 signature itself (see
 * server/domain/audit/verify-in-browser.ts). The server's answer is data,
 * never the verdict.
 */
import { useState } from "react";
import type { AuditEntry } from "@/components/trpc/router-types";
import { useTRPCClient } from "@/components/trpc/trpc-context";
import { buttonClass } from "@/components/ui/button-styles";
import { InlineError } from "@/components/ui/inline-error";
import { verifyInclusionInBrowser, type VerificationStep } from "@/server/domain/audit/verify-in-browser";
import { usePinnedKey } from "./pinned-key";

type State =
  | { kind: "idle" }
  | { kind: "running" }
  | { kind: "error"; message: string }
  | { kind: "done"; ok: boolean; steps: VerificationStep[]; treeSize: string; keyPinned: boolean };

export function InclusionCheck({ entry }: { entry: AuditEntry }) {
  const client = useTRPCClient();
  const { pinned } = usePinnedKey();
  const [state, setState] = useState<State>({ kind: "idle" });

  async function run() {
    setState({ kind: "running" });
    try {
      const [proof, latest] = await Promise.all([client.checkpoints.inclusionProof.query({ seq: entry.seq }), client.checkpoints.latest.query()]);
      const key = pinned ?? latest.publicKey;
      const r = await verifyInclusionInBrowser({ ...entry, details: entry.details }, proof, key);
      setState({ kind: "done", ok: r.ok, steps: r.steps, treeSize: proof.checkpoint.treeSize, keyPinned: pinned !== null });
    } catch (err) {
      setState({ kind: "error", message: (err as Error).message });
    }
  }

  return (
    <div className="flex flex-col gap-2" data-testid="inclusion-check">
      <div>
        <button type="button" className={buttonClass("neutral", "px-3 py-1 text-sm")} data-testid="check-inclusion" disabled={state.kind === "running"} onClick={() => void run()}>
          {state.kind === "running" ? "Verifying in this browser…" : "Verify inclusion in the latest checkpoint"}
        </button>
      </div>
      <div aria-live="polite">
        {state.kind === "error" ? <InlineError message={`Inclusion could not be checked: ${state.message}`} testId="inclusion-error" /> : null}
        {state.kind === "done" ? (
          <div data-testid="inclusion-result" data-verdict={state.ok ? "verified" : "failed"} className="flex flex-col gap-1">
            <p className={`font-semibold ${state.ok ? "text-emerald-300" : "text-red-300"}`}>
              {state.ok
                ? `Entry #${entry.seq} is in signed checkpoint #${state.treeSize} (verified in this browser).`
                : `Entry #${entry.seq} could NOT be verified against checkpoint #${state.treeSize}.`}
            </p>
            <ul className="text-sm">
              {state.steps.map((s) => (
                <li key={s.name} data-testid="inclusion-step" data-ok={s.ok ? "true" : "false"} className={s.ok ? "text-slate-300" : "text-red-300"}>
                  <span aria-hidden="true">{s.ok ? "✓" : "✗"}</span> <span className="font-semibold">{s.name}:</span> {s.detail}
                </li>
              ))}
            </ul>
            {!state.keyPinned ? <p className="text-sm text-amber-300">Checked against the key the server shows now; pin the key (Checkpoints panel) so a swapped key is noticed.</p> : null}
          </div>
        ) : null}
      </div>
    </div>
  );
}
