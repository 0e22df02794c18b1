/**
 * A calm panel for "nothing here (yet)": a title, one sentence that says why
 * and what to do, and optionally an action.
 */
import type { ReactNode } from "react";

export function EmptyState({ title, body, action, testId = "empty-state" }: { title: string; body: ReactNode; action?: ReactNode; testId?: string }) {
  return (
    <div data-testid={testId} className="flex flex-col items-center gap-3 rounded-xl border border-dashed border-line-strong bg-panel/60 px-8 py-14 text-center">
      <h2 className="text-xl font-semibold text-slate-100">{title}</h2>
      <div className="max-w-xl text-base text-slate-300">{body}</div>
      {action ? <div className="mt-2">{action}</div> : null}
    </div>
  );
}
