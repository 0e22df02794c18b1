/** A key's full fingerprint, monospace and selectable, with a copy button. Key material itself never reaches the browser. */
import { CopyButton } from "@/components/ui/copy-button";

export function FingerprintField({ fingerprint }: { fingerprint: string }) {
  return (
    <div className="flex flex-col gap-1">
      <span className="text-sm font-semibold uppercase tracking-wider text-slate-400">Fingerprint</span>
      <div className="flex flex-wrap items-center gap-3">
        <code data-testid="key-fingerprint" className="break-all rounded-md bg-canvas px-3 py-1.5 font-mono text-lg text-slate-100 ring-1 ring-line">
          {fingerprint}
        </code>
        <CopyButton value={fingerprint} label="Copy fingerprint" testId="copy-fingerprint" />
      </div>
    </div>
  );
}
