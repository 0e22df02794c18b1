"use client";
/**
 * A red strip on every page, for every role, while the background integrity
 * monitor finds the audit log at odds with its signed checkpoints: what is
 * broken and where, and that no checkpoint is signed until it is resolved.
 * Shows nothing while all is well (or when the query cannot be answered,
 * e.g. before sign-in).
 */
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { LIVE_REFETCH_MS } from "@/components/trpc/query-client";
import { useTRPC } from "@/components/trpc/trpc-context";

export function IntegrityBanner() {
  const trpc = useTRPC();
  const q = useQuery(trpc.audit.integrity.queryOptions(undefined, { refetchInterval: LIVE_REFETCH_MS, retry: false }));
  const v = q.data;
  if (!v || v.state !== "alarm") return null;
  return (
    <div role="alert" data-testid="integrity-banner" className="mb-6 rounded-xl border-2 border-red-500 bg-red-950/70 px-5 py-4">
      <p className="text-lg font-bold text-red-100">
        <span aria-hidden="true">⚠ </span>Audit log integrity alarm: the stored log does not match its signed checkpoints
      </p>
      <ul className="mt-2 text-base text-red-100">
        {v.breaks.map((b) => (
          <li key={`${b.kind}-${b.seq ?? "none"}`} data-testid="integrity-break" data-kind={b.kind} data-seq={b.seq ?? ""}>
            <span className="font-mono">{b.kind}</span>
            {b.seq !== null ? <> at <Link href={`/audit?seq=${b.seq}`} className="underline underline-offset-4">#{b.seq}</Link></> : null}: {b.message}
          </li>
        ))}
        {v.moreBreaks > 0 ? <li>… and {v.moreBreaks} more</li> : null}
      </ul>
      <p className="mt-2 text-sm text-red-200">No checkpoint is signed until this is resolved. Keep your exported checkpoint files; compare them with `npm run audit:verify`.</p>
    </div>
  );
}
