"use client";
/**
 * Signed checkpoints: the newest one (size, root, age), the public key to pin,
 * publishing one now, and the downloads an outside auditor verifies offline.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc/trpc-context";
import { buttonClass } from "@/components/ui/button-styles";
import { CopyButton } from "@/components/ui/copy-button";
import { ErrorPanel } from "@/components/ui/error-panel";
import { HashText } from "@/components/ui/hash-text";
import { InlineError } from "@/components/ui/inline-error";
import { RelativeTime } from "@/components/ui/relative-time";
import { SkeletonRows } from "@/components/ui/skeleton-rows";
import { usePinnedKey } from "./pinned-key";

export function CheckpointPanel() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const latest = useQuery({ ...trpc.checkpoints.latest.queryOptions(), refetchInterval: 15_000 });
  const publish = useMutation(trpc.checkpoints.publish.mutationOptions({
    onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.checkpoints.latest.queryKey() }),
  }));
  const { pinned, pin } = usePinnedKey();

  if (latest.isPending) return <SkeletonRows rows={3} label="Loading checkpoints" />;
  if (latest.isError) return <ErrorPanel title="Checkpoints could not be loaded" error={latest.error} onRetry={() => void latest.refetch()} />;
  const { checkpoint, publicKey, keyId } = latest.data;
  const pinState = pinned === null ? "unpinned" : pinned === publicKey ? "pinned" : "mismatch";

  return (
    <div className="flex flex-col gap-4" data-testid="checkpoint-panel-body">
      {checkpoint ? (
        <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-base">
          <dt className="text-slate-400">Latest checkpoint</dt>
          <dd className="font-mono text-slate-100" data-testid="checkpoint-size">#{checkpoint.treeSize}</dd>
          <dt className="text-slate-400">Published</dt>
          <dd className="text-slate-200"><RelativeTime date={new Date(checkpoint.timestamp)} /></dd>
          <dt className="text-slate-400">Merkle root</dt>
          <dd className="text-slate-200"><HashText value={checkpoint.rootHash} head={12} tail={6} /></dd>
        </dl>
      ) : (
        <p className="text-base text-slate-400" data-testid="checkpoint-none">No checkpoint yet: one is published within a minute of the first entry, or now.</p>
      )}
      <div className="flex flex-col gap-1">
        <div className="text-sm text-slate-400">Signing key <span className="font-mono text-slate-300">{keyId}</span> (Ed25519, base64; pin it to verify exports)</div>
        <div className="flex flex-wrap items-center gap-2">
          <code className="break-all rounded bg-canvas px-2 py-1 font-mono text-sm text-slate-100" data-testid="checkpoint-public-key">{publicKey}</code>
          <CopyButton value={publicKey} label="Copy key" testId="copy-public-key" />
          {pinState === "pinned" ? (
            <span className="text-sm text-emerald-300" data-testid="key-pin-state" data-state="pinned">Pinned in this browser</span>
          ) : (
            <button type="button" className={buttonClass("neutral", "px-3 py-1 text-sm")} data-testid="pin-key" onClick={() => pin(publicKey)}>
              {pinState === "mismatch" ? "Re-pin (key changed!)" : "Pin in this browser"}
            </button>
          )}
        </div>
        {pinState === "mismatch" ? (
          <p className="text-sm font-semibold text-red-300" data-testid="key-pin-state" data-state="mismatch">
            The server now shows another key than the one pinned in this browser: checkpoints are verified against the pinned key.
          </p>
        ) : null}
      </div>
      <div className="flex flex-wrap items-center gap-2">
        <button type="button" data-testid="publish-checkpoint" disabled={publish.isPending} onClick={() => publish.mutate()} className={buttonClass("primary")}>
          {publish.isPending ? "Publishing…" : "Publish checkpoint now"}
        </button>
        <a className={buttonClass("neutral")} href="/api/audit/export?format=jsonl" data-testid="export-jsonl">Export (JSON Lines)</a>
        <a className={buttonClass("neutral")} href="/api/audit/export?format=csv">Export (CSV)</a>
        <a className={buttonClass("neutral")} href="/api/audit/checkpoints">Checkpoints</a>
      </div>
      <div aria-live="polite">
        {publish.isError ? <InlineError message={`No checkpoint published: ${publish.error.message}`} testId="publish-error" /> : null}
        {publish.data ? (
          <p className="text-sm text-slate-300" data-testid="publish-result">
            {publish.data.created ? `Checkpoint #${publish.data.checkpoint?.treeSize} published.` : "The log did not grow since the last checkpoint; nothing new to sign."}
          </p>
        ) : null}
      </div>
      <p className="text-sm text-slate-400">
        Offline: <code className="font-mono text-slate-300">npm run audit:verify -- export.jsonl --checkpoint checkpoints.jsonl --pubkey {keyId ? "<pinned key>" : ""}</code>
      </p>
    </div>
  );
}
