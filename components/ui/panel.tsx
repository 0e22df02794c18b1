/** A titled section of a page. */
import type { ReactNode } from "react";

export function Panel({ title, children, actions, testId, className = "" }: { title?: ReactNode; children: ReactNode; actions?: ReactNode; testId?: string; className?: string }) {
  return (
    <section data-testid={testId} className={`rounded-xl border border-line bg-panel p-5 ${className}`}>
      {title || actions ? (
        <div className="mb-4 flex flex-wrap items-center justify-between gap-3">
          {title ? <h2 className="text-lg font-semibold uppercase tracking-wide text-slate-200">{title}</h2> : null}
          {actions}
        </div>
      ) : null}
      {children}
    </section>
  );
}
