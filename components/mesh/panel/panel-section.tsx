/** A titled block inside the side panel, and a definition list of facts. */
import type { ReactNode } from "react";

export function PanelSection({ title, children, testId }: { title: string; children: ReactNode; testId?: string }) {
  return (
    <section data-testid={testId} className="flex flex-col gap-2">
      <h3 className="text-sm font-semibold uppercase tracking-wider text-slate-400">{title}</h3>
      {children}
    </section>
  );
}

export function Facts({ items }: { items: Array<[label: string, value: ReactNode, testId?: string]> }) {
  return (
    <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1.5 text-base">
      {items.map(([label, value, testId]) => (
        <div key={label} className="contents">
          <dt className="text-slate-400">{label}</dt>
          <dd className="min-w-0 break-words text-slate-100" data-testid={testId}>
            {value}
          </dd>
        </div>
      ))}
    </dl>
  );
}
