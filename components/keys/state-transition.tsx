/**
 * "ACTIVE → ROTATING" as two badges; one badge when there is no previous state
 * (a new key) or the state did not change (a recorded fact such as usage).
 */
import { MaybeStateBadge } from "./state-badge";

export function StateTransition({ from, to }: { from: string | null; to: string | null }) {
  if (from === null || to === null || from === to) return <MaybeStateBadge value={to ?? from} />;
  return (
    <span className="inline-flex items-center gap-1.5 whitespace-nowrap">
      <MaybeStateBadge value={from} />
      <span aria-hidden="true" className="text-slate-400">→</span>
      <span className="sr-only">to</span>
      <MaybeStateBadge value={to} />
    </span>
  );
}
