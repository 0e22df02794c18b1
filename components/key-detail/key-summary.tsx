/**
 * The head of a key's page: label and state in large type, then the figures an
 * operator checks at a glance (generation, usage, policy, material status) and
 * the identifiers and dates below them.
 */
import type { ReactNode } from "react";
import type { KeyView } from "@/components/trpc/router-types";
import { StateBadge } from "@/components/keys/state-badge";
import { CopyButton } from "@/components/ui/copy-button";
import { formatCount, formatDateTime } from "@/components/ui/format";
import { RelativeTime } from "@/components/ui/relative-time";
import { FingerprintField } from "./fingerprint-field";

function Figure({ label, value, testId, tone = "text-white" }: { label: string; value: ReactNode; testId?: string; tone?: string }) {
  return (
    <div className="flex flex-col rounded-xl border border-line bg-panel px-4 py-3">
      <span className="text-sm font-semibold uppercase tracking-wider text-slate-400">{label}</span>
      <span data-testid={testId} className={`text-2xl font-bold tabular-nums ${tone}`}>{value}</span>
    </div>
  );
}

const DATES: [keyof KeyView, string][] = [
  ["generatedAt", "Generated"], ["distributedAt", "Distributed"], ["activatedAt", "Activated"], ["rotatingAt", "Rotation started"],
  ["retiredAt", "Retired"], ["revokedAt", "Revoked"], ["destroyedAt", "Destroyed"], ["lastUsedAt", "Last used"],
];

export function KeySummary({ k }: { k: KeyView }) {
  const dates = DATES.flatMap(([field, label]) => {
    const v = k[field];
    return v instanceof Date ? [{ label, date: v }] : [];
  });
  return (
    <section aria-labelledby="key-title" className="flex flex-col gap-5">
      <div className="flex flex-wrap items-center gap-4">
        <h1 id="key-title" data-testid="key-label" className="text-4xl font-bold tracking-tight text-white">{k.label}</h1>
        <StateBadge state={k.state} size="lg" testId="key-state" />
      </div>
      <p className="-mt-3 max-w-4xl text-lg text-slate-300">{k.purpose}</p>

      <div className="grid grid-cols-2 gap-3 md:grid-cols-3 xl:grid-cols-5">
        <Figure label="Generation" testId="key-generation" value={<>{k.generation}<span className="text-base font-medium text-slate-400"> · attempt {k.distributionAttempt}</span></>} />
        <Figure label="Usage" testId="key-usage" value={formatCount(k.usageCount)} />
        <Figure label="Policy" testId="key-policy" value={k.policy} />
        <Figure label="Size" value={`${k.sizeBits} bit`} />
        <Figure
          label="Material"
          testId="key-material"
          tone={k.materialPresent ? "text-emerald-300" : "text-zinc-300"}
          value={<span className="text-lg">{k.materialPresent ? "sealed at rest (AES-256-GCM)" : "zeroised"}</span>}
        />
      </div>

      {k.revocationReason ? (
        <p role="note" className="rounded-lg border border-red-500/60 bg-red-950/40 px-4 py-3 text-base text-red-100" data-testid="revocation-reason">
          <span className="font-semibold text-red-300">Revoked: </span>{k.revocationReason}
        </p>
      ) : null}
      {k.failureReason ? (
        <p role="note" className="rounded-lg border border-amber-500/60 bg-amber-950/40 px-4 py-3 text-base text-amber-100" data-testid="failure-reason">
          <span className="font-semibold text-amber-300">Distribution failed: </span>{k.failureReason}
        </p>
      ) : null}

      <FingerprintField fingerprint={k.fingerprint} />

      <dl className="grid grid-cols-1 gap-x-8 gap-y-2 text-base md:grid-cols-2">
        <div className="flex flex-wrap items-center gap-x-3">
          <dt className="text-slate-400">Key id</dt>
          <dd className="flex items-center gap-2 font-mono text-slate-200" data-testid="key-id">
            {k.id} <CopyButton value={k.id} label="Copy id" testId="copy-key-id" />
          </dd>
        </div>
        <div className="flex flex-wrap gap-x-3"><dt className="text-slate-400">Lineage</dt><dd className="font-mono text-slate-200">{k.lineageId}</dd></div>
        <div className="flex flex-wrap gap-x-3"><dt className="text-slate-400">Entropy source</dt><dd className="text-slate-200">{k.entropySource}</dd></div>
        <div className="flex flex-wrap gap-x-3"><dt className="text-slate-400">Retention</dt><dd className="text-slate-200">{k.retentionDays} days after retirement</dd></div>
        <div className="flex flex-wrap gap-x-3"><dt className="text-slate-400">Version</dt><dd className="tabular-nums text-slate-200" data-testid="key-version">{k.version}</dd></div>
        {dates.map((d) => (
          <div key={d.label} className="flex flex-wrap gap-x-3">
            <dt className="text-slate-400">{d.label}</dt>
            <dd className="text-slate-200">{formatDateTime(d.date)} <span className="text-slate-400">(<RelativeTime date={d.date} />)</span></dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
