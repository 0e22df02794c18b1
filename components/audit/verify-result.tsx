/**
 * What a chain verification found: intact (how many entries, how long it took)
 * or broken (where, how, what was expected and what was there, and every
 * other break the walk found).
 */
import Link from "next/link";
import type { ChainVerifyResult } from "@/components/trpc/router-types";
import { formatCount, formatDateTime } from "@/components/ui/format";
import { HashText } from "@/components/ui/hash-text";

export function VerifyResult({ result }: { result: ChainVerifyResult }) {
  const anchors = result.anchors > 0 ? ` · anchored on ${formatCount(result.anchors)} signed checkpoint${result.anchors === 1 ? "" : "s"}` : "";
  const threads = result.threads === 2 ? " on two threads" : "";
  const checked = `checked ${formatDateTime(result.checkedAt)} in ${formatCount(result.durationMs)} ms${threads}${anchors}`;
  const slower = result.threadProblem ? (
    <p className="mt-2 text-sm text-amber-200" data-testid="verify-thread-problem">
      Verified on one thread: the verifier&apos;s worker thread could not start ({result.threadProblem}). Results are the same, long chains take longer.
    </p>
  ) : null;
  const conflicts = result.checkpointConflicts.length ? (
    <ul className="mt-2 text-base font-semibold text-red-200" data-testid="checkpoint-conflicts">
      {result.checkpointConflicts.map((c) => <li key={c}>⚠ {c}</li>)}
    </ul>
  ) : null;
  if (result.ok) {
    return (
      <div data-testid="verify-result" data-ok="true" className="rounded-xl border border-emerald-500/70 bg-emerald-950/40 px-5 py-4">
        <p className="text-xl font-bold text-emerald-200">
          <span aria-hidden="true">✓ </span>Chain intact: {formatCount(result.entries)} entries verified
        </p>
        <p className="mt-1 text-base text-emerald-100">
          Head #{result.headSeq.toString()} · <HashText value={result.headHash} head={12} tail={8} /> · {checked}
        </p>
        {conflicts}
        {slower}
      </div>
    );
  }
  const f = result.failure;
  return (
    <div data-testid="verify-result" data-ok="false" role="alert" className="rounded-xl border-2 border-red-500 bg-red-950/60 px-5 py-4">
      <p className="text-xl font-bold text-red-200">
        <span aria-hidden="true">✗ </span>Chain broken: <span className="font-mono" data-testid="verify-failure-kind">{f.kind}</span>
        {f.seq !== null ? (
          <>
            {" "}at{" "}
            <Link href={`/audit?seq=${f.seq.toString()}`} className="underline underline-offset-4" data-testid="verify-failure-seq">
              #{f.seq.toString()}
            </Link>
          </>
        ) : null}
      </p>
      <p className="mt-2 text-base text-red-100">{f.message}</p>
      <dl className="mt-3 grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-base">
        <dt className="text-red-300">Expected</dt>
        <dd className="break-all font-mono text-slate-100" data-testid="verify-expected">{f.expected}</dd>
        <dt className="text-red-300">Actual</dt>
        <dd className="break-all font-mono text-slate-100" data-testid="verify-actual">{f.actual}</dd>
      </dl>
      <p className="mt-2 text-sm text-red-200">
        {formatCount(result.entries)} entries passed before the first break · {checked}
      </p>
      {result.failures.length > 1 ? (
        <div className="mt-3">
          <p className="text-base font-semibold text-red-200">Every break found ({formatCount(result.failures.length)}{result.moreFailures ? "+" : ""}):</p>
          <ul className="mt-1 text-base text-red-100" data-testid="verify-failures">
            {result.failures.map((b) => (
              <li key={`${b.kind}-${b.seq?.toString() ?? "none"}`} data-testid="verify-failure-item">
                <span className="font-mono">{b.kind}</span>
                {b.seq !== null ? <> at <Link href={`/audit?seq=${b.seq.toString()}`} className="underline underline-offset-4">#{b.seq.toString()}</Link></> : null}: {b.message}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {conflicts}
      {slower}
    </div>
  );
}
